import type { ConnectionOptions } from 'node:tls';
import { EventEmitter } from 'node:events';
import type { ChainableCommander } from 'ioredis';
import type { ConnectionStatus } from './connection-status';
import type { EndpointRegistry } from './endpoint-registry';
import { ClusterClosedError, ClusterError, RegistryUnavailableError } from './errors';
import { describeClientError, redactUrl } from './redact-url';
import { type Logger, noopLogger } from '@piko/observability';
import type { NodeInfo, NodeState, RegistrySnapshot } from './node-info';
import { nodeInfoFromHash, nodeInfoToHash } from './node-info-codec';
import { createRedisClient, type RedisClient } from './redis-client';
import { RedisKeys } from './redis-keys';

export interface RedisEndpointRegistryOptions {
  /** A Redis URL (single, `redis+sentinel://`, `redis+cluster://`: see createRedisClient), or a client (the registry owns and closes it). */
  url?: string;
  /** TLS for the `url`'s connections (see RedisClientOptions.tls). */
  tls?: ConnectionOptions;
  client?: RedisClient;
  /** Hash-tag prefix of every key (default `piko` → `{piko}:…`). */
  keyPrefix?: string;
  /** Lease TTL (default 10 000 ms); heartbeat well inside it (a third is usual). */
  leaseTtlMs?: number;
  commandTimeoutMs?: number;
  logger?: Logger;
}

// Only touches the node's hash if its lease is still live, so an expired node is not revived
// with a TTL-less hash.
const SET_STATE_IF_LIVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1])
return 1`;

// Checks the lease and deletes in one step, so a sweeper racing a node that re-registers at
// that moment cannot delete the fresh entries. Returns 1 only to the sweeper that removed the
// node from the set, so concurrent sweepers count each node once.
const SWEEP_IF_DEAD = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
return redis.call('SREM', KEYS[3], ARGV[1])`;

type ExecResult = [Error | null, unknown][] | null;

/** EndpointRegistry on Redis; key layout in redis-keys.ts and libs/cluster/README.md. */
export class RedisEndpointRegistry extends EventEmitter implements EndpointRegistry {
  private readonly client: RedisClient;
  private readonly keys: RedisKeys;
  private readonly leaseTtlMs: number;
  private readonly logger: Logger;
  /** Nodes the last snapshot left out for an error reply (each is logged when it first appears). */
  private unreadableNodes = new Set<string>();
  private currentStatus: ConnectionStatus;
  private lastError: string | undefined;
  private closed = false;
  /** The URL as logs and errors show it: password redacted. */
  private readonly displayUrl: string;

  constructor(options: RedisEndpointRegistryOptions) {
    super();
    if (!options.client && !options.url) throw new ClusterError('RedisEndpointRegistry needs a url or a client', 'ERR_CONFIG');
    this.client = options.client ?? createRedisClient({ url: options.url as string, tls: options.tls, commandTimeoutMs: options.commandTimeoutMs });
    this.keys = new RedisKeys(options.keyPrefix);
    this.leaseTtlMs = options.leaseTtlMs ?? 10_000;
    this.logger = (options.logger ?? noopLogger).child({ component: 'redis-registry' });
    this.displayUrl = options.url ? redactUrl(options.url) : 'redis';
    this.currentStatus = this.mapStatus();
    for (const event of ['ready', 'connect', 'close', 'reconnecting', 'end']) this.client.on(event, () => this.updateStatus());
    this.client.on('error', (err: Error) => {
      // ioredis repeats the error on every reconnect attempt: a new cause is logged (with the URL,
      // so an operator sees which Redis and why), its repeats only at debug level.
      const cause = describeClientError(err);
      const repeat = cause === this.lastError;
      this.lastError = cause;
      if (repeat) this.logger.debug('redis client error', { url: this.displayUrl, err: cause });
      else this.logger.warn('cannot reach redis; retrying', { url: this.displayUrl, err: cause });
    });
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  async registerNode(node: NodeInfo, endpoints?: ReadonlyMap<string, number>): Promise<void> {
    this.assertOpen();
    return this.run(async () => {
      const key = this.keys.node(node.id);
      const multi = this.client.multi().del(key).hset(key, nodeInfoToHash(node)).pexpire(key, this.leaseTtlMs).sadd(this.keys.nodes(), node.id);
      if (endpoints) this.queueReplaceEndpoints(multi, node.id, endpoints);
      await exec(await multi.exec());
    });
  }

  async refreshLease(nodeId: string): Promise<boolean> {
    this.assertOpen();
    return this.run(async () => (await this.client.pexpire(this.keys.node(nodeId), this.leaseTtlMs)) === 1);
  }

  async setNodeState(nodeId: string, state: NodeState): Promise<void> {
    this.assertOpen();
    return this.run(async () => {
      await this.client.eval(SET_STATE_IF_LIVE, 1, this.keys.node(nodeId), state);
    });
  }

  async setEndpointCount(nodeId: string, endpointId: string, count: number): Promise<void> {
    this.assertOpen();
    return this.run(async () => {
      const key = this.keys.endpoints(nodeId);
      if (count > 0) await this.client.hset(key, endpointId, String(count));
      else await this.client.hdel(key, endpointId);
    });
  }

  async setEndpointCounts(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    this.assertOpen();
    if (counts.size === 0) return;
    return this.run(async () => {
      const key = this.keys.endpoints(nodeId);
      const set: string[] = [];
      const deleted: string[] = [];
      for (const [endpointId, count] of counts) {
        if (count > 0) set.push(endpointId, String(count));
        else deleted.push(endpointId);
      }
      // One MULTI (HSET of every count > 0, HDEL of every 0): one write and one reply for the batch,
      // and a reader never sees half of it.
      const multi = this.client.multi();
      if (set.length > 0) multi.hset(key, ...set);
      if (deleted.length > 0) multi.hdel(key, ...deleted);
      await exec(await multi.exec());
    });
  }

  async replaceEndpoints(nodeId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    this.assertOpen();
    return this.run(async () => {
      await exec(await this.queueReplaceEndpoints(this.client.multi(), nodeId, counts).exec());
    });
  }

  /** Queues, on `multi`, the deletion of the node's endpoint entries and the writing of `counts` (> 0 only). */
  private queueReplaceEndpoints(multi: ChainableCommander, nodeId: string, counts: ReadonlyMap<string, number>): ChainableCommander {
    const key = this.keys.endpoints(nodeId);
    const fields: Record<string, string> = {};
    for (const [endpointId, count] of counts) if (count > 0) fields[endpointId] = String(count);
    multi.del(key);
    if (Object.keys(fields).length > 0) multi.hset(key, fields);
    return multi;
  }

  async removeNode(nodeId: string): Promise<void> {
    this.assertOpen();
    return this.run(async () => {
      await exec(
        await this.client.multi().del(this.keys.node(nodeId)).del(this.keys.endpoints(nodeId)).srem(this.keys.nodes(), nodeId).exec(),
      );
    });
  }

  async snapshot(): Promise<RegistrySnapshot> {
    this.assertOpen();
    return this.run(async () => {
      const nodeIds = await this.client.smembers(this.keys.nodes());
      const snapshot: RegistrySnapshot = { nodes: new Map(), endpoints: new Map() };
      if (nodeIds.length === 0) return snapshot;
      const pipeline = this.client.pipeline();
      for (const nodeId of nodeIds) pipeline.hgetall(this.keys.node(nodeId)).hgetall(this.keys.endpoints(nodeId)).pttl(this.keys.node(nodeId));
      const results = perNodeResults(await pipeline.exec(), nodeIds.length);
      const now = Date.now();
      snapshot.heartbeats = new Map();
      const unreadable = new Set<string>();
      nodeIds.forEach((nodeId, i) => {
        // One node's keys of the wrong type (WRONGTYPE) must not hide every other node: it is left
        // out, as a node without a lease is, and said once (it made every proxy's reload fail).
        const replyError = results.errors[i];
        if (replyError) {
          unreadable.add(nodeId);
          if (!this.unreadableNodes.has(nodeId)) this.logger.warn('registry entry unreadable; node left out', { node: nodeId, err: replyError.message });
          return;
        }
        const node = nodeInfoFromHash(results.values[3 * i] as Record<string, string>);
        if (!node) return; // no live lease: its entries are ignored until swept
        snapshot.nodes.set(nodeId, node);
        const remainingMs = results.values[3 * i + 2] as number;
        // The lease was last set to leaseTtlMs; what has run down since is the time since that heartbeat.
        if (remainingMs >= 0) snapshot.heartbeats?.set(nodeId, now - Math.max(0, this.leaseTtlMs - remainingMs));
        for (const [endpointId, raw] of Object.entries(results.values[3 * i + 1] as Record<string, string>)) {
          const count = Number(raw);
          if (!Number.isInteger(count) || count <= 0) continue;
          let owners = snapshot.endpoints.get(endpointId);
          if (!owners) snapshot.endpoints.set(endpointId, (owners = new Map()));
          owners.set(nodeId, count);
        }
      });
      this.unreadableNodes = unreadable;
      return snapshot;
    });
  }

  async sweep(): Promise<number> {
    this.assertOpen();
    return this.run(async () => {
      const nodeIds = await this.client.smembers(this.keys.nodes());
      let swept = 0;
      for (const nodeId of nodeIds) {
        let result: unknown;
        try {
          result = await this.client.eval(SWEEP_IF_DEAD, 3, this.keys.node(nodeId), this.keys.endpoints(nodeId), this.keys.nodes(), nodeId);
        } catch (err) {
          // A key of the wrong type fails this node's script only: sweep the others.
          if (isReplyError(err)) continue;
          throw err;
        }
        if (result === 1) swept++;
      }
      return swept;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.client.status === 'ready') await this.client.quit();
      else this.client.disconnect();
    } catch (err) {
      this.logger.warn('redis quit failed; disconnecting', { err: (err as Error).message });
      this.client.disconnect();
    }
    this.setStatus('disconnected');
  }

  private updateStatus(): void {
    if (!this.closed) this.setStatus(this.mapStatus());
  }

  private mapStatus(): ConnectionStatus {
    switch (this.client.status) {
      case 'ready':
        return 'connected';
      case 'end':
        return 'disconnected';
      default:
        return 'reconnecting';
    }
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    if (status === 'connected') {
      // A later failure, even with the same cause, is news again.
      this.lastError = undefined;
      this.logger.info('redis connected', { url: this.displayUrl });
    }
    else if (status === 'reconnecting') this.logger.warn('redis connection lost; reconnecting', { url: this.displayUrl, err: this.lastError });
    else this.logger.info('redis disconnected');
    this.emit('status', status);
  }

  /**
   * Runs a command; a failure because Redis is away (the client's "max retries per request",
   * "Connection is closed", a command timeout) becomes a RegistryUnavailableError naming the URL
   * and the cause, instead of the client library's internals. Other errors (a script error, a
   * wrong type) pass through.
   */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      if (!(err instanceof Error) || err instanceof ClusterError) throw err;
      const away = this.client.status !== 'ready' || err.name === 'MaxRetriesPerRequestError' || /Command timed out|Connection is closed|Stream isn't writeable/i.test(err.message);
      if (!away) throw err;
      const cause = this.client.status === 'ready' || !this.lastError ? describeClientError(err).replace(/^Command timed out$/, 'command timed out') : this.lastError;
      throw new RegistryUnavailableError(`redis ${this.displayUrl}: ${cause}`, { cause: err });
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ClusterClosedError('registry');
  }
}

/** A Redis error reply (WRONGTYPE, a script error): about one command's keys, not the connection. */
function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

/**
 * A snapshot pipeline's replies, three a node: the values, and for each node the first
 * error reply among its commands. Any other error (the connection) is thrown, as exec() does:
 * a snapshot that left out every node would empty the routing tables.
 */
function perNodeResults(results: ExecResult, nodes: number): { values: unknown[]; errors: Array<Error | undefined> } {
  if (!results) throw new ClusterError('redis transaction aborted', 'ERR_REDIS_ABORTED');
  const errors: Array<Error | undefined> = new Array(nodes).fill(undefined);
  const values = results.map(([err, value], i) => {
    if (!err) return value;
    if (!isReplyError(err)) throw err;
    errors[Math.floor(i / 3)] ??= err;
    return undefined;
  });
  return { values, errors };
}

/** The results of a MULTI or pipeline, or the first error among them. */
function exec(results: ExecResult): unknown[] {
  if (!results) throw new ClusterError('redis transaction aborted', 'ERR_REDIS_ABORTED');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
