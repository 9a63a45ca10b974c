// Raw TCP through Piko (issue 4): `piko server` + `piko agent tcp <endpoint> <service>` on one side,
// `piko forward tcp <local port> <endpoint>` on the other; a TCP client connects to the forward's
// port and its bytes ride a WebSocket to the proxy, then the agent's upstream connection.
//  - bulk throughput: iperf3 (one test each way: client -> service, and -R service -> client), or
//    tcp-blast.mjs one way when iperf3 is missing; direct, through piko, through `ssh -L`.
//  - request/response: redis-benchmark (GET, SET at 50 connections) against a throwaway
//    redis-server; direct, through piko, through `ssh -L`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPikoAgent, startPikoForward, startPikoServer } from './piko.mjs';
import { CpuMeter, RssSampler, freePort, httpGet, log, sleep, waitForPort, ReadinessTimeoutError } from './processes.mjs';
import { startRedis } from './services.mjs';
import { startSshLocalForward } from './ssh-tunnel.mjs';
import { startNodeSplices } from './node-2hop.mjs';

const TCP_BLAST = join(dirname(fileURLToPath(import.meta.url)), '..', 'tcp-blast.mjs');
export const IPERF3 = process.env.BENCH_IPERF3 ?? '/usr/bin/iperf3';
export const REDIS_BENCHMARK = process.env.BENCH_REDIS_BENCHMARK ?? '/usr/bin/redis-benchmark';

/** Thrown when a measuring program fails or prints what cannot be parsed. */
export class ToolOutputError extends Error {
  constructor(tool, message, output = '') {
    super(`${tool}: ${message}${output ? `\n--- ${tool} output ---\n${output.slice(-2000)}` : ''}`);
    this.name = 'ToolOutputError';
    this.code = 'TOOL_OUTPUT';
  }
}

/** Runs a measuring program through the registry (so Ctrl-C stops it); resolves its stdout. */
async function runTool(registry, name, command, args, timeoutMs) {
  const lines = [];
  const handle = registry.spawn(name, command, args, { onStdoutLine: (l) => lines.push(l) });
  const timer = setTimeout(() => {
    log(`${name}: no result after ${timeoutMs} ms; stopping it`);
    registry.stop(handle);
  }, timeoutMs);
  const exit = await handle.exited;
  await handle.stdoutDone;
  clearTimeout(timer);
  const stdout = lines.join('\n');
  if (exit.error || exit.code !== 0) throw new ToolOutputError(name, `exit ${exit.code}, signal ${exit.signal}${exit.error ? `, ${exit.error.message}` : ''}`, `${stdout}\n${handle.stderrTail}`);
  return stdout;
}

/** `iperf3 -c 127.0.0.1 -p port -t s -J [-R]`: receiver-side bits/s (what actually arrived). */
async function iperfRun(registry, port, seconds, reverse) {
  const args = ['-c', '127.0.0.1', '-p', String(port), '-t', String(seconds), '-J', ...(reverse ? ['-R'] : [])];
  const out = await runTool(registry, 'iperf3-client', IPERF3, args, (seconds + 30) * 1000);
  let json;
  try {
    json = JSON.parse(out);
  } catch {
    throw new ToolOutputError('iperf3', 'output is not JSON', out);
  }
  if (json.error) throw new ToolOutputError('iperf3', json.error);
  const received = json.end?.sum_received;
  if (!received) throw new ToolOutputError('iperf3', 'no end.sum_received', out);
  return {
    command: `iperf3 ${args.join(' ')}`,
    bitsPerSecond: received.bits_per_second,
    bytes: received.bytes,
    seconds: received.seconds,
    senderBitsPerSecond: json.end.sum_sent?.bits_per_second ?? null,
    retransmits: json.end.sum_sent?.retransmits ?? null,
    cpuHostPercent: json.end.cpu_utilization_percent?.host_total ?? null,
    cpuRemotePercent: json.end.cpu_utilization_percent?.remote_total ?? null,
  };
}

async function blastRun(registry, port, seconds) {
  const out = await runTool(registry, 'tcp-blast-send', process.execPath, [TCP_BLAST, 'send', String(port), String(seconds)], (seconds + 30) * 1000);
  const r = JSON.parse(out.trim().split('\n').at(-1));
  return { command: `node tcp-blast.mjs send ${port} ${seconds}`, ...r };
}

/** Parses `redis-benchmark --csv`: a header row, then one row per test. Returns { [TEST]: { rps, p50Ms, p99Ms, avgMs } }. */
export function parseRedisBenchmarkCsv(text) {
  const rows = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('"'))
    .map((l) => l.split(',').map((c) => c.replace(/^"|"$/g, '')));
  const header = rows.shift();
  if (!header || header[0] !== 'test') throw new ToolOutputError('redis-benchmark', 'no CSV header', text);
  const col = (row, name) => (header.indexOf(name) >= 0 ? Number(row[header.indexOf(name)]) : null);
  const out = {};
  for (const row of rows) out[row[0]] = { rps: col(row, 'rps'), avgMs: col(row, 'avg_latency_ms'), p50Ms: col(row, 'p50_latency_ms'), p99Ms: col(row, 'p99_latency_ms') };
  if (!Object.keys(out).length) throw new ToolOutputError('redis-benchmark', 'no result rows', text);
  return out;
}

async function redisBenchmarkRun(registry, port, requests, clients) {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-q', '-n', String(requests), '-c', String(clients), '-t', 'get,set', '--csv'];
  const out = await runTool(registry, 'redis-benchmark', REDIS_BENCHMARK, args, 120000);
  return { command: `redis-benchmark ${args.join(' ')}`, tests: parseRedisBenchmarkCsv(out) };
}

/** Sends PING through `port` until +PONG comes back: the forward, proxy, agent and redis all work. */
async function waitForRedisPing(port, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const reply = await new Promise((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port });
        let data = '';
        socket.setTimeout(2000, () => socket.destroy(new Error('no reply to PING')));
        socket.on('connect', () => socket.write('PING\r\n'));
        socket.on('data', (c) => {
          data += c;
          if (data.includes('\r\n')) {
            socket.end();
            resolve(data.trim());
          }
        });
        socket.on('error', reject);
        socket.on('close', () => reject(new Error(`closed after "${data.trim()}"`)));
      });
      if (reply === '+PONG') return;
      lastError = new Error(`reply "${reply}"`);
    } catch (err) {
      lastError = err;
    }
    await sleep(100);
  }
  throw new ReadinessTimeoutError(`redis PING through 127.0.0.1:${port}`, timeoutMs, lastError);
}

/** Polls `piko server`'s admin /status/upstream/endpoints (id → upstream count) until every id in `endpoints` has an upstream. */
async function waitForEndpoints(adminPort, endpoints, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    try {
      const res = await httpGet(`http://127.0.0.1:${adminPort}/status/upstream/endpoints`);
      last = res.body;
      const known = JSON.parse(res.body) ?? {};
      if (endpoints.every((id) => known[id])) return;
    } catch (err) {
      last = err.message;
    }
    await sleep(50);
  }
  throw new ReadinessTimeoutError(`endpoints ${endpoints.join(', ')} on the admin API`, timeoutMs, last && new Error(String(last).slice(0, 200)));
}

/** A bulk-transfer service: `iperf3 -s` (kept for the whole suite, one test at a time) or tcp-blast. */
async function startBulkService(registry, useIperf) {
  if (useIperf) {
    const port = await freePort();
    const handle = registry.spawn('iperf3-server', IPERF3, ['-s', '-B', '127.0.0.1', '-p', String(port)]);
    await Promise.race([waitForPort(port, { what: 'iperf3 -s' }), registry.failOnExit(handle)]);
    return { port, handle, tool: 'iperf3' };
  }
  let resolvePort;
  const portP = new Promise((r) => {
    resolvePort = r;
  });
  const handle = registry.spawn('tcp-blast-server', process.execPath, [TCP_BLAST, 'serve'], { onStdoutLine: (l) => resolvePort(JSON.parse(l).port) });
  const port = await Promise.race([portP, registry.failOnExit(handle)]);
  return { port, handle, tool: 'tcp-blast' };
}

/**
 * Returns { tool, seconds, throughput: { [path]: { upload, download? } | { error } },
 *           redis: { [path]: { command, tests } | { error } } (or { error } without redis-benchmark),
 *           peakRss: { [process]: bytes }, problems: [text] }.
 * Paths: direct, piko (server + agent tcp + forward tcp), ssh (-L), node-2hop (two Node splices in series).
 */
export async function runTcp({ registry, root, tmpDir, nodeOptions, seconds, redisRequests, redisClients = 50 }) {
  const useIperf = existsSync(IPERF3);
  if (!useIperf) log(`tcp: ${IPERF3} not found (apt-get install -y iperf3); measuring one way with tcp-blast.mjs`);
  const haveRedisBenchmark = existsSync(REDIS_BENCHMARK);
  const started = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s();
  };
  const result = { tool: useIperf ? 'iperf3' : 'tcp-blast', seconds, throughput: {}, redis: {}, peakRss: {} };
  try {
    const bulk = await startBulkService(registry, useIperf);
    started.push(() => registry.stop(bulk.handle));
    const redis = haveRedisBenchmark ? await startRedis({ registry, name: 'tcp-redis' }) : null;
    if (redis) started.push(() => registry.stop(redis.handle));
    else result.redis.error = `${REDIS_BENCHMARK} not found (apt-get install -y redis-tools)`;

    // The paths: each maps a service to the port a client uses.
    const paths = { direct: { bulk: bulk.port, redis: redis?.port, processes: [] } };
    try {
      const server = await startPikoServer({ registry, root, nodeOptions });
      started.push(() => registry.stop(server.handle));
      const connectUrl = `http://127.0.0.1:${server.upstreamPort}`;
      const proxyUrl = `http://127.0.0.1:${server.proxyPort}`;
      const processes = [{ name: 'piko-server', pid: server.handle.pid }];
      const endpoints = ['bench-tcp', ...(redis ? ['bench-redis'] : [])];
      for (const endpoint of endpoints) {
        const agent = await startPikoAgent({ registry, root, nodeOptions, kind: 'tcp', endpoint, target: endpoint === 'bench-tcp' ? bulk.port : redis.port, connectUrl, name: `piko-agent-${endpoint}` });
        started.push(() => registry.stop(agent));
        processes.push({ name: `piko-agent-${endpoint}`, pid: agent.pid });
      }
      await waitForEndpoints(server.adminPort, endpoints);
      const forwards = {};
      for (const endpoint of endpoints) {
        const fwd = await startPikoForward({ registry, root, nodeOptions, endpoint, connectUrl: proxyUrl, name: `piko-forward-${endpoint}` });
        started.push(() => registry.stop(fwd.handle));
        processes.push({ name: `piko-forward-${endpoint}`, pid: fwd.handle.pid });
        forwards[endpoint] = fwd.port;
      }
      if (redis) await waitForRedisPing(forwards['bench-redis']);
      const bulkProcesses = processes.filter((p) => !p.name.endsWith('bench-redis'));
      paths.piko = { bulk: forwards['bench-tcp'], redis: forwards['bench-redis'], processes, bulkProcesses, description: 'piko forward tcp -> piko server -> piko agent tcp' };
    } catch (err) {
      log(`tcp: piko could not start: ${err.message}`);
      paths.piko = { error: err.message.split('\n')[0], errorDetail: err.message };
    }
    try {
      const ssh = await startSshLocalForward({ registry, tmpDir, targetPorts: [bulk.port, ...(redis ? [redis.port] : [])] });
      started.push(() => ssh.stop());
      paths.ssh = { bulk: ssh.ports[0], redis: ssh.ports[1], processes: ssh.processes, description: ssh.description };
    } catch (err) {
      log(`tcp: ssh -L could not start: ${err.message}`);
      paths.ssh = { error: err.message.split('\n')[0], errorDetail: err.message };
    }

    try {
      const splices = await startNodeSplices({ registry, targetPorts: [bulk.port, ...(redis ? [redis.port] : [])] });
      started.push(() => splices.stop());
      paths['node-2hop'] = { bulk: splices.ports[0], redis: splices.ports[1], processes: splices.processes, bulkProcesses: splices.processes.filter((p) => p.name.endsWith('-0')), description: splices.description };
    } catch (err) {
      log(`tcp: node-2hop could not start: ${err.message}`);
      paths['node-2hop'] = { error: err.message.split('\n')[0], errorDetail: err.message };
    }

    for (const [name, path] of Object.entries(paths)) {
      if (path.error) {
        result.throughput[name] = { error: path.error };
        if (redis) result.redis[name] = { error: path.error };
        continue;
      }
      const sampler = new RssSampler(path.processes).start();
      const t = { description: path.description };
      try {
        // Each path moves bytes for a second first and that run is dropped, as the HTTP suites'
        // wrk warm-up is: a Node hop's first second (JIT, heap growth) is not its steady state.
        if (useIperf) {
          log(`tcp: ${name} warm-up iperf3 1s`);
          await iperfRun(registry, path.bulk, 1, false);
        }
        for (const [dir, reverse] of useIperf ? [['upload', false], ['download', true]] : [['upload', false]]) {
          log(`tcp: ${name} ${dir} ${result.tool} ${seconds}s`);
          const cpu = new CpuMeter(path.bulkProcesses ?? path.processes).start();
          t[dir] = useIperf ? await iperfRun(registry, path.bulk, seconds, reverse) : await blastRun(registry, path.bulk, seconds);
          // CPU per GB moved, per process: the cost of each hop, which load on the machine hardly changes.
          const gb = t[dir].bytes / 1e9;
          t[dir].cpuMsPerGB = Object.fromEntries(Object.entries(cpu.stop()).map(([p, ms]) => [p, gb > 0 ? ms / gb : null]));
          const perHop = Object.entries(t[dir].cpuMsPerGB).map(([p, v]) => `${p} ${Math.round(v)}`).join(', ');
          log(`tcp: ${name} ${dir} ${(t[dir].bitsPerSecond / 1e9).toFixed(2)} Gbit/s${perHop ? `; CPU ms per GB: ${perHop}` : ''}`);
        }
      } catch (err) {
        log(`tcp: ${name} throughput failed: ${err.message}`);
        t.error = err.message.split('\n')[0];
        t.errorDetail = err.message;
      }
      result.throughput[name] = t;
      if (redis) {
        try {
          // A dropped warm-up run first, as for iperf3: 50 new connections through a Node hop start slow.
          const warmup = Math.max(1000, Math.round(redisRequests / 5));
          log(`tcp: ${name} warm-up redis-benchmark -n ${warmup} -c ${redisClients}`);
          await redisBenchmarkRun(registry, path.redis, warmup, redisClients);
          log(`tcp: ${name} redis-benchmark -n ${redisRequests} -c ${redisClients}`);
          result.redis[name] = await redisBenchmarkRun(registry, path.redis, redisRequests, redisClients);
          const tests = result.redis[name].tests;
          log(`tcp: ${name} redis ${Object.entries(tests).map(([k, v]) => `${k} ${Math.round(v.rps)} req/s`).join(', ')}`);
        } catch (err) {
          log(`tcp: ${name} redis-benchmark failed: ${err.message}`);
          result.redis[name] = { error: err.message.split('\n')[0], errorDetail: err.message };
        }
      }
      Object.assign(result.peakRss, sampler.stop());
    }
    result.problems = [
      ...Object.entries(result.throughput).filter(([, v]) => v.error).map(([k, v]) => `${k} throughput: ${v.error}`),
      ...Object.entries(result.redis).filter(([k, v]) => k !== 'error' && v.error).map(([k, v]) => `${k} redis-benchmark: ${v.error}`),
      ...(result.redis.error ? [result.redis.error] : []),
    ];
  } finally {
    await stopAll();
  }
  return result;
}
