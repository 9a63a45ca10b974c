import { Cluster, Redis } from 'ioredis';

/** A single Redis, a Sentinel-managed Redis (both `Redis`) or a Redis Cluster client. */
export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** redis:// or rediss:// URL of a single Redis. */
  url: string;
  /** Per-command timeout, so a hung Redis cannot block a caller (default 2000 ms). */
  commandTimeoutMs?: number;
}

/**
 * A client tuned for a registry that must degrade, not block: it reconnects forever (backoff
 * capped at 1 s), and a command issued while Redis is away fails after one reconnect attempt
 * instead of queueing for minutes, so callers can log and retry on their own schedule.
 * For Sentinel or Cluster, build the ioredis client yourself with the same options.
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  return new Redis(options.url, {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    connectTimeout: 2_000,
    retryStrategy: (attempt: number) => Math.min(attempt * 50, 1_000),
  });
}

export { Cluster, Redis };
