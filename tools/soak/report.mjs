// The soak's text report: what ran, on what machine, and the figures the issue asks for.
import { formatMs } from './options.mjs';
import { GROWTH_TARGET_PCT, memoryVerdicts } from './memory-verdict.mjs';

const MiB = 1024 * 1024;
// A failure this close to a disruption is listed beside it (a clue, not an explanation).
const NEAR_MS = 10_000;

const mib = (bytes) => (bytes === undefined ? '-' : (bytes / MiB).toFixed(1));

/** Renders the report; every figure comes from the run's own counters and samples. */
export function renderReport({ t0, opts, machine, capacity, rate, load, elapsedMs, gatewayRestart, agentRestarts, events, rssRows, crashes = [], heapProbes = [] }) {
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
  const pct = (n) => `${n >= 0 ? '+' : ''}${n.toFixed(1)} %`;
  const probed = new Set(heapProbes.map((p) => p.usage.pid).filter(Boolean));
  if (heapProbes.length > 0) {
    out(`## Memory after warm-up: live memory after a forced GC (the verdict; target: growth < ${GROWTH_TARGET_PCT} %)`);
    out('Each piko process: its first probe at least the warm-up into its life against its last probe under load; heapUsed and RSS right after two full GCs (README.md, "Memory: what the verdict measures").');
    out('process              pid       heapUsed MiB base -> end (growth)   RSS after GC MiB base -> end (growth)   quiet heap/RSS MiB   verdict');
    for (const row of memoryVerdicts(heapProbes, opts.warmupMs)) {
      const quiet = row.quiet ? `${mib(row.quiet.usage.heapUsed)} / ${mib(row.quiet.usage.rss)}` : '-';
      if (!row.base) {
        out(`${row.name.padEnd(20)} ${String(row.pid).padEnd(9)} ${'-'.padEnd(36)}  ${'-'.padEnd(38)}  ${quiet.padEnd(19)}  ${row.verdict}`);
        continue;
      }
      const heap = `${mib(row.base.usage.heapUsed)} -> ${mib(row.end.usage.heapUsed)} (${pct(row.heapGrowthPct)})`;
      const rss = `${mib(row.base.usage.rss)} -> ${mib(row.end.usage.rss)} (${pct(row.rssGrowthPct)})`;
      out(`${row.name.padEnd(20)} ${String(row.pid).padEnd(9)} ${heap.padEnd(36)}  ${rss.padEnd(38)}  ${quiet.padEnd(19)}  ${row.verdict}`);
    }
    out();
  } else {
    out('## Memory after warm-up: no verdict (--no-heap: no forced-GC probes)');
    out();
  }
  out(`## RSS as sampled, no forced GC (information for piko processes: it follows V8's GC timing; the verdict for the others, target growth < ${GROWTH_TARGET_PCT} %)`);
  out('process              pid       baseline MiB  end MiB  peak MiB  growth   verdict');
  for (const row of rssRows) {
    const growth = row.growthPct === null ? '-' : pct(row.growthPct);
    const judged = row.growthPct === null ? row.note : row.growthPct < GROWTH_TARGET_PCT ? 'PASS' : 'MISS';
    const verdict = probed.has(row.pid) ? '(see above)' : judged;
    out(`${row.name.padEnd(20)} ${String(row.pid).padEnd(9)} ${mib(row.baselineBytes).padStart(12)}  ${mib(row.endBytes).padStart(7)}  ${mib(row.peakBytes).padStart(8)}  ${growth.padStart(8)}   ${verdict}`);
  }
  out();
  if (heapProbes.length > 0) {
    out('## Every heap probe (inspector: two full GCs, then process.memoryUsage())');
    out('process              probe      at        heapUsed MiB  heapTotal MiB  external MiB  arrayBuffers MiB  rss MiB');
    for (const p of heapProbes) {
      const at = `+${formatMs(p.t - t0)}`;
      const u = p.usage;
      if (u.error) out(`${p.name.padEnd(20)} ${p.label.padEnd(10)} ${at.padEnd(9)} error: ${u.error}`);
      else out(`${p.name.padEnd(20)} ${p.label.padEnd(10)} ${at.padEnd(9)} ${mib(u.heapUsed).padStart(12)}  ${mib(u.heapTotal).padStart(13)}  ${mib(u.external).padStart(12)}  ${mib(u.arrayBuffers).padStart(16)}  ${mib(u.rss).padStart(7)}${u.snapshot ? `  ${u.snapshot}` : ''}`);
    }
    out();
  }
  out('## Timeline');
  for (const e of events) out(`+${formatMs(e.t - t0).padEnd(8)} ${e.what}`);
  return `${lines.join('\n')}\n`;
}
