// `npm run soak`: the soak (issue 8, "Proven"). A cluster as an operator runs it (2 proxies,
// 2 gateways, redis-server, nats-server, 4 agents: on each gateway one that stays and one that is
// restarted periodically), its capacity measured with wrk, then GET requests at half that capacity
// for --duration while agents reconnect and gateway 2 is restarted midway. RSS of every process is
// sampled throughout. Prints a report: growth of each process's RSS after warm-up (target < 5 %),
// failed requests, and how many of them the restart's in-flight set explains (requests already in
// flight when the gateway was signalled). Not part of `npm test`; never fails on a figure (exit 0
// when the run completed, 1 when it could not run). See tools/soak/README.md.
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ProcessRegistry, freePort, log, sleep } from '../bench/lib/processes.mjs';
import { startPikoAgent } from '../bench/lib/piko.mjs';
import { startPikoGateway, startPikoProxy, waitForUpstreams } from '../bench/lib/cluster.mjs';
import { startNats, startRedis } from '../bench/lib/services.mjs';
import { assertWrkInstalled, runWrk, wrkCommand } from '../bench/lib/wrk.mjs';
import { LoadGenerator } from './load-generator.mjs';
import { RssSeries } from './rss-series.mjs';
import { parseOptions, formatMs } from './options.mjs';
import { renderReport } from './report.mjs';
import { probe } from './heap-probe.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const UPSTREAM_SERVER = join(ROOT, 'tools/bench/upstream-server.mjs');
const ENDPOINT = 'soak';
const HEADERS = { 'x-piko-endpoint': ENDPOINT };
// Graceful stops: an agent finishes its in-flight requests, a gateway its drain.
const AGENT_STOP_GRACE_MS = 20_000;
const GATEWAY_STOP_GRACE_MS = 60_000;

async function startUpstream(registry) {
  let resolvePort;
  const port = new Promise((resolve) => (resolvePort = resolve));
  const handle = registry.spawn('upstream', process.execPath, [UPSTREAM_SERVER, '0'], { onStdoutLine: (line) => resolvePort(JSON.parse(line).port) });
  return { handle, port: await Promise.race([port, registry.failOnExit(handle)]) };
}

/** Capacity: wrk against both proxies at once for `durationText`; the sum of their rates. */
async function measureCapacity(registry, proxies, durationText, connections) {
  const runs = proxies.map((p) => ({ registry, url: `http://127.0.0.1:${p.proxyPort}/small`, connections, duration: durationText, headers: HEADERS }));
  for (const r of runs) log(`soak: capacity: ${wrkCommand(r)}`);
  const results = await Promise.all(runs.map((r) => runWrk(r)));
  const errors = results.reduce((n, r) => n + Object.values(r.errors).reduce((a, b) => a + b, 0), 0);
  return { requestsPerSec: results.reduce((sum, r) => sum + r.requestsPerSec, 0), errors, commands: results.map((r) => r.command), p99Ms: Math.max(...results.map((r) => r.latencyMs.p99)) };
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  assertWrkInstalled();
  const registry = new ProcessRegistry();
  const events = []; // { t, what }
  const note = (what) => {
    events.push({ t: Date.now(), what });
    log(`soak: ${what}`);
  };
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    log('soak: interrupted; stopping everything');
    void registry.stopAll().then(() => process.exit(130));
  });

  // A process that dies unasked is reported (and the run goes on: the report says what it saw).
  const crashes = [];
  const watch = (handle) => registry.failOnExit(handle).catch((err) => {
    // The whole message: it ends with the tail of the process's stderr, the why.
    crashes.push(err.message);
    note(`CRASH: ${err.message.split('\n')[0]}`);
  });

  const upstream = await startUpstream(registry);
  const redis = await startRedis({ registry, name: 'redis-server' });
  const nats = await startNats({ registry, name: 'nats-server' });
  const common = { registry, root: ROOT, redisUrl: redis.url, natsUrl: nats.url };
  // --heap: every piko process gets an inspector on a free loopback port (name -> port; a restarted
  // process gets a new one), through which heap probes force a GC and read its live memory.
  const inspectPorts = new Map();
  const inspect = async (name) => {
    if (!opts.heap) return {};
    const port = await freePort();
    inspectPorts.set(name, port);
    return { nodeOptions: `--inspect=127.0.0.1:${port}` };
  };
  // A restarted gateway keeps its ports (its agents dial them again) and drains: shutdown_delay
  // keeps it accepting while /ready is 503, then its agents get go-away and reconnect, and
  // grace_period bounds the wait for in-flight streams.
  const gatewayArgs = ['--shutdown-delay', '2s', '--grace-period', '30s'];
  const gateways = [];
  for (const name of ['gateway-1', 'gateway-2']) gateways.push(await startPikoGateway({ ...common, ...(await inspect(name)), name, extraArgs: gatewayArgs }));
  const proxies = [];
  for (const name of ['proxy-1', 'proxy-2']) proxies.push(await startPikoProxy({ ...common, ...(await inspect(name)), name }));
  const rss = new RssSeries(opts.sampleEveryMs);
  for (const [name, handle] of [['upstream', upstream.handle], ['redis-server', redis.handle], ['nats-server', nats.handle]]) rss.track(name, handle.pid);
  for (const node of [...gateways, ...proxies]) rss.track(node.name, node.handle.pid);
  for (const handle of [upstream.handle, redis.handle, nats.handle, ...gateways.map((g) => g.handle), ...proxies.map((p) => p.handle)]) void watch(handle);

  const agents = []; // { name, gateway index, handle, rotating }
  async function startAgent(name, gwIndex, rotating) {
    const handle = await startPikoAgent({ registry, root: ROOT, ...(rotating ? {} : await inspect(name)), target: upstream.port, connectUrl: gateways[gwIndex].connectUrl, endpoint: ENDPOINT, name });
    void watch(handle);
    const agent = { name, gwIndex, handle, rotating };
    agents.push(agent);
    return agent;
  }
  for (let g = 0; g < 2; g++) {
    const stable = await startAgent(`agent-${g + 1}-stable`, g, false);
    rss.track(stable.name, stable.handle.pid);
    await startAgent(`agent-${g + 1}-rotating`, g, true);
  }
  for (const gw of gateways) await waitForUpstreams(gw, 2, 30_000);
  rss.start();

  const capacity = await measureCapacity(registry, proxies, opts.capacityDurationText, opts.capacityConnections);
  const rate = opts.rate ?? Math.max(1, Math.round(capacity.requestsPerSec / 2));
  note(`capacity ${capacity.requestsPerSec.toFixed(0)} req/s (wrk, both proxies at once); soaking at ${rate} req/s for ${formatMs(opts.durationMs)}`);

  const load = new LoadGenerator({ targets: proxies.map((p) => ({ port: p.proxyPort })), headers: HEADERS, rate }).start();
  const t0 = Date.now();
  const deadline = t0 + opts.durationMs;
  let gatewayRestart = null; // { signalledAt, readyAt, inFlight: Set, signal }
  let agentRestarts = 0;
  let busy = false; // one disruption at a time

  const progress = setInterval(() => {
    log(`soak: ${formatMs(Date.now() - t0)}: sent ${load.sent}, ok ${load.ok}, failed ${load.failures.length}, shed ${load.shed}, in flight ${load.inFlight}`);
  }, opts.progressEveryMs);

  async function restartAgent(agent) {
    note(`agent ${agent.name}: SIGTERM (reconnect ${++agentRestarts})`);
    await registry.stop(agent.handle, AGENT_STOP_GRACE_MS);
    // A replacement that dies or does not connect is reported and replaced again (3 tries):
    // the run goes on and the report says what happened.
    for (let attempt = 1; attempt <= 3; attempt++) {
      agent.handle = await startPikoAgent({ registry, root: ROOT, target: upstream.port, connectUrl: gateways[agent.gwIndex].connectUrl, endpoint: ENDPOINT, name: agent.name });
      void watch(agent.handle);
      try {
        await waitForUpstreams(gateways[agent.gwIndex], 2, 60_000);
        note(`agent ${agent.name}: reconnected`);
        return;
      } catch (err) {
        note(`agent ${agent.name}: replacement ${attempt} not connected: ${err.message}`);
        await registry.stop(agent.handle, AGENT_STOP_GRACE_MS);
      }
    }
  }

  async function restartGateway(index) {
    const gw = gateways[index];
    gatewayRestart = { signal: opts.restartSignal, inFlight: load.inFlightIds(), signalledAt: Date.now() };
    note(`gateway ${gw.name}: ${opts.restartSignal} (${gatewayRestart.inFlight.size} requests in flight)`);
    rss.untrack(gw.name);
    if (opts.restartSignal === 'SIGKILL') await registry.kill9(gw.handle);
    else await registry.stop(gw.handle, GATEWAY_STOP_GRACE_MS);
    gatewayRestart.exitedAt = Date.now();
    const ports = { upstreamPort: gw.upstreamPort, relayPort: gw.relayPort, opsPort: gw.opsPort };
    gateways[index] = await startPikoGateway({ ...common, ...(await inspect(gw.name)), name: gw.name, ports, extraArgs: gatewayArgs });
    rss.track(gw.name, gateways[index].handle.pid);
    void watch(gateways[index].handle);
    await waitForUpstreams(gateways[index], 2, 60_000);
    gatewayRestart.readyAt = Date.now();
    note(`gateway ${gw.name}: back, its agents reconnected (${formatMs(gatewayRestart.readyAt - gatewayRestart.signalledAt)} after the signal)`);
  }

  // --heap: live memory (after a forced GC) of every piko process at the end of warm-up, every
  // --heap-every during load, when the load stops and after the quiet phase (see heap-probe.mjs).
  const heapProbes = []; // { label, t, name, usage }
  async function probeHeaps(label) {
    for (const [name, port] of inspectPorts) {
      const snapshotPath = opts.heapSnapshotDir ? join(opts.heapSnapshotDir, `${name}-${label}.heapsnapshot`) : undefined;
      heapProbes.push({ label, t: Date.now(), name, usage: await probe(port, snapshotPath) });
    }
    note(`heap probe "${label}" of ${inspectPorts.size} processes`);
  }
  if (opts.heapSnapshotDir) mkdirSync(opts.heapSnapshotDir, { recursive: true });
  let nextHeapAt = opts.heap ? t0 + opts.warmupMs : Infinity;
  let heapProbeCount = 0;

  let nextAgent = 0;
  let nextAgentAt = t0 + opts.agentRestartEveryMs;
  const gatewayAt = t0 + opts.durationMs / 2;
  try {
    while (Date.now() < deadline && !interrupted) {
      // A disruption that fails is noted, never the end of the run: load and sampling go on.
      if (!busy && Date.now() >= nextHeapAt) {
        busy = true;
        await probeHeaps(heapProbeCount++ === 0 ? 'warm' : `load-${heapProbeCount - 1}`);
        nextHeapAt = Date.now() + opts.heapEveryMs;
        busy = false;
      } else if (!busy && !gatewayRestart && Date.now() >= gatewayAt) {
        busy = true;
        await restartGateway(1).catch((err) => note(`gateway restart failed: ${err.message}`));
        busy = false;
      } else if (!busy && Date.now() >= nextAgentAt && Date.now() < deadline - opts.agentRestartEveryMs / 2) {
        busy = true;
        const rotating = agents.filter((a) => a.rotating);
        await restartAgent(rotating[nextAgent++ % rotating.length]).catch((err) => note(`agent restart failed: ${err.message}`));
        nextAgentAt = Date.now() + opts.agentRestartEveryMs;
        busy = false;
      }
      await sleep(200);
    }
  } finally {
    clearInterval(progress);
  }
  const sendingStoppedAt = Date.now();
  await load.stop();
  note(`load stopped: ${load.sent} sent`);
  if (opts.heap) await probeHeaps('end');
  if (opts.quietMs > 0) {
    // No load: what memory goes back to when nothing is in flight (timers, pools, caches settle).
    note(`quiet for ${formatMs(opts.quietMs)}`);
    await sleep(opts.quietMs);
    if (opts.heap) await probeHeaps('quiet');
  }
  rss.stop();

  const report = renderReport({
    t0,
    opts,
    machine: { cpus: os.cpus().length, loadavg: os.loadavg(), node: process.version },
    capacity,
    rate,
    load,
    elapsedMs: sendingStoppedAt - t0,
    gatewayRestart,
    agentRestarts,
    events,
    crashes,
    rssRows: rss.growth({ warmupMs: opts.warmupMs, windowMs: opts.windowMs }),
    heapProbes,
  });
  process.stdout.write(report);
  if (opts.samplesFile) writeFileSync(opts.samplesFile, JSON.stringify({ t0, events, rss: rss.toJSON(), heapProbes }));
  await registry.stopAll();
}

main().catch((err) => {
  process.stderr.write(`soak: ${err.stack ?? err.message}\n`);
  // The registry's exit hook kills every child still running.
  process.exit(1);
});
