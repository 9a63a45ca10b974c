// Scale suites (issue 9, "Scale"):
//  churn — registrations/s through a cluster: Redis + NATS + 2 gateways + 2 proxies; churn-client.mjs
//    opens upstream sessions (one new endpoint each) at a fixed rate over both gateways and closes
//    each after its lifetime; routing-watch.mjs holds RoutingTables (a proxy's routing code) on the
//    same Redis and NATS and records when each endpoint became routable. Figures: offered and
//    achieved rate, propagation (gateway accepted the session → routable in every watched table)
//    p50/p99/max, and whether the real proxies' tables hold exactly the live endpoints at the end.
//  sessions — 10,000 upstreams / endpoints on one gateway: Redis + NATS + 1 gateway + 1 proxy; an
//    idle-client.mjs session per endpoint; memory per session in the gateway and per endpoint in the
//    proxy (GC'd through the inspector); every endpoint requested once through the proxy.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
// os.loadavg() is reported with every figure: the machine is shared.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { startPikoGateway, startPikoProxy } from './cluster.mjs';
import { startNats, startRedis } from './services.mjs';
import { freePort, httpGet, log, readCpuMs, sleep } from './processes.mjs';
import { connectInspector, settledMemory } from './inspector.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHURN_CLIENT = join(HERE, '..', 'churn-client.mjs');
const ROUTING_WATCH = join(HERE, '..', 'routing-watch.mjs');
const IDLE_CLIENT = join(HERE, '..', 'idle-client.mjs');
const ROUTE_CHECK = join(HERE, '..', 'route-check.mjs');

function percentile(values, p) {
  if (!values.length) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function clusterIndex(root) {
  const file = join(root, 'dist/out-tsc/libs/cluster/src/index.js');
  if (!existsSync(file)) throw new Error(`cluster library build missing: ${file} (run \`npm run build\`)`);
  return file;
}

/** A metric's value (first sample, any labels) from a node's /metrics, or null. */
export async function metric(opsPort, name) {
  const res = await httpGet(`http://127.0.0.1:${opsPort}/metrics`);
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+(\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?)`, 'm').exec(res.body);
  return m ? Number(m[1]) : null;
}

/** Starts Redis, NATS, gateways and proxies (per-node node options: `nodeOptionsFor(kind, i)`). */
async function startCluster({ registry, root, gateways, proxies, nodeOptionsFor = () => '', prefix, monitorNats = false }) {
  const started = [];
  const stop = async () => {
    for (const handle of started.reverse()) await registry.stop(handle, 10000);
  };
  try {
    const redis = await startRedis({ registry, name: `${prefix}-redis` });
    started.push(redis.handle);
    const nats = await startNats({ registry, name: `${prefix}-nats`, monitor: monitorNats });
    started.push(nats.handle);
    const common = { registry, root, redisUrl: redis.url, natsUrl: nats.url };
    const gws = [];
    for (let i = 0; i < gateways; i++) {
      const gw = await startPikoGateway({ ...common, nodeOptions: nodeOptionsFor('gateway', i), name: `${prefix}-gateway-${i + 1}` });
      started.push(gw.handle);
      gws.push(gw);
    }
    const pxs = [];
    for (let i = 0; i < proxies; i++) {
      const px = await startPikoProxy({ ...common, nodeOptions: nodeOptionsFor('proxy', i), name: `${prefix}-proxy-${i + 1}` });
      started.push(px.handle);
      pxs.push(px);
    }
    const processes = [
      { name: 'redis', pid: redis.handle.pid },
      { name: 'nats', pid: nats.handle.pid },
      ...gws.map((g) => ({ name: g.name, pid: g.handle.pid })),
      ...pxs.map((p) => ({ name: p.name, pid: p.handle.pid })),
    ];
    return { redis, nats, gateways: gws, proxies: pxs, processes, failed: () => Promise.race(started.map((h) => registry.failOnExit(h))), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** RLIMIT_NOFILE (soft) of this process, which its children inherit; null where unknown. */
function inheritedNofile() {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * How to run the churn client so that its fd limit is not what ends the run: it may have to hold
 * every session it offers at once (all queued at gateways that accept slower than offered; at
 * ulimit -n 20000 it used to fail 35,163 of 120,000 connects with EMFILE). First choice: one
 * process whose RLIMIT_NOFILE util-linux `prlimit` raises to `sockets` + 1,024 (needs
 * CAP_SYS_RESOURCE above the hard limit; capped at /proc/sys/fs/nr_open; prlimit execs, so the pid
 * stays the client's). Else as many processes (shards, up to 16) as the inherited limit needs.
 * Returns { prefix: [command, ...args] to put before `node churn-client.mjs`, nofile, shards, how }.
 */
function churnClientLimits(sockets) {
  const want = sockets + 1024;
  let cap = want;
  try {
    cap = Math.min(want, Number(readFileSync('/proc/sys/fs/nr_open', 'utf8')));
  } catch {
    // Not Linux: no prlimit either; the probe below fails.
  }
  const limit = `--nofile=${cap}:${cap}`;
  const probe = spawnSync('prlimit', [limit, 'true'], { stdio: 'ignore' });
  if (!probe.error && probe.status === 0 && cap === want) return { prefix: ['prlimit', limit], nofile: cap, shards: 1, how: 'raised by prlimit' };
  const inherited = inheritedNofile() ?? 1024;
  const perProcess = Math.max(256, inherited - 1024);
  return { prefix: [], nofile: inherited, shards: Math.min(16, Math.ceil(sockets / perProcess)), how: 'inherited' };
}

/**
 * NATS messages and bytes in/out (/varz on the monitoring port) and Redis transactions and commands
 * (INFO commandstats: exec, hset, hdel calls), as counters to difference.
 */
async function busCounters(cluster) {
  const { execFileSync } = await import('node:child_process');
  const varz = JSON.parse((await httpGet(`http://127.0.0.1:${cluster.nats.monitorPort}/varz`)).body);
  const stats = execFileSync('redis-cli', ['-p', String(cluster.redis.port), 'info', 'commandstats'], { encoding: 'utf8' });
  const calls = (cmd) => Number(new RegExp(`^cmdstat_${cmd}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
  return { natsInMsgs: varz.in_msgs, natsOutMsgs: varz.out_msgs, natsInBytes: varz.in_bytes, natsOutBytes: varz.out_bytes, redisExec: calls('exec'), redisHset: calls('hset'), redisHdel: calls('hdel') };
}

/** Redis INFO memory's used_memory (bytes), via redis-cli. */
async function redisUsedMemory(redisUrl) {
  const { execFileSync } = await import('node:child_process');
  const port = new URL(redisUrl).port;
  const out = execFileSync('redis-cli', ['-p', port, 'info', 'memory'], { encoding: 'utf8' });
  return Number(/^used_memory:(\d+)/m.exec(out)[1]);
}

/**
 * How long routing-watch waits at most (ms). It is stopped as soon as the clients are done; this
 * only bounds a run whose clients hang. Generous: on a loaded machine the clients fall tens of
 * seconds behind their schedule, and a watcher that gave up first would count the late sessions
 * as never routable (9,199 of 29,142 did at load 14 with durationMs + lifetimeMs + 30 s).
 */
function watchDeadlineMs(durationMs, lifetimeMs) {
  return 3 * durationMs + lifetimeMs + 300_000;
}

/**
 * The churn suite. Returns { rate, durationMs, lifetimeMs, client: {...}, propagation: {p50Ms, p99Ms,
 * maxMs, samples, notSeen}, openToRoutable: {...}, proxies: [{endpoints, expected, seqGaps, resyncs, events}], watch }.
 */
export async function runChurn({ registry, root, pikoRoot = root, nodeOptions = '', rate, durationMs, lifetimeMs, readers = 2 }) {
  const tmp = mkdtempSync(join(os.tmpdir(), 'piko-churn-'));
  const cluster = await startCluster({ registry, root: pikoRoot, gateways: 2, proxies: 2, prefix: 'churn', nodeOptionsFor: () => nodeOptions, monitorNats: true });
  try {
    const run = Math.random().toString(16).slice(2, 8);
    const prefix = `churn-${run}-`;
    const total = Math.round((rate * durationMs) / 1000);
    const seenFile = join(tmp, 'seen.json');
    const timesFile = join(tmp, 'times.json');
    let watchReady;
    let watchDone;
    const ready = new Promise((r) => (watchReady = r));
    const done = new Promise((r) => (watchDone = r));
    const watch = registry.spawn('routing-watch', process.execPath, [ROUTING_WATCH, clusterIndex(root), cluster.redis.url, cluster.nats.url, String(readers), prefix, String(total), String(watchDeadlineMs(durationMs, lifetimeMs)), seenFile], {
      onStdoutLine: (line) => {
        const msg = JSON.parse(line);
        if (msg.event === 'ready') watchReady();
        if (msg.event === 'done') watchDone(msg);
      },
    });
    await Promise.race([ready, registry.failOnExit(watch), cluster.failed()]);
    const cpuBefore = cluster.processes.map((p) => readCpuMs(p.pid));
    const busBefore = await busCounters(cluster);
    const urls = cluster.gateways.map((g) => `ws://127.0.0.1:${g.upstreamPort}/piko/v1/upstream/`).join(',');
    log(`churn: ${rate}/s for ${durationMs / 1000}s, each session ${lifetimeMs / 1000}s, over ${cluster.gateways.length} gateways`);
    const limits = churnClientLimits(total);
    // Shards start together on one schedule (a second from now, once every process is up).
    const startAt = Date.now() + 1000 + 200 * limits.shards;
    const shardResults = [];
    const clients = [];
    for (let k = 0; k < limits.shards; k++) {
      const args = [CHURN_CLIENT, urls, String(rate), String(durationMs), String(lifetimeMs), prefix, `${timesFile}.${k}`, `${k}/${limits.shards}`, String(startAt)];
      const [command, ...prefixArgs] = limits.prefix.length ? [...limits.prefix, process.execPath] : [process.execPath];
      clients.push(registry.spawn(`churn-client-${k + 1}`, command, [...prefixArgs, ...args], { onStdoutLine: (line) => (shardResults[k] = JSON.parse(line)) }));
    }
    log(`churn: client in ${limits.shards} process(es), RLIMIT_NOFILE ${limits.nofile} (${limits.how})`);
    // Sample the real proxies' tables while the churn runs: they must keep up, not just the watcher.
    const proxyPeaks = cluster.proxies.map(() => ({ maxEndpoints: 0 }));
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const [i, p] of cluster.proxies.entries()) proxyPeaks[i].maxEndpoints = Math.max(proxyPeaks[i].maxEndpoints, (await metric(p.opsPort, 'piko_routing_endpoints').catch(() => 0)) ?? 0);
        await sleep(500);
      }
    })();
    const clientStarted = Date.now();
    // A client's CPU is read until it exits (then /proc no longer has it): the last reading counts.
    const clientCpu = clients.map(() => null);
    const clientCpuPoll = setInterval(() => clients.forEach((c, k) => (clientCpu[k] = readCpuMs(c.pid) ?? clientCpu[k])), 200);
    await Promise.race([Promise.all(clients.map((c) => c.exited)), cluster.failed()]);
    clearInterval(clientCpuPoll);
    const clientCpuMs = clientCpu.every((ms) => ms === null) ? null : clientCpu.reduce((a, ms) => a + (ms ?? 0), 0);
    await Promise.all(clients.map((c) => c.stdoutDone));
    const clientResult = mergeShards(shardResults, limits);
    sampling = false;
    await sampler;
    // Stopped with a long grace: on a loaded machine its SIGTERM handler (which writes the results)
    // can wait seconds for the event loop, and a watcher killed before writing them used to leave
    // this waiting for ever. One that exits without them is an error.
    const watchStopped = registry.stop(watch, 60_000);
    const watchGone = watch.exited.then(() => watch.stdoutDone).then(() => {
      throw new Error(`routing-watch exited without its results${watch.stderrTail ? `: ${watch.stderrTail.slice(-500)}` : ''}`);
    });
    const watchResult = await Promise.race([done, watchGone]);
    await watchStopped;
    // Every session has closed now: each proxy's table must be empty of churn endpoints again, and
    // the gateways hold none. Connections the clients closed while still in a gateway's accept
    // queue are accepted (and registered, then dropped) after the clients exit, so one reading of
    // all zeros can fall between two of those: this waits up to 30 s for two all-zero readings in
    // a row, 1 s apart, and reports how long that took and the last reading.
    const settleStarted = Date.now();
    const tables = async () => Promise.all([...cluster.proxies.map((p) => metric(p.opsPort, 'piko_routing_endpoints')), ...cluster.gateways.map((g) => metric(g.opsPort, 'piko_upstreams_registered_endpoints'))]);
    // The last reading that answered; a failed one counts as not settled.
    let settled = [];
    for (let zeros = 0; zeros < 2 && Date.now() - settleStarted < 30_000; ) {
      await sleep(1000);
      const reading = await tables().catch(() => null);
      if (reading) settled = reading;
      zeros = reading?.every((n) => n === 0) ? zeros + 1 : 0;
    }
    const settleMs = Date.now() - settleStarted;
    const wallMs = Date.now() - clientStarted;
    // CPU each process used from the start until every session's deregistration was applied (ms),
    // and per registration the gateways accepted: read after the tables emptied, so the work of
    // sessions that closed as the clients exited is counted too.
    const cpuMs = Object.fromEntries(cluster.processes.map((p, i) => [p.name, readCpuMs(p.pid) - cpuBefore[i]]));
    const busAfter = await busCounters(cluster);
    cpuMs['churn-client (until its last read)'] = clientCpuMs;
    const proxies = [];
    for (const [i, p] of cluster.proxies.entries()) {
      proxies.push({
        endpointsAfter: settled[i] ?? null,
        events: await metric(p.opsPort, 'piko_routing_events_total'),
        seqGaps: await metric(p.opsPort, 'piko_routing_seq_gaps_total'),
        resyncs: await metric(p.opsPort, 'piko_routing_resyncs_total'),
      });
    }
    proxies.forEach((p, i) => (p.maxEndpoints = proxyPeaks[i].maxEndpoints));
    const gateways = [];
    for (const [j, g] of cluster.gateways.entries()) gateways.push({ endpointsAfter: settled[cluster.proxies.length + j] ?? null, connects: await metric(g.opsPort, 'piko_upstreams_connects_total') });

    const times = clients.flatMap((_, k) => JSON.parse(readFileSync(`${timesFile}.${k}`, 'utf8')));
    const seen = JSON.parse(readFileSync(seenFile, 'utf8'));
    const fromOpen = [];
    const fromSent = [];
    const tcpConnect = [];
    const upgrade = [];
    let notSeen = 0;
    let firstSent = Infinity;
    let lastOpen = -Infinity;
    for (const [i, sentAt, openAt, connectedAt] of times) {
      firstSent = Math.min(firstSent, sentAt);
      if (openAt !== null) lastOpen = Math.max(lastOpen, openAt);
      if (connectedAt !== null) tcpConnect.push(connectedAt - sentAt);
      if (openAt === null) continue;
      upgrade.push(openAt - connectedAt);
      const at = seen[i].slice(1);
      if (at.some((t) => t === null)) {
        notSeen++;
        continue;
      }
      const all = Math.max(...at);
      fromOpen.push(Math.max(0, all - openAt));
      fromSent.push(all - sentAt);
    }
    const summary = (values) => ({ samples: values.length, p50Ms: percentile(values, 50), p99Ms: percentile(values, 99), maxMs: percentile(values, 100) });
    const registrations = gateways.reduce((n, g) => n + (g.connects ?? 0), 0);
    // Messages and transactions per registration (NATS /varz, Redis INFO commandstats), over the same span as the CPU.
    const perRegistration = Object.fromEntries(Object.keys(busAfter).map((k) => [k, registrations ? (busAfter[k] - busBefore[k]) / registrations : null]));
    const cpuPerRegistrationMs = Object.fromEntries(Object.entries(cpuMs).map(([name, ms]) => [name, ms === null || !registrations ? null : ms / registrations]));
    // Accepted per second: upgrades completed, over the span from the first connect() to the last 101.
    const upgraded = times.filter((t) => t[2] !== null).length;
    const acceptedPerSecond = upgraded > 0 ? upgraded / ((lastOpen - firstSent) / 1000) : 0;
    // Cores each process kept busy on average while the client ran (its CPU ms over the wall ms,
    // the settling after it included for the cluster's processes).
    const cores = Object.fromEntries(Object.entries(cpuMs).map(([name, ms]) => [name, ms === null ? null : ms / wallMs]));
    return { loadavg: os.loadavg(), rate, durationMs, lifetimeMs, readers, registrations, acceptedPerSecond, cpuMs, cpuPerRegistrationMs, wallMs, cores, perRegistration, settleMs, client: clientResult, propagation: { ...summary(fromOpen), notSeen }, sentToRoutable: summary(fromSent), tcpConnect: summary(tcpConnect), upgrade: summary(upgrade), proxies, gateways, watch: watchResult };
  } finally {
    await cluster.stop();
    if (!process.env.BENCH_KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
  }
}

/** The churn clients' totals as one (sums; the largest lag and per-process socket peak). */
function mergeShards(results, limits) {
  const out = { shards: limits.shards, nofile: limits.nofile, nofileHow: limits.how, offered: 0, opened: 0, failed: 0, failedLocal: 0, failedByGateway: 0, closedEarly: 0, refused: 0, stillOpen: 0, achievedRate: 0, maxLagMs: 0, peakSockets: 0, errors: {}, firstError: null, missing: 0 };
  for (const r of results.length === limits.shards ? results : [...results, ...new Array(limits.shards - results.length)]) {
    if (!r) {
      out.missing += 1;
      continue;
    }
    for (const key of ['offered', 'opened', 'failed', 'failedLocal', 'failedByGateway', 'closedEarly', 'refused', 'stillOpen', 'achievedRate']) out[key] += r[key];
    out.maxLagMs = Math.max(out.maxLagMs, r.maxLagMs);
    out.peakSockets = Math.max(out.peakSockets, r.peakSockets);
    for (const [code, n] of Object.entries(r.errors)) out.errors[code] = (out.errors[code] ?? 0) + n;
    out.firstError ??= r.firstError;
  }
  return out;
}

/** Polls `read()` every 200 ms until `done(value)`; returns { value, ms } or throws after timeoutMs. */
async function pollUntil(what, read, done, timeoutMs, failed) {
  const started = Date.now();
  let value;
  while (Date.now() - started < timeoutMs) {
    value = await Promise.race([read().catch(() => undefined), failed]);
    if (done(value)) return { value, ms: Date.now() - started };
    await Promise.race([sleep(200), failed]);
  }
  throw new Error(`${what}: not reached after ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
}

/**
 * The sessions suite: `sessions` upstreams, each its own endpoint, on one gateway, with one proxy.
 * Returns { sessions, connected, failed, registerSeconds, gateway: {rssPerSession, heapPerSession,
 * externalPerSession, rssAfter, ...}, proxy: {rssPerEndpoint, heapPerEndpoint, ...}, redis: {bytesPerEndpoint},
 * routeCheck: {requested, ok, byStatus, ...}, proxyAfterRequests: {...} }.
 */
export async function runScaleSessions({ registry, root, nodeOptions = '', sessions, timeoutMs = 300000 }) {
  const inspectPorts = { gateway: await freePort(), proxy: await freePort() };
  const cluster = await startCluster({
    registry,
    root,
    gateways: 1,
    proxies: 1,
    prefix: 'scale',
    nodeOptionsFor: (kind) => `${nodeOptions} --inspect=127.0.0.1:${inspectPorts[kind]}`,
  });
  const [gateway] = cluster.gateways;
  const [proxy] = cluster.proxies;
  let client;
  const inspectors = [];
  try {
    const gwInspector = await connectInspector(inspectPorts.gateway);
    const pxInspector = await connectInspector(inspectPorts.proxy);
    inspectors.push(gwInspector, pxInspector);
    const failed = cluster.failed();
    await sleep(2000);
    const gwBefore = await settledMemory(gateway.handle.pid, gwInspector);
    const pxBefore = await settledMemory(proxy.handle.pid, pxInspector);
    const redisBefore = await redisUsedMemory(cluster.redis.url);

    const prefix = `scale-${Math.random().toString(16).slice(2, 8)}-`;
    const url = `ws://127.0.0.1:${gateway.upstreamPort}/piko/v1/upstream/`;
    log(`scale: node idle-client.mjs ${url} ${sessions} ${prefix} respond`);
    let connectedResolve;
    const connected = new Promise((resolve) => (connectedResolve = resolve));
    let latest = null;
    const started = Date.now();
    client = registry.spawn('scale-idle-client', process.execPath, [IDLE_CLIENT, url, String(sessions), prefix, 'respond'], {
      onStdoutLine: (line) => {
        latest = JSON.parse(line);
        if (latest.event === 'connected') connectedResolve(latest);
      },
    });
    const anyFailed = Promise.race([failed, registry.failOnExit(client)]);
    const first = await Promise.race([connected, anyFailed]);
    log(`scale: ${first.open} sessions open, ${first.failed} failed${first.firstError ? ` (${first.firstError})` : ''}; waiting for the proxy's table`);
    // Registered: the gateway counts them and the proxy's routing table holds them all.
    await pollUntil('gateway endpoints', () => metric(gateway.opsPort, 'piko_upstreams_registered_endpoints'), (v) => v >= first.open, timeoutMs, anyFailed);
    const routed = await pollUntil('proxy routing table', () => metric(proxy.opsPort, 'piko_routing_endpoints'), (v) => v >= first.open, timeoutMs, anyFailed);
    const registerSeconds = (Date.now() - started) / 1000;
    log(`scale: all ${routed.value} endpoints in the proxy's table ${registerSeconds.toFixed(1)} s after the client started`);

    const gwAfter = await settledMemory(gateway.handle.pid, gwInspector);
    const pxAfter = await settledMemory(proxy.handle.pid, pxInspector);
    const redisAfter = await redisUsedMemory(cluster.redis.url);
    const open = latest.open;
    const per = (after, before, key) => (open > 0 ? (after[key] - before[key]) / open : null);
    const memory = (after, before) => ({
      rssBefore: before.rss,
      rssAfter: after.rss,
      rssPer: per(after, before, 'rss'),
      heapPer: per(after, before, 'heapUsed'),
      externalPer: per(after, before, 'external'),
    });

    // Every endpoint once through the proxy: routable, not just listed.
    let check = null;
    const checker = registry.spawn('route-check', process.execPath, [ROUTE_CHECK, String(proxy.proxyPort), prefix, String(open), '20'], {
      onStdoutLine: (line) => (check = JSON.parse(line)),
    });
    await Promise.race([checker.exited, anyFailed]);
    await checker.stdoutDone;
    log(`scale: route check ${check?.ok}/${check?.requested} answered 200 ok in ${check?.seconds?.toFixed(1)} s`);
    const pxAfterRequests = await settledMemory(proxy.handle.pid, pxInspector);
    const gwAfterRequests = await settledMemory(gateway.handle.pid, gwInspector);
    return {
      loadavg: os.loadavg(),
      sessions,
      connected: first.open,
      failed: first.failed,
      stillOpen: latest.open,
      firstError: first.firstError,
      registerSeconds,
      gateway: memory(gwAfter, gwBefore),
      gatewayAfterRequests: memory(gwAfterRequests, gwBefore),
      proxy: memory(pxAfter, pxBefore),
      proxyAfterRequests: memory(pxAfterRequests, pxBefore),
      redis: { usedBefore: redisBefore, usedAfter: redisAfter, bytesPerEndpoint: open > 0 ? (redisAfter - redisBefore) / open : null },
      routeCheck: check,
    };
  } finally {
    for (const inspector of inspectors) inspector.close();
    await registry.stop(client);
    await cluster.stop();
  }
}
