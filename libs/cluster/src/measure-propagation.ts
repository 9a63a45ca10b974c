import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ClusterBus } from './cluster-bus';
import type { EndpointRegistry } from './endpoint-registry';
import { EndpointCountMap } from './endpoint-count-map';
import { NatsClusterBus } from './nats-cluster-bus';
import { NodeRegistration } from './node-registration';
import { percentile } from './percentile';
import { RedisEndpointRegistry } from './redis-endpoint-registry';
import { RoutingTable } from './routing-table';

export interface PropagationOptions {
  /** Called once for the gateway and once per reader; each call must return a new client. */
  createRegistry(): EndpointRegistry;
  createBus(): ClusterBus;
  /** Registrations to time (default 200). */
  samples?: number;
  /** Routing tables that must all see each registration (default 2, like two proxies). */
  readers?: number;
  /** Give up on one sample after this long (default 5000 ms); counted in `timeouts`. */
  sampleTimeoutMs?: number;
}

export interface PropagationResult {
  samples: number;
  timeouts: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Times a registration from the gateway's count change (NodeRegistration) until every reader's
 * RoutingTable.routes() shows it: the delay a proxy needs before it can route to a new upstream.
 */
export async function measurePropagation(options: PropagationOptions): Promise<PropagationResult> {
  const samples = options.samples ?? 200;
  const sampleTimeoutMs = options.sampleTimeoutMs ?? 5_000;
  const nodeId = `bench-gw-${randomBytes(4).toString('hex')}`;
  const source = new EndpointCountMap();
  const gatewayRegistry = options.createRegistry();
  const gatewayBus = options.createBus();
  const readers = Array.from({ length: options.readers ?? 2 }, () => ({ registry: options.createRegistry(), bus: options.createBus() }));
  const tables = readers.map((r) => new RoutingTable({ registry: r.registry, bus: r.bus, resyncIntervalMs: 60_000 }));
  const registration = new NodeRegistration({
    registry: gatewayRegistry,
    bus: gatewayBus,
    source,
    node: { id: nodeId, role: 'gateway', state: 'active', relayAddr: '127.0.0.1:9', startedAt: Date.now() },
  });
  const durations: number[] = [];
  let timeouts = 0;
  try {
    await Promise.all([gatewayBus, ...readers.map((r) => r.bus)].map(waitConnected));
    await Promise.all(tables.map((t) => t.start()));
    await registration.start();
    for (let i = 0; i < samples; i++) {
      const endpointId = `${nodeId}-ep-${i}`;
      const visible = Promise.all(tables.map((t) => waitForRoute(t, endpointId, sampleTimeoutMs)));
      const started = performance.now();
      source.set(endpointId, 1);
      if ((await visible).every(Boolean)) durations.push(performance.now() - started);
      else timeouts++;
      source.set(endpointId, 0);
    }
  } finally {
    await registration.close();
    await Promise.all(tables.map((t) => t.close()));
    for (const client of [gatewayRegistry, gatewayBus, ...readers.flatMap((r) => [r.registry, r.bus])]) await client.close();
  }
  return { samples: durations.length, timeouts, p50Ms: percentile(durations, 50), p99Ms: percentile(durations, 99), maxMs: percentile(durations, 100) };
}

/** measurePropagation against a real Redis and NATS (the benchmark's entry point). */
export function measureRedisNatsPropagation(options: { redisUrl: string; natsServers: string | string[]; samples?: number; readers?: number }): Promise<PropagationResult> {
  // A private key prefix and subject prefix: the measurement never touches a live cluster's data.
  const run = randomBytes(4).toString('hex');
  return measurePropagation({
    samples: options.samples,
    readers: options.readers,
    createRegistry: () => new RedisEndpointRegistry({ url: options.redisUrl, keyPrefix: `piko-bench-${run}` }),
    createBus: () => new NatsClusterBus({ servers: options.natsServers, subjectPrefix: `piko.bench.${run}` }),
  });
}

function waitConnected(bus: ClusterBus): Promise<void> {
  if (bus.status === 'connected') return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (status: string): void => {
      if (status !== 'connected') return;
      bus.off('status', listener);
      resolve();
    };
    bus.on('status', listener);
  });
}

function waitForRoute(table: RoutingTable, endpointId: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      table.off('update', check);
      resolve(ok);
    };
    const check = (): void => {
      if (table.routes(endpointId).length > 0) done(true);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    table.on('update', check);
  });
}
