// `npm run bench`: measures Piko against baselines run in the same invocation, on this machine,
// over loopback. It prints figures, ratios and the issue's targets (PASS/MISS) and writes
// dist/bench/results.json. It never fails on a timing: a MISS is a finding, not an error.
// Exit code: 0 when everything ran; 1 when a path or suite could not run (e.g. piko build missing).
// Knobs: see tools/bench/README.md (BENCH_DURATION, BENCH_CONNECTIONS, --quick, --only, --paths...).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessRegistry, RssSampler, log } from './lib/processes.mjs';
import { assertWrkInstalled, runWrk, wrkCommand } from './lib/wrk.mjs';
import { startSshTunnel } from './lib/ssh-tunnel.mjs';
import { nodeArgs, pikoEnv, runtimeSettingsOn, startPikoTunnel } from './lib/piko.mjs';
import { startNode2Hop } from './lib/node-2hop.mjs';
import { runLargeBody } from './lib/large-body.mjs';
import { runIdleSessions } from './lib/idle-sessions.mjs';
import { startClusterTunnel } from './lib/cluster.mjs';
import { runPropagation } from './lib/propagation.mjs';
import { runFailover } from './lib/failover.mjs';
import { runTcp } from './lib/tcp.mjs';
import { runChurn, runScaleSessions } from './lib/scale.mjs';
import { churnTable, scaleTable, scaleTargets } from './lib/scale-report.mjs';
import * as report from './lib/report.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const UPSTREAM_SERVER = join(dirname(fileURLToPath(import.meta.url)), 'upstream-server.mjs');
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/**
 * The paths a request can take to the upstream. Each `start` resolves
 * { port, headers?, description, processes: [{ name, pid, withDescendants? }], stop() }.
 * Adding a path is one entry here.
 */
const PATHS = [
  {
    name: 'direct',
    start: async (ctx) => ({ port: ctx.upstreamPort, description: 'straight to the upstream', processes: [], stop: async () => {} }),
  },
  {
    name: 'ssh',
    start: (ctx) => startSshTunnel({ registry: ctx.registry, tmpDir: ctx.tmpDir, upstreamPort: ctx.upstreamPort }),
  },
  {
    // The runtime's ceiling: a Node HTTP proxy with a keep-alive agent -> a Node TCP splice -> upstream.
    name: 'node-2hop',
    start: (ctx) => startNode2Hop({ registry: ctx.registry, upstreamPort: ctx.upstreamPort }),
  },
  {
    name: 'piko',
    start: (ctx) => startPikoTunnel({ registry: ctx.registry, root: ROOT, upstreamPort: ctx.upstreamPort, nodeOptions: ctx.opts.pikoNodeOptions }),
  },
  {
    // The piko path with traffic inspection capturing the endpoint (issue 11): its cost is this row against piko's.
    name: 'piko-inspect',
    start: (ctx) =>
      startPikoTunnel({
        registry: ctx.registry,
        root: ROOT,
        upstreamPort: ctx.upstreamPort,
        nodeOptions: ctx.opts.pikoNodeOptions,
        serverArgs: ['--proxy.inspect.endpoints', 'bench'],
        label: ', proxy.inspect.endpoints bench',
      }),
  },
  {
    // Cluster mode: piko proxy -> relay -> piko gateway -> piko agent http, with Redis and NATS.
    name: 'cluster',
    start: (ctx) => startClusterTunnel({ registry: ctx.registry, root: ROOT, upstreamPort: ctx.upstreamPort, nodeOptions: ctx.opts.pikoNodeOptions }),
  },
];

/** Ratios are taken against these paths (when they ran). */
const BASELINES = ['direct', 'ssh', 'node-2hop'];

/** Suites run per path, in this order, while the path is up; the others run on their own afterwards. */
const PATH_SUITES = ['throughput', 'large'];
const ALL_SUITES = [...PATH_SUITES, 'idle', 'propagation', 'failover', 'tcp', 'scale', 'churn'];

function parseBytes(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kib|m|mib|g|gib)?$/i.exec(text.trim());
  if (!m) throw new Error(`bad byte size "${text}" (e.g. 1GiB, 256MiB, 1048576)`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = { b: 1, k: 1024, kib: 1024, m: MiB, mib: MiB, g: GiB, gib: GiB }[unit];
  return Math.round(Number(m[1]) * mult);
}

function parseDuration(text, name) {
  const m = /^(\d+)(s|m)$/.exec(text.trim());
  if (!m) throw new Error(`${name} must look like 10s or 1m, got "${text}"`);
  return { wrk: text.trim(), ms: Number(m[1]) * (m[2] === 'm' ? 60000 : 1000) };
}

function parseOptions(argv, env) {
  const flags = new Set(argv.filter((a) => !a.includes('=')));
  const kv = Object.fromEntries(argv.filter((a) => a.includes('=')).map((a) => a.replace(/^--/, '').split(/=(.*)/s).slice(0, 2)));
  if (flags.has('--help') || flags.has('-h')) {
    process.stdout.write(`usage: node tools/bench/main.mjs [--quick] [--only=${ALL_SUITES.join(',')}] [--paths=${PATHS.map((p) => p.name).join(',')}]\nsee tools/bench/README.md\n`);
    process.exit(0);
  }
  const quick = flags.has('--quick') || env.BENCH_QUICK === '1';
  const list = (text, allowed, what) => {
    const items = text.split(',').map((s) => s.trim()).filter(Boolean);
    for (const i of items) if (!allowed.includes(i)) throw new Error(`unknown ${what} "${i}" (one of ${allowed.join(', ')})`);
    return items;
  };
  const opts = {
    quick,
    duration: parseDuration(env.BENCH_DURATION ?? (quick ? '2s' : '10s'), 'BENCH_DURATION'),
    warmup: parseDuration(env.BENCH_WARMUP ?? (quick ? '1s' : '2s'), 'BENCH_WARMUP'),
    connections: (env.BENCH_CONNECTIONS ?? '1,10,50').split(',').map(Number),
    bodyBytes: parseBytes(env.BENCH_BODY_BYTES ?? (quick ? '64MiB' : '1GiB')),
    idleSessions: Number(env.BENCH_IDLE_SESSIONS ?? (quick ? 100 : 500)),
    idleHoldMs: parseDuration(env.BENCH_IDLE_HOLD ?? (quick ? '10s' : '40s'), 'BENCH_IDLE_HOLD').ms,
    // Unset: the server's default (30s). The quick run pings sooner so it still sees one.
    idleKeepalive: env.BENCH_IDLE_KEEPALIVE ?? (quick ? '3s' : null),
    suites: list(kv.only ?? env.BENCH_ONLY ?? ALL_SUITES.join(','), ALL_SUITES, 'suite'),
    paths: list(kv.paths ?? env.BENCH_PATHS ?? PATHS.map((p) => p.name).join(','), PATHS.map((p) => p.name), 'path'),
    propagationSamples: Number(env.BENCH_PROPAGATION_SAMPLES ?? (quick ? 50 : 200)),
    propagationE2eSamples: Number(env.BENCH_PROPAGATION_E2E_SAMPLES ?? (quick ? 3 : 10)),
    failoverBeforeMs: parseDuration(env.BENCH_FAILOVER_BEFORE ?? (quick ? '1s' : '2s'), 'BENCH_FAILOVER_BEFORE').ms,
    // The full run watches past the killed gateway's lease (10 s by default), so failures that
    // come only when its registry entries expire or are swept are seen too.
    failoverAfterMs: parseDuration(env.BENCH_FAILOVER_AFTER ?? (quick ? '5s' : '15s'), 'BENCH_FAILOVER_AFTER').ms,
    tcpSeconds: parseDuration(env.BENCH_TCP_DURATION ?? (quick ? '2s' : '5s'), 'BENCH_TCP_DURATION').ms / 1000,
    redisRequests: Number(env.BENCH_REDIS_REQUESTS ?? (quick ? 10000 : 50000)),
    pikoNodeOptions: env.BENCH_PIKO_NODE_OPTIONS ?? '',
    scaleSessions: Number(env.BENCH_SCALE_SESSIONS ?? (quick ? 1000 : 10000)),
    churnRate: Number(env.BENCH_CHURN_RATE ?? (quick ? 500 : 2000)),
    churnDurationMs: parseDuration(env.BENCH_CHURN_DURATION ?? (quick ? '5s' : '60s'), 'BENCH_CHURN_DURATION').ms,
    churnLifetimeMs: parseDuration(env.BENCH_CHURN_LIFETIME ?? (quick ? '2s' : '5s'), 'BENCH_CHURN_LIFETIME').ms,
    out: env.BENCH_OUT ?? join(ROOT, 'dist/bench/results.json'),
  };
  if (opts.connections.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`BENCH_CONNECTIONS must be positive integers, got "${env.BENCH_CONNECTIONS}"`);
  return opts;
}

async function startUpstream(registry) {
  let resolvePort;
  const port = new Promise((resolve) => {
    resolvePort = resolve;
  });
  const handle = registry.spawn('upstream', process.execPath, [UPSTREAM_SERVER, '0'], {
    onStdoutLine: (line) => resolvePort(JSON.parse(line).port),
  });
  return { handle, port: await Promise.race([port, registry.failOnExit(handle)]) };
}

async function runThroughput(ctx, path, tunnel, result) {
  const url = `http://127.0.0.1:${tunnel.port}/small`;
  const headers = tunnel.headers ?? {};
  const sampler = new RssSampler([...tunnel.processes, { name: 'upstream', pid: ctx.upstreamPid }]).start();
  try {
    const warmup = { registry: ctx.registry, url, connections: 10, duration: ctx.opts.warmup.wrk, headers };
    log(`${path.name}: warm-up ${wrkCommand(warmup)}`);
    await runWrk(warmup);
    result.throughput = [];
    for (const c of ctx.opts.connections) {
      const run = { registry: ctx.registry, url, connections: c, duration: ctx.opts.duration.wrk, headers };
      log(`${path.name}: ${wrkCommand(run)}`);
      const r = await runWrk(run);
      const errs = Object.values(r.errors).reduce((a, b) => a + b, 0);
      log(`${path.name}: c=${c} ${report.fmt.num(r.requestsPerSec)} req/s, p50 ${report.fmt.ms(r.latencyMs.p50)} ms, p99 ${report.fmt.ms(r.latencyMs.p99)} ms${errs ? `, ${errs} errors` : ''}`);
      result.throughput.push({ connections: c, ...r });
    }
  } finally {
    result.throughputPeakRss = sampler.stop();
  }
}

async function runLarge(ctx, path, tunnel, result) {
  result.large = {};
  // Generous: even 20 MB/s moves a GiB in under a minute.
  const timeoutMs = Math.max(60000, (ctx.opts.bodyBytes / (10 * 1e6)) * 1000);
  for (const mode of ['download', 'upload']) {
    log(`${path.name}: ${mode} ${report.fmt.num(ctx.opts.bodyBytes / MiB)} MiB`);
    try {
      const r = await runLargeBody({
        registry: ctx.registry,
        mode,
        baseUrl: `http://127.0.0.1:${tunnel.port}`,
        headers: tunnel.headers ?? {},
        bytes: ctx.opts.bodyBytes,
        processes: [...tunnel.processes, { name: 'upstream', pid: ctx.upstreamPid }],
        timeoutMs,
      });
      log(`${path.name}: ${mode} ${report.fmt.num(r.mbPerSec, 1)} MB/s`);
      result.large[mode] = r;
    } catch (err) {
      log(`${path.name}: ${mode} failed: ${err.message}`);
      result.large[mode] = { error: err.message };
      ctx.failures.push(`${path.name} ${mode}: ${err.message.split('\n')[0]}`);
    }
  }
}

async function runPath(ctx, path) {
  const result = {};
  log(`${path.name}: starting`);
  let tunnel;
  try {
    tunnel = await path.start(ctx);
  } catch (err) {
    log(`${path.name}: could not start: ${err.message}`);
    ctx.failures.push(`${path.name}: ${err.message.split('\n')[0]}`);
    return { error: err.message.split('\n')[0], errorDetail: err.message };
  }
  result.description = tunnel.description;
  try {
    if (ctx.opts.suites.includes('throughput')) await runThroughput(ctx, path, tunnel, result);
    if (ctx.opts.suites.includes('large')) await runLarge(ctx, path, tunnel, result);
  } catch (err) {
    log(`${path.name}: failed: ${err.message}`);
    ctx.failures.push(`${path.name}: ${err.message.split('\n')[0]}`);
    result.error = err.message.split('\n')[0];
    result.errorDetail = err.message;
  } finally {
    await tunnel.stop();
  }
  return result;
}

function printSummary(results) {
  const out = [];
  out.push('', `== Piko benchmark (${results.host.cpus} CPUs, node ${results.host.node}, ${results.options.quick ? 'quick' : 'full'} run) ==`);
  if (results.options.suites.includes('throughput')) {
    out.push('', `-- Small requests: GET /small, wrk -t1 -d${results.options.duration} --latency --`, report.throughputTable(results));
    if (results.ratios.length) out.push('', '-- Ratios (req/s: path / baseline; latency: path minus baseline) --', report.ratioTable(results.ratios));
  }
  if (results.options.suites.includes('large')) {
    out.push('', `-- Large bodies: ${report.fmt.num(results.options.bodyBytes / MiB)} MiB each way (MB = 10^6 bytes) --`, report.largeTable(results));
  }
  if (results.options.suites.includes('idle')) {
    out.push('', '-- Idle upstream sessions on piko server --', report.idleTable(results.idle));
  }
  if (results.options.suites.includes('propagation')) {
    out.push('', '-- Registration propagation (1 gateway, 2 proxies, Redis + NATS) --', report.propagationTable(results.propagation));
  }
  if (results.options.suites.includes('failover')) {
    out.push('', '-- kill -9 of a gateway (2 gateways, an agent on each, 1 proxy) --', report.failoverTable(results.failover));
  }
  if (results.options.suites.includes('tcp')) {
    out.push('', `-- Raw TCP: piko agent tcp + piko forward tcp on piko server, vs direct and ssh -L --`, report.tcpTable(results.tcp));
  }
  if (results.options.suites.includes('scale')) {
    out.push('', `-- Scale: ${results.options.scaleSessions} upstreams / endpoints on one gateway, 1 proxy, Redis + NATS --`, scaleTable(results.scale));
  }
  if (results.options.suites.includes('churn')) {
    out.push('', '-- Registration churn: 2 gateways, 2 proxies, Redis + NATS --', churnTable(results.churn));
  }
  out.push('', '-- Targets --', report.targetsTable(results.targets));
  if (results.failures.length) out.push('', 'Could not run:', ...results.failures.map((f) => `  - ${f}`));
  out.push('', `results: ${results.out}`, '');
  process.stdout.write(out.join('\n'));
}

async function main() {
  const opts = parseOptions(process.argv.slice(2), process.env);
  assertWrkInstalled();
  const registry = new ProcessRegistry();
  const tmpDir = mkdtempSync(join(os.tmpdir(), 'piko-bench-'));
  let cleaning = null;
  const cleanup = async () => {
    cleaning ??= (async () => {
      await registry.stopAll();
      rmSync(tmpDir, { recursive: true, force: true });
    })();
    return cleaning;
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, async () => {
      log(`${signal}: stopping every process the benchmark started`);
      await cleanup();
      process.exit(130);
    });
  }

  const startedAt = new Date().toISOString();
  const ctx = { opts, registry, tmpDir, failures: [] };
  const results = {
    startedAt,
    host: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, kernel: os.release() },
    options: { ...opts, duration: opts.duration.wrk, warmup: opts.warmup.wrk },
    pikoEnv: pikoEnv(),
    pikoNodeArgs: nodeArgs(opts.pikoNodeOptions),
    paths: {},
  };
  log(`piko processes start as ${[...Object.entries(results.pikoEnv).map(([k, v]) => `${k}=${v}`), 'node', ...results.pikoNodeArgs].join(' ')}${runtimeSettingsOn() ? '' : ' (BENCH_PIKO_RUNTIME_ENV=off)'}`);
  try {
    const upstream = await startUpstream(registry);
    ctx.upstreamPort = upstream.port;
    ctx.upstreamPid = upstream.handle.pid;
    log(`upstream: node upstream-server.mjs on 127.0.0.1:${upstream.port}`);
    if (opts.suites.some((s) => PATH_SUITES.includes(s))) {
      for (const path of PATHS.filter((p) => opts.paths.includes(p.name))) results.paths[path.name] = await runPath(ctx, path);
    }
    if (opts.suites.includes('idle')) {
      log(`idle: ${opts.idleSessions} sessions`);
      try {
        results.idle = await runIdleSessions({ registry, root: ROOT, sessions: opts.idleSessions, holdMs: opts.idleHoldMs, keepalive: opts.idleKeepalive, nodeOptions: opts.pikoNodeOptions });
      } catch (err) {
        log(`idle: failed: ${err.message}`);
        ctx.failures.push(`idle: ${err.message.split('\n')[0]}`);
        results.idle = { error: err.message.split('\n')[0], errorDetail: err.message };
      }
    }
    const standalone = {
      propagation: () => runPropagation({ registry, root: ROOT, nodeOptions: opts.pikoNodeOptions, upstreamPort: ctx.upstreamPort, samples: opts.propagationSamples, e2eSamples: opts.propagationE2eSamples }),
      failover: () => runFailover({ registry, root: ROOT, nodeOptions: opts.pikoNodeOptions, upstreamPort: ctx.upstreamPort, beforeMs: opts.failoverBeforeMs, afterMs: opts.failoverAfterMs }),
      scale: () => runScaleSessions({ registry, root: ROOT, nodeOptions: opts.pikoNodeOptions, sessions: opts.scaleSessions }),
      churn: () => runChurn({ registry, root: ROOT, nodeOptions: opts.pikoNodeOptions, rate: opts.churnRate, durationMs: opts.churnDurationMs, lifetimeMs: opts.churnLifetimeMs }),
      tcp: () => runTcp({ registry, root: ROOT, tmpDir, nodeOptions: opts.pikoNodeOptions, seconds: opts.tcpSeconds, redisRequests: opts.redisRequests }),
    };
    for (const [suite, run] of Object.entries(standalone)) {
      if (!opts.suites.includes(suite)) continue;
      log(`${suite}: starting`);
      try {
        results[suite] = await run();
        // Parts of a suite that could not run (e.g. the ssh -L baseline) without failing the rest.
        for (const problem of results[suite].problems ?? []) ctx.failures.push(`${suite}: ${problem}`);
      } catch (err) {
        log(`${suite}: failed: ${err.message}`);
        ctx.failures.push(`${suite}: ${err.message.split('\n')[0]}`);
        results[suite] = { error: err.message.split('\n')[0], errorDetail: err.message };
      }
    }
  } finally {
    await cleanup();
  }
  results.ratios = report.computeRatios(results, BASELINES);
  results.targets = [...report.evaluateTargets(results), ...scaleTargets(results)];
  results.failures = ctx.failures;
  results.finishedAt = new Date().toISOString();
  results.out = opts.out;
  report.writeJson(opts.out, results);
  printSummary(results);
  return ctx.failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`[bench] ${err.stack ?? err}\n`);
    // The registry's exit hook SIGKILLs anything still running.
    process.exit(1);
  },
);
