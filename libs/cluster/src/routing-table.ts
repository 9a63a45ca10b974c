import { EventEmitter } from 'node:events';
import type { ClusterBus } from './cluster-bus';
import type { ClusterEvent } from './cluster-event';
import type { ConnectionStatus } from './connection-status';
import type { EndpointRegistry } from './endpoint-registry';
import type { NodeInfo } from './node-info';
import { type Logger, noopLogger } from '@piko/observability';
import { RoutingState } from './routing-state';
import type { Route } from './weighted-pick';

/**
 * At most this many per-node sequence baselines: far above any real cluster's node count, so
 * that events naming made-up node IDs (a flood on the bus) cannot grow the map while resyncs,
 * which prune it, fail (Redis away: 1.58 M forged events took a proxy from 109 MB to 1.3 GB).
 * An event over the bound has no baseline, which reads as a gap: a resync, as for any unknown node.
 */
const MAX_SEQ_BASELINES = 4_096;
/**
 * At most this many events kept to replay on top of a snapshot being read. Past it the replay is
 * cut short and the snapshot read once more afterwards (the registry has what was cut).
 */
const MAX_REPLAY_EVENTS = 10_000;

export interface RoutingTableOptions {
  registry: EndpointRegistry;
  bus: ClusterBus;
  /** Full resync period (default 10 000 ms): bounds staleness when events are lost or NATS is down. */
  resyncIntervalMs?: number;
  /** Retry period after a failed resync (default min(1000, resyncIntervalMs)). */
  retryIntervalMs?: number;
  /**
   * After the registry reconnects, resyncs drop no node for this long (default 10 000 ms, a lease
   * TTL): a restarted Redis is empty until every node has re-registered.
   */
  reregisterGraceMs?: number;
  logger?: Logger;
}

export interface RoutingTableStats {
  nodes: number;
  endpoints: number;
  /** (endpoint, gateway) pairs held. */
  entries: number;
  /** Unix ms of the last successful resync; undefined before the first. */
  lastResyncAt: number | undefined;
  resyncsTotal: number;
  resyncFailuresTotal: number;
  seqGapsTotal: number;
  eventsTotal: number;
}

/**
 * The proxy's routing table: loaded from the registry, kept current by bus events, resynced
 * when a node's seq shows a missed event, after the bus reconnects, and periodically. Requests
 * read it in memory; Redis being down only stops resyncs, never routing. A gateway becomes a
 * route only through the registry (a live lease and its relay address there): a bus event alone
 * never adds one, see RoutingState.
 */
export class RoutingTable extends EventEmitter {
  private readonly state = new RoutingState();
  private readonly lastSeq = new Map<string, number>();
  private readonly registry: EndpointRegistry;
  private readonly bus: ClusterBus;
  private readonly logger: Logger;
  private readonly resyncIntervalMs: number;
  private readonly retryIntervalMs: number;
  private unsubscribe: (() => void) | undefined;
  private periodicTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private resyncInFlight: Promise<boolean> | undefined;
  private resyncAgain = false;
  /** Events received while a snapshot is being read, replayed on top of it. */
  private replay: ClusterEvent[] | undefined;
  private busStatus: ConnectionStatus;
  private closed = false;
  private counters = { lastResyncAt: undefined as number | undefined, resyncsTotal: 0, resyncFailuresTotal: 0, seqGapsTotal: 0, eventsTotal: 0 };
  private readonly onBusStatus = (status: ConnectionStatus): void => this.handleBusStatus(status);
  private readonly onRegistryStatus = (status: ConnectionStatus): void => this.handleRegistryStatus(status);
  private registryStatus: ConnectionStatus;
  /** Until then, resyncs keep nodes the registry lacks (it may have restarted empty). */
  private keepAbsentUntil = 0;
  private readonly reregisterGraceMs: number;

  constructor(options: RoutingTableOptions) {
    super();
    this.registry = options.registry;
    this.bus = options.bus;
    this.resyncIntervalMs = options.resyncIntervalMs ?? 10_000;
    this.retryIntervalMs = options.retryIntervalMs ?? Math.min(1_000, this.resyncIntervalMs);
    this.logger = (options.logger ?? noopLogger).child({ component: 'routing-table' });
    this.busStatus = this.bus.status;
    this.registryStatus = this.registry.status;
    this.reregisterGraceMs = options.reregisterGraceMs ?? 10_000;
  }

  /** Subscribes, then loads the first snapshot; resolves even if Redis is down (retrying then). */
  async start(): Promise<void> {
    if (this.unsubscribe || this.closed) return;
    // Subscribe first: events that arrive while the snapshot loads are replayed on top of it.
    this.unsubscribe = this.bus.subscribe((event) => this.handleEvent(event));
    this.bus.on('status', this.onBusStatus);
    this.registry.on('status', this.onRegistryStatus);
    this.periodicTimer = setInterval(() => void this.resync(), this.resyncIntervalMs);
    this.periodicTimer.unref();
    await this.resync();
  }

  /** In memory, no I/O: gateways with upstreams for the endpoint (active, with a relay address). */
  routes(endpointId: string): ReadonlyArray<Route> {
    return this.state.routes(endpointId);
  }

  /** The nodes the table knows (registry snapshot plus events since), in no order. */
  nodes(): Iterable<NodeInfo> {
    return this.state.nodeList();
  }

  stats(): RoutingTableStats {
    return { ...this.state.counts(), ...this.counters };
  }

  /** Loads a full snapshot now (coalesced with one in flight); false if the registry failed. */
  resync(): Promise<boolean> {
    if (this.resyncInFlight) {
      // The snapshot in flight may predate what prompted this call: read once more after it.
      this.resyncAgain = true;
      return this.resyncInFlight;
    }
    this.resyncInFlight = this.runResync().finally(() => {
      this.resyncInFlight = undefined;
      if (this.resyncAgain && !this.closed) {
        this.resyncAgain = false;
        void this.resync();
      }
    });
    return this.resyncInFlight;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    this.bus.off('status', this.onBusStatus);
    this.registry.off('status', this.onRegistryStatus);
    clearInterval(this.periodicTimer);
    clearTimeout(this.retryTimer);
    await this.resyncInFlight;
  }

  private async runResync(): Promise<boolean> {
    this.replay = [];
    try {
      const snapshot = await this.registry.snapshot();
      if (this.closed) return false;
      this.state.load(snapshot, Date.now() < this.keepAbsentUntil);
      for (const event of this.replay) this.state.apply(event);
      // Sequence baselines only for nodes the registry lists: events naming made-up node IDs
      // (a flood on an open bus) must not grow this map for ever.
      for (const nodeId of this.lastSeq.keys()) if (!this.state.knows(nodeId)) this.lastSeq.delete(nodeId);
      this.counters.resyncsTotal++;
      this.counters.lastResyncAt = Date.now();
      clearTimeout(this.retryTimer);
      this.emit('update');
      return true;
    } catch (err) {
      this.counters.resyncFailuresTotal++;
      this.logger.warn('routing table resync failed; serving the cached table', { err: (err as Error).message });
      this.scheduleRetry();
      return false;
    } finally {
      this.replay = undefined;
    }
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.resync(), this.retryIntervalMs);
    this.retryTimer.unref();
  }

  private handleEvent(event: ClusterEvent): void {
    if (this.closed) return;
    this.counters.eventsTotal++;
    const last = this.lastSeq.get(event.nodeId);
    // Without a baseline only seq 1 proves nothing was missed (the node's first event).
    const gap = last === undefined ? event.seq !== 1 : event.seq !== last + 1;
    if (event.type === 'node' && event.kind === 'leave') this.lastSeq.delete(event.nodeId);
    else if (last !== undefined || this.lastSeq.size < MAX_SEQ_BASELINES) this.lastSeq.set(event.nodeId, event.seq);
    if (this.replay && this.replay.length < MAX_REPLAY_EVENTS) this.replay.push(event);
    else if (this.replay) this.resyncAgain = true;
    const known = this.state.apply(event);
    this.emit('update');
    if (gap) {
      this.counters.seqGapsTotal++;
      this.logger.debug('seq gap; resyncing', { nodeId: event.nodeId, expected: last === undefined ? 1 : last + 1, got: event.seq });
    }
    if (gap || !known) void this.resync();
  }

  /**
   * A registry that comes back may have restarted empty; its nodes re-register within a heartbeat
   * or so. Until they have, a snapshot missing a node says nothing about that node, so for a grace
   * period resyncs add what they find and drop nothing (events still apply, leaves included).
   */
  private handleRegistryStatus(status: ConnectionStatus): void {
    const was = this.registryStatus;
    this.registryStatus = status;
    if (status === 'connected' && was !== 'connected') this.keepAbsentUntil = Date.now() + this.reregisterGraceMs;
  }

  private handleBusStatus(status: ConnectionStatus): void {
    const was = this.busStatus;
    this.busStatus = status;
    // Events published while we were away are gone for good: catch up from the registry.
    if (status === 'connected' && was !== 'connected') void this.resync();
  }
}
