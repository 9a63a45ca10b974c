// The registry and routing table at a size no test machine can hold as real sessions: `nodes`
// gateways × `perNode` endpoints written straight into Redis through RedisEndpointRegistry (the
// gateway's own code), then read back by RoutingTable (the proxy's). Measures Redis used_memory
// per endpoint entry, the time of one full snapshot (what every proxy does on a seq gap, after the
// bus reconnects and every cluster.resync_interval), its reply size, and the proxy's heap per
// endpoint once the table holds them all. Run with --expose-gc for the heap figure.
// Usage: node --expose-gc registry-scale.mjs <cluster index.js> <redisUrl> <nodes> <perNode>
// stdout: one JSON line.
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { loadClusterLib } from './lib/cluster-lib.mjs';

const [clusterIndex, redisUrl, nodesArg, perNodeArg] = process.argv.slice(2);
const { RedisEndpointRegistry, InMemoryClusterBus, RoutingTable } = loadClusterLib(clusterIndex);
const nodes = Number(nodesArg);
const perNode = Number(perNodeArg);
const port = new URL(redisUrl).port;
const info = (section, field) => Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(execFileSync('redis-cli', ['-p', port, 'info', section], { encoding: 'utf8' }))[1]);
const heap = () => {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};

const prefix = `regscale-${Math.random().toString(16).slice(2, 8)}`;
// A long command timeout: the point is to time the snapshot, not to fail at the 2 s default (which the
// result is compared with).
const COMMAND_TIMEOUT_MS = 120_000;
const writer = new RedisEndpointRegistry({ url: redisUrl, keyPrefix: prefix, leaseTtlMs: 600_000, commandTimeoutMs: COMMAND_TIMEOUT_MS });
const usedBefore = info('memory', 'used_memory');
const writeStarted = performance.now();
for (let n = 0; n < nodes; n++) {
  const counts = new Map();
  // Endpoint IDs as a user might choose them (~20 bytes), each on one gateway.
  for (let e = 0; e < perNode; e++) counts.set(`svc-${n}-${e}-${(e * 2654435761) % 1e6}`, 1);
  await writer.registerNode({ id: `gateway-${n}-${prefix}`, role: 'gateway', state: 'active', relayAddr: `10.0.${n >> 8}.${n & 255}:8003`, startedAt: Date.now() }, counts);
}
const writeMs = performance.now() - writeStarted;
const usedAfter = info('memory', 'used_memory');
const netBefore = info('stats', 'total_net_output_bytes');

const reader = new RedisEndpointRegistry({ url: redisUrl, keyPrefix: prefix, commandTimeoutMs: COMMAND_TIMEOUT_MS });
// The longest the event loop stalled while the table loaded and resynced (RoutingState.load is synchronous).
const { monitorEventLoopDelay } = await import('node:perf_hooks');
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const bus = new InMemoryClusterBus();
const heapBefore = heap();
const table = new RoutingTable({ registry: reader, bus, resyncIntervalMs: 3_600_000 });
const loadStarted = performance.now();
await table.start();
const firstLoadMs = performance.now() - loadStarted;
const netAfter = info('stats', 'total_net_output_bytes');
const heapAfter = heap();
const resyncs = [];
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  await table.resync();
  resyncs.push(performance.now() - t);
}
loopDelay.disable();
const stats = table.stats();
const total = nodes * perNode;
process.stdout.write(
  `${JSON.stringify({
    nodes,
    perNode,
    endpoints: total,
    tableEntries: stats.entries,
    redisBytesPerEndpoint: (usedAfter - usedBefore) / total,
    redisUsedBytes: usedAfter - usedBefore,
    writeMs,
    snapshotReplyBytes: netAfter - netBefore,
    firstLoadMs,
    resyncMs: resyncs,
    proxyHeapBytesPerEndpoint: (heapAfter - heapBefore) / total,
    proxyHeapBytes: heapAfter - heapBefore,
    maxEventLoopStallMs: loopDelay.max / 1e6,
  })}\n`,
);
// The Redis is the caller's throwaway one: its entries are left for it to drop.
process.exit(0);
