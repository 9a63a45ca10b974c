import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A single Redis, a Sentinel-managed Redis (both `Redis`) or a Redis Cluster client. */
export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /**
   * Where the registry lives, by scheme, with an optional ACL user and password
   * (`user:password@`, or `:password@` for the default user; percent-encode special characters):
   * - `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS) — a single Redis;
   * - `redis+sentinel://[user:password@]sentinel1:26379,sentinel2:26379/<master name>` — the master
   *   that Redis Sentinel names, followed across failovers (the credentials are the master's and
   *   replicas'; the sentinels themselves are reached without);
   * - `redis+cluster://[user:password@]node1:7000,node2:7001` — a Redis Cluster (every key of the
   *   registry shares one hash tag, so its multi-key operations stay in one slot).
   */
  url: string;
  /**
   * TLS (`cluster.redis_tls`: CAs, client certificate, server name). Used with `rediss://`, or
   * for any scheme when given (Sentinel and Cluster nodes have no TLS scheme of their own).
   */
  tls?: ConnectionOptions;
  /** Per-command timeout, so a hung Redis cannot block a caller (default 2000 ms). */
  commandTimeoutMs?: number;
}

/**
 * A client tuned for a registry that must degrade, not block: it reconnects forever (backoff
 * capped at 1 s), and a command issued while Redis is away fails after one reconnect attempt
 * instead of queueing for minutes, so callers can log and retry on their own schedule.
 */
export function createRedisClient(options: RedisClientOptions): RedisClient {
  const retryStrategy = (attempt: number) => Math.min(attempt * 50, 1_000);
  const common: RedisOptions = {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    connectTimeout: 2_000,
    // disconnect() waits this long for the socket to close before destroying it; with Redis gone
    // that socket never closes, and ioredis' 2 s default timer would hold a finished process open.
    disconnectTimeout: 200,
    retryStrategy,
  };
  if (options.tls || options.url.startsWith('rediss://')) common.tls = { ...options.tls };
  const multi = /^redis\+(sentinel|cluster):\/\/(?:([^@/]*)@)?([^/]+)(?:\/(.*))?$/.exec(options.url);
  if (!multi) return new Redis(options.url, common);
  const [, kind, auth, hostList, path] = multi;
  const colon = auth?.indexOf(':') ?? -1;
  const username = auth && colon > 0 ? decodeURIComponent(auth.slice(0, colon)) : undefined;
  const password = auth ? decodeURIComponent(auth.slice(colon + 1)) || undefined : undefined;
  const hosts = hostList.split(',').map((entry) => {
    const colon = entry.lastIndexOf(':');
    return { host: entry.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(entry.slice(colon + 1)) };
  });
  if (kind === 'sentinel') {
    if (!path) throw new TypeError(`redis+sentinel URL needs the master name as its path: ${options.url}`);
    return new Redis({ ...common, sentinels: hosts, name: decodeURIComponent(path), username, password, sentinelRetryStrategy: retryStrategy });
  }
  return new Cluster(hosts, {
    redisOptions: { ...common, username, password },
    clusterRetryStrategy: retryStrategy,
    enableReadyCheck: true,
  });
}

export { Cluster, Redis };
