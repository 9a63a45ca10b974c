import {
  type ClusterBus,
  type EndpointRegistry,
  InMemoryClusterBus,
  InMemoryEndpointRegistry,
  NatsClusterBus,
  RedisEndpointRegistry,
} from '@piko/cluster';
import { ConfigError, type ServerConfig } from '@piko/config';
import type { Logger, Readiness } from '@piko/observability';
import { Gauge, type Registry } from 'prom-client';

export interface ClusterClients {
  registry: EndpointRegistry;
  bus: ClusterBus;
  /** True with Redis and NATS; false for the in-memory twins of one process. */
  distributed: boolean;
  close(): Promise<void>;
}

/**
 * The registry (Redis) and bus (NATS) named by `cluster.redis_url` / `cluster.nats_url`, or their
 * in-memory twins when neither is set (one process). Setting only one is a config error: half a
 * cluster would route by stale data without saying so.
 */
export function createClusterClients(config: ServerConfig, logger: Logger, requireDistributed: boolean): ClusterClients {
  const { natsUrl, redisUrl, registry } = config.cluster;
  if (!natsUrl && !redisUrl) {
    if (requireDistributed) {
      throw new ConfigError(['cluster.redis_url and cluster.nats_url are required for this role (--cluster.redis-url, --cluster.nats-url)']);
    }
    return {
      registry: new InMemoryEndpointRegistry({ leaseTtlMs: registry.leaseTtl }),
      bus: new InMemoryClusterBus(logger),
      distributed: false,
      close: async () => undefined,
    };
  }
  if (!natsUrl || !redisUrl) {
    throw new ConfigError([`cluster.${natsUrl ? 'redis_url' : 'nats_url'} is required when cluster.${natsUrl ? 'nats_url' : 'redis_url'} is set`]);
  }
  const redis = new RedisEndpointRegistry({
    url: redisUrl,
    keyPrefix: registry.keyPrefix,
    leaseTtlMs: registry.leaseTtl,
    logger: logger.child({ subsystem: 'cluster.redis' }),
  });
  const nats = new NatsClusterBus({
    servers: natsUrl.split(',').map((s) => s.trim()),
    logger: logger.child({ subsystem: 'cluster.nats' }),
  });
  return {
    registry: redis,
    bus: nats,
    distributed: true,
    async close() {
      await Promise.allSettled([nats.close(), redis.close()]);
    },
  };
}

/**
 * Reports Redis and NATS in /ready's body and on /metrics. Not critical: a proxy that can still
 * route from its table, or a gateway that still serves its upstreams, stays ready while either is down.
 */
export function reportClusterHealth(readiness: Readiness, metrics: Registry, clients: ClusterClients): void {
  if (!clients.distributed) return;
  const sources = { redis: clients.registry, nats: clients.bus };
  for (const [name, source] of Object.entries(sources)) {
    readiness.setCheck(name, () => ({ ok: source.status === 'connected', detail: source.status }));
  }
  new Gauge({
    name: 'piko_cluster_connected',
    help: 'Whether the connection to the cluster registry (redis) or bus (nats) is up (1) or not (0).',
    labelNames: ['client'],
    registers: [metrics],
    collect() {
      for (const [name, source] of Object.entries(sources)) this.set({ client: name }, source.status === 'connected' ? 1 : 0);
    },
  });
}
