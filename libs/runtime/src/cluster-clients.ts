import {
  type ClusterBus,
  type ConnectionStatus,
  type ConnectionStatusSource,
  type EndpointRegistry,
  InMemoryClusterBus,
  InMemoryEndpointRegistry,
  NatsClusterBus,
  RedisEndpointRegistry,
} from '@piko/cluster';
import { readFileSync } from 'node:fs';
import { clientTlsOptions, ConfigError, type ServerConfig } from '@piko/config';
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
 * cluster would route by stale data without saying so. Credentials: in the URLs (NATS user/pass
 * or token, Redis ACL user/password), `cluster.nats_nkey_file` or `cluster.nats_creds_file`, TLS from `cluster.nats_tls` /
 * `cluster.redis_tls`; files are read now and a bad one is a ConfigError naming its key.
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
  const natsTls = clientTlsOptions(config.cluster.natsTls, 'cluster.nats_tls');
  const redisTls = clientTlsOptions(config.cluster.redisTls, 'cluster.redis_tls');
  const nkeySeed = readCredentialFile(config.cluster.natsNkeyFile, 'cluster.nats_nkey_file');
  const creds = readCredentialFile(config.cluster.natsCredsFile, 'cluster.nats_creds_file');
  let nats: NatsClusterBus;
  try {
    nats = new NatsClusterBus({
      servers: natsUrl.split(',').map((s) => s.trim()),
      auth: { nkeySeed, creds, tls: natsTls },
      logger: logger.child({ subsystem: 'cluster.nats' }),
    });
  } catch (err) {
    // A credentials mismatch between URLs, two kinds of credentials, or a malformed seed or creds file.
    throw new ConfigError([(err as Error).message]);
  }
  const redis = new RedisEndpointRegistry({
    url: redisUrl,
    tls: redisTls,
    keyPrefix: registry.keyPrefix,
    leaseTtlMs: registry.leaseTtl,
    logger: logger.child({ subsystem: 'cluster.redis' }),
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

/** The text of a credentials file named by `key`, or undefined when unset; ConfigError naming the key if unreadable. */
function readCredentialFile(path: string, key: string): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
}

/**
 * Reports Redis and NATS in /ready's body and on /metrics, and gates readiness on them once: a
 * node is not ready (`/ready` 503, the check named `redis` or `nats` failing with detail
 * `not yet connected (<status>)`) until each has connected for the first time, since before that
 * a proxy has no routing table and a gateway cannot publish its upstreams, so it could not serve.
 * After the first connection the checks stop being critical: a proxy that can still route from its
 * table, or a gateway that still serves its upstreams, stays ready while either is down.
 */
export function reportClusterHealth(readiness: Readiness, metrics: Registry, clients: ClusterClients): void {
  if (!clients.distributed) return;
  const sources: Record<string, ConnectionStatusSource> = { redis: clients.registry, nats: clients.bus };
  for (const [name, source] of Object.entries(sources)) gateUntilFirstConnection(readiness, name, source);
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

/** Registers `name`'s check as critical until `source` first reports 'connected', then as informational. */
function gateUntilFirstConnection(readiness: Readiness, name: string, source: ConnectionStatusSource): void {
  const informational = () => readiness.setCheck(name, () => ({ ok: source.status === 'connected', detail: source.status }));
  if (source.status === 'connected') {
    informational();
    return;
  }
  readiness.setCheck(name, () => (source.status === 'connected' ? { ok: true, detail: 'connected' } : { ok: false, detail: `not yet connected (${source.status})` }), { critical: true });
  const onStatus = (status: ConnectionStatus) => {
    if (status !== 'connected') return;
    source.off('status', onStatus);
    informational();
  };
  source.on('status', onStatus);
}
