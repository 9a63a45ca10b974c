// The soak's text report: what ran, on what machine, and the figures the issue asks for.
import { formatMs } from './options.mjs';

const MiB = 1024 * 1024;
const RSS_TARGET_PCT = 5;
// A failure this close to a disruption is listed beside it (a clue, not an explanation).
const NEAR_MS = 10_000;

const mib = (bytes) => (bytes === undefined ? '-' : (bytes / MiB).toFixed(1));

/** Renders the report; every figure comes from the run's own counters and samples. */
export function renderReport({ t0, opts, machine, capacity, rate, load, elapsedMs, gatewayRestart, agentRestarts, events, rssRows, crashes = [] }) {
  const lines = [];
  const out = (line = '') => lines.push(line);
  out('# Piko soak report');
  out();
  out(`date: ${new Date().toISOString()}   node ${machine.node}   ${machine.cpus} CPUs, load average at the end ${machine.loadavg.map((n) => n.toFixed(2)).join(' ')}`);
  out('NOTE: a shared machine (other engineers build and test on the same CPUs), so capacity and latency are lower and noisier than on a dedicated host.');
  out(`cluster: 2 proxies, 2 gateways (shutdown_delay 2s, grace_period 30s), redis-server, nats-server, 4 agents (one stable, one rotating per gateway), one upstream; all on 127.0.0.1`);
  out(`duration ${formatMs(elapsedMs)} of load (asked ${formatMs(opts.durationMs)}), warm-up ${formatMs(opts.warmupMs)}, RSS sampled every ${formatMs(opts.sampleEveryMs)}, compared over ${formatMs(opts.windowMs)} windows`);
  out();
  out('## Capacity and load');
  out(`capacity: ${capacity.requestsPerSec.toFixed(0)} req/s, GET /small through both proxies at once (${capacity.errors} wrk errors, worst p99 ${capacity.p99Ms.toFixed(1)} ms) — shared machine`);
  for (const command of capacity.commands) out(`  ${command}`);
  out(`soak rate: ${rate} req/s asked (${opts.rate === undefined ? 'half of capacity' : '--rate'}); achieved ${(load.sent / (elapsedMs / 1000)).toFixed(0)} req/s sent`);
  out(`requests: ${load.sent} sent, ${load.ok} ok, ${load.failures.length} failed, ${load.shed} not sent (over ${512} in flight: the client never queues)`);
  out();
  out('## Failures');
  const explained = gatewayRestart ? load.failures.filter((f) => gatewayRestart.inFlight.has(f.id)) : [];
  const unexplained = load.failures.filter((f) => !explained.includes(f));
  if (gatewayRestart) {
    out(`gateway-2 restart: ${gatewayRestart.signal} at +${formatMs(gatewayRestart.signalledAt - t0)}; ${gatewayRestart.inFlight.size} requests in flight (all proxies, all gateways) at the signal; exited after ${formatMs(gatewayRestart.exitedAt - gatewayRestart.signalledAt)}, serving again after ${formatMs((gatewayRestart.readyAt ?? gatewayRestart.exitedAt) - gatewayRestart.signalledAt)}`);
  } else {
    out('gateway-2 restart: did not happen (run ended before half time)');
  }
  out(`agent reconnects (SIGTERM + restart of a rotating agent): ${agentRestarts}`);
  out(`failed requests: ${load.failures.length} total; explained by the restart's in-flight set: ${explained.length}; not explained: ${unexplained.length}`);
  const byReason = new Map();
  for (const f of load.failures) byReason.set(f.reason, (byReason.get(f.reason) ?? 0) + 1);
  for (const [reason, n] of byReason) out(`  ${reason}: ${n}`);
  for (const f of unexplained.slice(0, 20)) {
    const near = events.filter((e) => Math.abs(e.t - f.endedAt) <= NEAR_MS).map((e) => e.what);
    out(`  unexplained #${f.id}: ${f.reason}, started +${formatMs(f.startedAt - t0)}, took ${f.endedAt - f.startedAt} ms${near.length ? `; near: ${near.join(' | ')}` : ''}`);
  }
  if (unexplained.length > 20) out(`  ... ${unexplained.length - 20} more`);
  out(`processes that exited unasked: ${crashes.length}`);
  for (const crash of crashes) out(`CRASH: ${crash.replace(/\n/g, '\n  ')}`);
  out();
  out(`## RSS after warm-up (target: growth < ${RSS_TARGET_PCT} %)`);
  out('process              pid       baseline MiB  end MiB  peak MiB  growth   verdict');
  for (const row of rssRows) {
    const growth = row.growthPct === null ? '-' : `${row.growthPct >= 0 ? '+' : ''}${row.growthPct.toFixed(1)} %`;
    const verdict = row.growthPct === null ? row.note : row.growthPct < RSS_TARGET_PCT ? 'PASS' : 'MISS';
    out(`${row.name.padEnd(20)} ${String(row.pid).padEnd(9)} ${mib(row.baselineBytes).padStart(12)}  ${mib(row.endBytes).padStart(7)}  ${mib(row.peakBytes).padStart(8)}  ${growth.padStart(8)}   ${verdict}`);
  }
  out();
  out('## Timeline');
  for (const e of events) out(`+${formatMs(e.t - t0).padEnd(8)} ${e.what}`);
  return `${lines.join('\n')}\n`;
}
