import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { ClusterBus } from './cluster-bus';
import type { ClusterEvent, NodeEvent } from './cluster-event';
import type { ConnectionStatus } from './connection-status';
import type { EndpointRegistry } from './endpoint-registry';
import { type Logger, noopLogger } from '@piko/observability';
import type { NodeInfo } from './node-info';

/** The gateway's live upstream counts per endpoint (its upstream pool). */
export interface EndpointCountSource {
  counts(): Map<string, number>;
  on(event: 'change', listener: (endpointId: string, count: number) => void): unknown;
  off(event: 'change', listener: (endpointId: string, count: number) => void): unknown;
}

export interface NodeRegistrationOptions {
  registry: EndpointRegistry;
  bus: ClusterBus;
  node: NodeInfo;
  source: EndpointCountSource;
  /** Lease refresh period (default 3000 ms); keep it well under the registry's lease TTL. */
  heartbeatIntervalMs?: number;
  /** Retry period while Redis is unreachable (default min(1000, heartbeat)). */
  retryIntervalMs?: number;
  /**
   * Longest a batch of endpoint changes waits for the previous batch's registry write before it
   * goes out anyway (default 10 ms; see NodeRegistration.handleChange).
   */
  maxBatchHoldMs?: number;
  /**
   * Shortest time between two batches (default 5 ms; 0 = none): a change that comes within this
   * long of the previous batch waits for the rest of it, so a busy gateway sends at most one batch
   * (one Redis MULTI, one NATS socket write) per interval. A change after a quiet spell goes out
   * at once. Bounds the delay it adds to a change's propagation.
   */
  minBatchIntervalMs?: number;
  /** The clock batches are timed by (ms; default performance.now; tests pass their own). */
  now?: () => number;
  logger?: Logger;
}

/**
 * Keeps a node's registry entries and lease current and announces its changes on the bus.
 * Redis trouble never reaches the caller: every failure is logged and marks the registration
 * dirty, and the next heartbeat re-registers the node and replaces all its entries at once.
 *
 * Endpoint count changes are batched (see handleChange): one registry transaction
 * (setEndpointCounts) and one event per endpoint, published together, per batch.
 *
 * Events: 'registered' (the node and all its entries were written), 'propagated' (ms: an
 * endpoint count change reached both the registry and the bus, that long after it happened),
 * 'publishFailed' (a bus event was lost; readers resync on the seq gap).
 */
export class NodeRegistration extends EventEmitter {
  private readonly registry: EndpointRegistry;
  private readonly bus: ClusterBus;
  private readonly source: EndpointCountSource;
  private readonly logger: Logger;
  private readonly heartbeatIntervalMs: number;
  private readonly retryIntervalMs: number;
  private readonly maxBatchHoldMs: number;
  private readonly minBatchIntervalMs: number;
  private readonly now: () => number;
  private node: NodeInfo;
  private seqCounter = 0;
  private isRegistered = false;
  private started = false;
  private closed = false;
  private publishFailing = false;
  private timer: NodeJS.Timeout | undefined;
  private tickInFlight: Promise<void> | undefined;
  /** Count changes of this event-loop turn, by endpoint, with when the first of them happened (this.now()). */
  private pending = new Map<string, { count: number; since: number }>();
  private flushTimer: NodeJS.Immediate | undefined;
  /** The last batch's registry write, until it settles, and when it was issued (this.now()). */
  private writeInFlight: Promise<void> | undefined;
  private writeIssuedAt = Number.NEGATIVE_INFINITY;
  private holdTimer: NodeJS.Timeout | undefined;
  /** When holdTimer fires (this.now()). */
  private holdDue = 0;
  private registryStatus: ConnectionStatus;
  private readonly onChange = (endpointId: string, count: number): void => this.handleChange(endpointId, count);
  private readonly onRegistryStatus = (status: ConnectionStatus): void => this.handleRegistryStatus(status);

  constructor(options: NodeRegistrationOptions) {
    super();
    this.registry = options.registry;
    this.bus = options.bus;
    this.source = options.source;
    this.node = { ...options.node };
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
    this.retryIntervalMs = options.retryIntervalMs ?? Math.min(1_000, this.heartbeatIntervalMs);
    this.maxBatchHoldMs = options.maxBatchHoldMs ?? 10;
    this.minBatchIntervalMs = options.minBatchIntervalMs ?? 5;
    this.now = options.now ?? (() => performance.now());
    this.logger = (options.logger ?? noopLogger).child({ component: 'node-registration', nodeId: this.node.id });
    this.registryStatus = this.registry.status;
  }

  /** True while the registry is known to hold this node's current lease and entries. */
  get registered(): boolean {
    return this.isRegistered;
  }

  /** Sequence number of the last event this node published. */
  get seq(): number {
    return this.seqCounter;
  }

  /** Registers now (or starts retrying in the background); never rejects for Redis failures. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.source.on('change', this.onChange);
    this.registry.on('status', this.onRegistryStatus);
    await this.registerAll();
    // Announce the node even if Redis is down: proxies can route from events alone.
    if (!this.isRegistered) this.publishNode('join');
    this.schedule();
  }

  /** Marks the node draining: proxies stop choosing it for new streams. */
  async drain(): Promise<void> {
    this.node = { ...this.node, state: 'draining' };
    try {
      await this.registry.setNodeState(this.node.id, 'draining');
    } catch (err) {
      this.markDirty('setting the node state failed', err);
    }
    this.publishNode('drain');
  }

  /** Graceful leave: removes the node's lease and entries now and announces the leave. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    // Changes not yet written are moot: removeNode deletes every entry (and a write after it would
    // leave an endpoints hash no lease or sweep would ever remove).
    clearImmediate(this.flushTimer);
    clearTimeout(this.holdTimer);
    this.pending.clear();
    this.source.off('change', this.onChange);
    this.registry.off('status', this.onRegistryStatus);
    await this.tickInFlight;
    try {
      await this.registry.removeNode(this.node.id);
    } catch (err) {
      this.logger.warn('could not remove the node from the registry; its lease will expire', { err: (err as Error).message });
    }
    this.publishNode('leave');
  }

  /**
   * Queues the change for the next batch (flush). A batch goes out on the next event-loop turn, or,
   * while the previous batch's registry write is still in flight, as soon as that write settles or
   * 10 ms after it was issued, whichever comes first (group commit, bounded): under churn one Redis MULTI and one NATS socket write carry every change that
   * came in during a round trip, instead of two writes per registration, and a quiet gateway still
   * sends a lone change at once. Only an endpoint's latest count is sent (a connect and a
   * disconnect in the same batch leave the entry as it was).
   */
  private handleChange(endpointId: string, count: number): void {
    if (this.closed) return;
    const queued = this.pending.get(endpointId);
    this.pending.set(endpointId, { count, since: queued?.since ?? this.now() });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.pending.size === 0 || this.closed) return;
    this.flushTimer = setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.closed || this.pending.size === 0) return;
    // Held while the previous batch's write is in flight, so what arrives meanwhile goes out as one
    // batch; but never longer than maxBatchHoldMs (a slow Redis must not delay the bus events, which
    // proxies route from), nor at all while Redis is not connected. Not holding keeps the order
    // that matters: this batch's write is still issued on the connection before its events.
    // Also held until minBatchIntervalMs after the previous batch (under churn, fewer and bigger
    // batches: each costs a Redis transaction, a NATS write, and a wake-up of every reader).
    const now = this.now();
    const holdForWrite = this.writeInFlight && this.registryStatus === 'connected' ? this.maxBatchHoldMs : 0;
    const due = this.writeIssuedAt + Math.max(holdForWrite, this.minBatchIntervalMs);
    if (due > now) {
      // A hold already due sooner stands; a later one is brought forward (the write settled).
      if (this.holdTimer && this.holdDue <= due) return;
      clearTimeout(this.holdTimer);
      this.holdDue = due;
      this.holdTimer = setTimeout(() => {
        this.holdTimer = undefined;
        this.flush();
      }, Math.ceil(due - now));
      return;
    }
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    const counts = new Map<string, number>();
    for (const [endpointId, { count }] of batch) counts.set(endpointId, count);
    // The Redis write is issued first (not awaited: the client keeps per-connection order), so a
    // proxy that resyncs because of an event usually already finds the write.
    const written = this.registry.setEndpointCounts(this.node.id, counts).then(
      () => true,
      (err: unknown) => {
        this.markDirty('endpoint update failed', err);
        return false;
      },
    );
    this.writeIssuedAt = this.now();
    const inFlight = (this.writeInFlight = written.then(() => {
      if (this.writeInFlight === inFlight) this.writeInFlight = undefined;
      this.scheduleFlush();
    }));
    // One event per endpoint, as before (readers of any version apply them); published in the
    // same tick, the NATS client sends them in one socket write.
    for (const [endpointId, { count, since }] of batch) {
      const published = this.publish({ type: 'endpoint', nodeId: this.node.id, seq: ++this.seqCounter, endpointId, count });
      // Both acknowledged: the change is in the registry and on the bus (for /metrics; see the events above).
      void Promise.all([written, published]).then(([ok, sent]) => {
        if (ok && sent) this.emit('propagated', this.now() - since);
      });
    }
  }

  private handleRegistryStatus(status: ConnectionStatus): void {
    const was = this.registryStatus;
    this.registryStatus = status;
    // Changes held behind a write to a registry that just went away go out now (see flush).
    if (status !== 'connected') this.scheduleFlush();
    if (status !== 'connected' || was === 'connected' || this.closed) return;
    // Redis is back, possibly empty (restarted without persistence) or having missed writes.
    // If we still think we are registered, the next heartbeat is up to a full interval away:
    // re-register now, so proxies that resync in between do not lose this node's routes.
    // (Not registered: the retry loop is already on it; a tick in flight will see for itself.)
    if (!this.isRegistered || this.tickInFlight || !this.started) return;
    this.isRegistered = false;
    clearTimeout(this.timer);
    this.runTick();
  }

  private schedule(): void {
    if (this.closed) return;
    const delay = this.isRegistered ? this.heartbeatIntervalMs : this.retryIntervalMs;
    this.timer = setTimeout(() => this.runTick(), delay);
    this.timer.unref();
  }

  private runTick(): void {
    if (this.closed) return;
    this.tickInFlight = this.tick().finally(() => {
      this.tickInFlight = undefined;
      this.schedule();
    });
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    if (!this.isRegistered) return this.registerAll();
    let alive: boolean;
    try {
      alive = await this.registry.refreshLease(this.node.id);
    } catch (err) {
      return this.markDirty('lease refresh failed', err);
    }
    if (!alive) {
      this.logger.warn('lease had expired; re-registering');
      this.isRegistered = false;
      await this.registerAll();
    }
  }

  private async registerAll(): Promise<void> {
    if (this.closed) return;
    const recovering = this.started && this.seqCounter > 0;
    try {
      // One transaction: a proxy resyncing between two writes would see this node without its
      // endpoints and drop their routes (seen as 502s right after a Redis restart).
      await this.registry.registerNode(this.node, this.source.counts());
    } catch (err) {
      return this.markDirty('registration failed', err);
    }
    if (this.closed) return;
    this.isRegistered = true;
    this.logger.info(recovering ? 're-registered node and endpoints' : 'registered node', { endpoints: this.source.counts().size });
    this.emit('registered');
    this.publishNode('join');
  }

  private markDirty(what: string, err: unknown): void {
    if (this.isRegistered) this.logger.warn(`${what}; will re-register when the registry is back`, { err: (err as Error).message });
    else this.logger.debug(`${what}; retrying`, { err: (err as Error).message });
    this.isRegistered = false;
  }

  private publishNode(kind: NodeEvent['kind']): void {
    this.publish({ type: 'node', nodeId: this.node.id, seq: ++this.seqCounter, kind, node: { ...this.node } });
  }

  /** Resolves true once the bus took the event, false when publishing failed (never rejects). */
  private publish(event: ClusterEvent): Promise<boolean> {
    return this.bus.publish(event).then(
      () => {
        if (this.publishFailing) this.logger.info('publishing cluster events again');
        this.publishFailing = false;
        return true;
      },
      (err: Error) => {
        // Lost events are safe (readers see the seq gap and resync); log the outage once.
        if (!this.publishFailing) this.logger.warn('cannot publish cluster events; readers will resync', { err: err.message });
        else this.logger.debug('cluster event not published', { err: err.message, seq: event.seq });
        this.publishFailing = true;
        this.emit('publishFailed');
        return false;
      },
    );
  }
}
