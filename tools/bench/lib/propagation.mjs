// How fast a registration reaches every proxy, two ways:
//  1. library: libs/cluster's measureRedisNatsPropagation against the cluster's Redis and NATS (its
//     own key and subject prefixes): a gateway's registry + bus update until every reader's
//     RoutingTable shows it. This is the figure the issue's target (p99 <= 50 ms) is about.
//  2. end to end: a new `piko agent http` for a new endpoint is started, and every proxy is polled
//     until it answers 200 for it. Includes node's start-up and the agent's connect, so it is
//     far above (1); it shows what a user waits for, not what the cluster adds.
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import { ENDPOINT_HEADER, startPikoAgent } from './piko.mjs';
import { startPikoCluster } from './cluster.mjs';
import { log, sleep } from './processes.mjs';

const PROPAGATION_CLIENT = join(dirname(fileURLToPath(import.meta.url)), '..', 'propagation-client.mjs');
const POLL_INTERVAL_MS = 5;

export class ClusterLibMissingError extends Error {
  constructor(file) {
    super(`cluster library build missing: ${file} does not exist (run \`npm run build\`)`);
    this.name = 'ClusterLibMissingError';
    this.code = 'CLUSTER_LIB_MISSING';
  }
}

function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function runLibraryMeasurement({ registry, root, redisUrl, natsUrl, samples, readers }) {
  const clusterIndex = join(root, 'dist/out-tsc/libs/cluster/src/index.js');
  if (!existsSync(clusterIndex)) throw new ClusterLibMissingError(clusterIndex);
  let result = null;
  const args = [PROPAGATION_CLIENT, clusterIndex, redisUrl, natsUrl, String(samples), String(readers)];
  log(`propagation: node propagation-client.mjs ... ${samples} samples, ${readers} readers`);
  const client = registry.spawn('propagation-client', process.execPath, args, {
    onStdoutLine: (line) => {
      result = JSON.parse(line);
    },
  });
  const timer = setTimeout(() => {
    log('propagation: no result after 120 s; stopping the client');
    registry.stop(client);
  }, 120000);
  const exit = await client.exited;
  await client.stdoutDone;
  clearTimeout(timer);
  if (exit.code !== 0 || !result) throw new Error(`propagation-client failed (exit ${exit.code}, signal ${exit.signal}): ${client.stderrTail.trim()}`);
  return result;
}

/** Polls `GET /small` on a proxy for `endpoint` until it answers 200; resolves the time (performance.now()). */
function pollUntilOk(proxyPort, endpoint, agent, isCancelled) {
  const once = () =>
    new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: proxyPort, path: '/small', agent, headers: { [ENDPOINT_HEADER]: endpoint }, timeout: 2000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
        res.on('error', () => resolve(null));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      // A refused or reset poll is just "not yet": the next poll asks again.
      req.on('error', () => resolve(null));
    });
  return (async () => {
    while (!isCancelled()) {
      if ((await once()) === 200) return performance.now();
      await sleep(POLL_INTERVAL_MS);
    }
    return null;
  })();
}

async function runEndToEnd({ registry, root, nodeOptions, cluster, upstreamPort, samples, timeoutMs = 20000 }) {
  const [gateway] = cluster.gateways;
  const run = Math.random().toString(16).slice(2, 8);
  const out = [];
  const agents = cluster.proxies.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    for (let i = 0; i < samples; i++) {
      const endpoint = `prop-${run}-${i}`;
      let cancelled = false;
      const started = performance.now();
      const agent = await startPikoAgent({ registry, root, nodeOptions, endpoint, target: upstreamPort, connectUrl: gateway.connectUrl, name: `piko-agent-${endpoint}` });
      const polls = cluster.proxies.map((p, j) => pollUntilOk(p.proxyPort, endpoint, agents[j], () => cancelled));
      const timer = setTimeout(() => {
        cancelled = true;
      }, timeoutMs);
      try {
        const seen = await Promise.race([Promise.all(polls), registry.failOnExit(agent), cluster.failed()]);
        const perProxyMs = seen.map((t) => (t === null ? null : t - started));
        const all = perProxyMs.every((t) => t !== null);
        out.push({ endpoint, perProxyMs, everyProxyMs: all ? Math.max(...perProxyMs) : null });
        log(`propagation: ${endpoint} ${all ? `at every proxy after ${Math.max(...perProxyMs).toFixed(1)} ms` : `not at every proxy within ${timeoutMs} ms`}`);
      } finally {
        cancelled = true;
        clearTimeout(timer);
        await registry.stop(agent);
      }
    }
  } finally {
    for (const a of agents) a.destroy();
  }
  const ok = out.map((s) => s.everyProxyMs).filter((t) => t !== null);
  return { samples: out, timeouts: out.length - ok.length, p50Ms: percentile(ok, 50), p99Ms: percentile(ok, 99), maxMs: ok.length ? Math.max(...ok) : null };
}

/**
 * Starts Redis + NATS + 1 gateway + `proxies` proxies, then runs both measurements.
 * Returns { library: {samples, timeouts, p50Ms, p99Ms, maxMs, readers}, endToEnd: {...} | {error} }.
 */
export async function runPropagation({ registry, root, nodeOptions, upstreamPort, samples, readers = 2, e2eSamples, proxies = 2 }) {
  const cluster = await startPikoCluster({ registry, root, nodeOptions, gateways: 1, proxies, prefix: 'propagation' });
  try {
    const library = { readers, ...(await runLibraryMeasurement({ registry, root, redisUrl: cluster.redis.url, natsUrl: cluster.nats.url, samples, readers })) };
    log(`propagation: library p50 ${library.p50Ms?.toFixed(2)} ms, p99 ${library.p99Ms?.toFixed(2)} ms (${library.samples} samples, ${library.timeouts} timeouts)`);
    let endToEnd = null;
    if (e2eSamples > 0) {
      try {
        endToEnd = { proxies, pollIntervalMs: POLL_INTERVAL_MS, ...(await runEndToEnd({ registry, root, nodeOptions, cluster, upstreamPort, samples: e2eSamples })) };
      } catch (err) {
        log(`propagation: end to end failed: ${err.message}`);
        endToEnd = { error: err.message.split('\n')[0], errorDetail: err.message };
      }
    }
    return { library, endToEnd, problems: endToEnd?.error ? [`end to end: ${endToEnd.error}`] : [] };
  } finally {
    await cluster.stop();
  }
}
