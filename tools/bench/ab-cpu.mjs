// A/B of piko builds (or server flags) on the single-process HTTP path: CPU time per request of
// the piko server, the agent and the upstream service (from /proc, like CpuMeter), req/s at c=50
// and p50 at c=1. Every build runs its own server + agent against one shared upstream, measured in
// alternating rounds within one run, so machine load hits all builds alike; medians are printed.
// CPU per request hardly depends on how busy the machine is, so it compares builds that req/s on
// a shared machine cannot.
//
// Usage: node tools/bench/ab-cpu.mjs name=path/to/main.js[@--server-flag=value...] ...
//   cp dist/apps/cli/main.js dist/ab/before.js   (a copy inside the repo resolves node_modules)
//   env: AB_ROUNDS (3), AB_DURATION (5s per wrk run), AB_C1=0 (skip the c=1 runs),
//        AB_NODE_OPTIONS (node flags for piko), AB_NODE_OPTIONS_<name> (node flags for one build's
//        piko processes, after AB_NODE_OPTIONS: e.g. AB_NODE_OPTIONS_semi8=--max-semi-space-size=8), AB_PROFILE=<dir> (a CPU profile of each piko
//        process over each c=50 run, through the inspector: <dir>/<name>-<server|agent>-<round>.cpuprofile)
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessRegistry, freePort, readCpuMs, waitForHttp, log } from './lib/processes.mjs';
import { parseWrkOutput, WRK_BIN } from './lib/wrk.mjs';
import { connectInspector } from './lib/inspector.mjs';
import { writeFileSync } from 'node:fs';
const profDir = process.env.AB_PROFILE;

const here = dirname(fileURLToPath(import.meta.url));
// name=path[@--server-flag=value...]
const builds = process.argv.slice(2).map((a) => { const [name, rest] = a.split(/=(.*)/s); const [path, ...serverArgs] = rest.split('@'); return { name, path, serverArgs }; });
const rounds = Number(process.env.AB_ROUNDS ?? 3);
const duration = process.env.AB_DURATION ?? '5s';
const nodeOpts = (process.env.AB_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
const registry = new ProcessRegistry();
process.on('SIGINT', async () => { await registry.stopAll(); process.exit(130); });

function wrk(c, port) {
  return new Promise((resolve, reject) => {
    execFile(WRK_BIN, ['-t1', `-c${c}`, `-d${duration}`, '--latency', '-H', 'x-piko-endpoint: bench', `http://127.0.0.1:${port}/small`], { timeout: 120000 }, (err, out) => (err ? reject(err) : resolve(parseWrkOutput(out))));
  });
}

async function main() {
  let upPort;
  const up = registry.spawn('upstream', process.execPath, [join(here, 'upstream-server.mjs')], { onStdoutLine: (l) => (upPort = JSON.parse(l).port) });
  while (!upPort) await new Promise((r) => setTimeout(r, 50));
  for (const b of builds) {
    const flags = [...nodeOpts, ...(process.env[`AB_NODE_OPTIONS_${b.name}`] ?? '').split(/\s+/).filter(Boolean)];
    const [proxyPort, upstreamPort, adminPort, relay, ops] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    b.proxyPort = proxyPort;
    b.serverInspect = await freePort(); b.agentInspect = await freePort();
    b.server = registry.spawn(`${b.name}-server`, process.execPath, [...flags, ...(profDir ? [`--inspect=127.0.0.1:${b.serverInspect}`] : []), b.path, 'server', '--proxy.bind-addr', `127.0.0.1:${proxyPort}`, '--upstream.bind-addr', `127.0.0.1:${upstreamPort}`, '--admin.bind-addr', `127.0.0.1:${adminPort}`, '--log.level', 'warn', '--proxy.access-log=false', `--relay.bind-addr=127.0.0.1:${relay}`, `--ops.bind-addr=127.0.0.1:${ops}`, ...b.serverArgs], { echoStderr: true });
    await waitForHttp(`http://127.0.0.1:${adminPort}/ready`, { timeoutMs: 30000 });
    b.agent = registry.spawn(`${b.name}-agent`, process.execPath, [...flags, ...(profDir ? [`--inspect=127.0.0.1:${b.agentInspect}`] : []), b.path, 'agent', 'http', 'bench', String(upPort), '--connect.url', `http://127.0.0.1:${upstreamPort}`, '--log.level', 'warn', '--access-log=false'], { echoStderr: true });
    await waitForHttp(`http://127.0.0.1:${proxyPort}/small`, { headers: { 'x-piko-endpoint': 'bench' }, timeoutMs: 30000 });
    await wrk(10, proxyPort); // warm-up
    if (profDir) {
      b.inspectors = { server: await connectInspector(b.serverInspect), agent: await connectInspector(b.agentInspect) };
    }
    b.runs = [];
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...builds].reverse() : builds;
    for (const b of order) {
      const s0 = readCpuMs(b.server.pid), a0 = readCpuMs(b.agent.pid), u0 = readCpuMs(up.pid);
      if (profDir) for (const i of Object.values(b.inspectors)) { await i.send('Profiler.enable'); await i.send('Profiler.setSamplingInterval', { interval: 200 }); await i.send('Profiler.start'); }
      const w = await wrk(50, b.proxyPort);
      if (profDir) for (const [role, i] of Object.entries(b.inspectors)) writeFileSync(`${profDir}/${b.name}-${role}-${r}.cpuprofile`, JSON.stringify((await i.send('Profiler.stop')).profile));
      const s1 = readCpuMs(b.server.pid), a1 = readCpuMs(b.agent.pid), u1 = readCpuMs(up.pid);
      const n = w.requests;
      const run = { rps: w.requestsPerSec, serverUs: ((s1 - s0) * 1000) / n, agentUs: ((a1 - a0) * 1000) / n, upUs: ((u1 - u0) * 1000) / n, errors: w.errors };
      if (process.env.AB_C1 !== '0') run.p50c1 = (await wrk(1, b.proxyPort)).latencyMs.p50;
      b.runs.push(run);
      log(`${b.name} round ${r}: ${JSON.stringify(run)}`);
    }
  }
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  // The upstream service does the same work per request in every build: its CPU per request
  // tracks how fast the shared machine runs at that moment, so server/upstream and agent/upstream
  // (per round, then the median) cancel much of the load's noise.
  console.log('build\treq/s c50\tserver µs/req\tagent µs/req\tupstream µs/req\tserver/upstream\tagent/upstream\tp50 c1 ms');
  for (const b of builds) {
    const f = (k) => med(b.runs.map((x) => x[k]));
    const rel = (k) => med(b.runs.map((x) => x[k] / x.upUs)).toFixed(2);
    console.log(`${b.name}\t${f('rps').toFixed(0)}\t${f('serverUs').toFixed(1)}\t${f('agentUs').toFixed(1)}\t${f('upUs').toFixed(1)}\t${rel('serverUs')}\t${rel('agentUs')}\t${process.env.AB_C1 !== '0' ? f('p50c1').toFixed(3) : '-'}`);
  }
  await registry.stopAll();
}
main().catch(async (e) => { console.error(e); await registry.stopAll(); process.exit(1); });
