// Turns the measurements into what a person reads (tables, ratios, targets with PASS/MISS) and
// what a machine reads (results.json). Nothing here measures; nothing here asserts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const MB = 1e6;
export const KiB = 1024;

export const fmt = {
  num: (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })),
  ms: (n) => (n === null || n === undefined ? '-' : n.toFixed(3)),
  mb: (bytes) => (bytes === null || bytes === undefined ? '-' : `${(bytes / MB).toFixed(1)} MB`),
  kib: (bytes) => (bytes === null || bytes === undefined ? '-' : `${(bytes / KiB).toFixed(1)} KiB`),
  ratio: (r) => (r === null || r === undefined || !Number.isFinite(r) ? '-' : `${r.toFixed(2)}x`),
};

/** Plain-text table: `rows` are arrays of cells; numbers right-aligned by the caller's formatting. */
export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells) => cells.map((c, i) => String(c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function errorSummary(errors) {
  if (!errors) return '-';
  const parts = Object.entries(errors).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`);
  return parts.length ? parts.join(', ') : '0';
}

export function throughputTable(results) {
  const rows = [];
  for (const [name, path] of Object.entries(results.paths)) {
    if (path.error) {
      rows.push([name, '-', '-', '-', '-', '-', `not run: ${path.error}`]);
      continue;
    }
    for (const r of path.throughput ?? []) {
      rows.push([name, r.connections, fmt.num(r.requestsPerSec), fmt.ms(r.latencyMs.p50), fmt.ms(r.latencyMs.p99), fmt.ms(r.latencyMs.avg), errorSummary(r.errors)]);
    }
  }
  return table(['path', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'avg ms', 'errors'], rows);
}

/**
 * Each path against each baseline listed before it (ssh vs direct; piko vs direct and ssh) at each
 * concurrency: req/s ratio and added latency.
 */
export function computeRatios(results, baselines) {
  const ratios = [];
  const order = Object.keys(results.paths);
  const at = (path, c) => results.paths[path]?.throughput?.find((r) => r.connections === c);
  for (const [name, path] of Object.entries(results.paths)) {
    for (const r of path.throughput ?? []) {
      for (const base of baselines) {
        if (order.indexOf(base) >= order.indexOf(name)) continue;
        const b = at(base, r.connections);
        if (!b) continue;
        ratios.push({
          path: name,
          baseline: base,
          connections: r.connections,
          requestsPerSecRatio: r.requestsPerSec / b.requestsPerSec,
          addedP50Ms: r.latencyMs.p50 - b.latencyMs.p50,
          addedP99Ms: r.latencyMs.p99 - b.latencyMs.p99,
          p99Ratio: r.latencyMs.p99 / b.latencyMs.p99,
        });
      }
    }
  }
  return ratios;
}

export function ratioTable(ratios) {
  return table(
    ['path', 'vs', 'conns', 'req/s ratio', '+p50 ms', '+p99 ms', 'p99 ratio'],
    ratios.map((r) => [r.path, r.baseline, r.connections, fmt.ratio(r.requestsPerSecRatio), fmt.ms(r.addedP50Ms), fmt.ms(r.addedP99Ms), fmt.ratio(r.p99Ratio)]),
  );
}

export function largeTable(results) {
  const rows = [];
  for (const [name, path] of Object.entries(results.paths)) {
    if (path.error) continue;
    for (const mode of ['download', 'upload']) {
      const r = path.large?.[mode];
      if (!r) continue;
      if (r.error) {
        rows.push([name, mode, '-', '-', `failed: ${r.error.split('\n')[0]}`]);
        continue;
      }
      const rss = Object.entries(r.peakRss).map(([p, b]) => `${p} ${fmt.mb(b)}`).join(', ');
      rows.push([name, mode, fmt.num(r.mbPerSec, 1), fmt.num(r.seconds, 2), rss]);
    }
  }
  return table(['path', 'body', 'MB/s', 'seconds', 'peak RSS (sampled every 100 ms)'], rows);
}

export function idleTable(idle) {
  if (!idle) return '(not run)';
  if (idle.error) return `not run: ${idle.error}`;
  return table(
    ['sessions', 'connected', 'failed', 'pinged', 'still open', 'held s', 'RSS before', 'RSS after', 'RSS/session', 'heap/session', 'external/session'],
    [[idle.sessions, idle.connected, idle.failed, idle.pinged, idle.stillOpen, fmt.num(idle.heldSeconds, 1), fmt.mb(idle.rssBefore), fmt.mb(idle.rssAfter), fmt.kib(idle.rssPerSession), fmt.kib(idle.heapPerSession), fmt.kib(idle.externalPerSession)]],
  );
}

export function propagationTable(p) {
  if (!p) return '(not run)';
  if (p.error) return `not run: ${p.error}`;
  const rows = [];
  const lib = p.library;
  rows.push([`registry + bus -> RoutingTable (measureRedisNatsPropagation, ${lib.readers} readers)`, lib.samples, lib.timeouts, fmt.ms(lib.p50Ms), fmt.ms(lib.p99Ms), fmt.ms(lib.maxMs)]);
  const e2e = p.endToEnd;
  if (e2e?.error) rows.push(['agent start -> 200 at every proxy', '-', '-', '-', '-', `failed: ${e2e.error}`]);
  else if (e2e) rows.push([`agent start -> 200 at every proxy (${e2e.proxies} proxies; includes node start-up + agent connect; polled every ${e2e.pollIntervalMs} ms)`, e2e.samples.length - e2e.timeouts, e2e.timeouts, fmt.ms(e2e.p50Ms), fmt.ms(e2e.p99Ms), fmt.ms(e2e.maxMs)]);
  return table(['measured', 'samples', 'timeouts', 'p50 ms', 'p99 ms', 'max ms'], rows);
}

export function failoverTable(f) {
  if (!f) return '(not run)';
  if (f.error) return `not run: ${f.error}`;
  const kinds = Object.entries(f.failureKinds).map(([k, v]) => `${k} x${v}`).join(', ') || '-';
  const served = Object.entries(f.relayStreamsAcceptedBeforeKill ?? {}).map(([g, n]) => `${g} ${n ?? '-'}`).join(', ');
  return [
    table(
      ['killed', 'loops', 'watched s', 'requests', 'failed before', 'failed after', 'first failure ms', 'last failure ms (recovery)', 'recovered', 'failures'],
      [[f.killed, f.workers, fmt.num((f.beforeMs + f.afterMs) / 1000, 1), f.requests, f.failuresBeforeKill, f.failuresAfterKill, f.firstFailureMs === null ? '-' : fmt.num(f.firstFailureMs, 1), fmt.num(f.recoveryMs, 1), f.recovered ? 'yes' : 'no', kinds]],
    ),
    `relay streams each gateway accepted before the kill: ${served || '-'}`,
  ].join('\n');
}

const gbit = (bps) => (bps === null || bps === undefined ? '-' : `${(bps / 1e9).toFixed(2)}`);

export function tcpTable(t) {
  if (!t) return '(not run)';
  if (t.error) return `not run: ${t.error}`;
  const out = [];
  const rows = [];
  for (const [name, r] of Object.entries(t.throughput)) {
    if (r.error) {
      rows.push([name, '-', '-', '-', '-', '-', `not run: ${r.error}`]);
      continue;
    }
    for (const dir of ['upload', 'download']) {
      if (!r[dir]) continue;
      const vs = (base) => (t.throughput[base]?.[dir] && name !== base && name !== 'direct' ? fmt.ratio(r[dir].bitsPerSecond / t.throughput[base][dir].bitsPerSecond) : '-');
      const cpu = Object.entries(r[dir].cpuMsPerGB ?? {}).map(([p, v]) => `${p} ${fmt.num(v)}`);
      const total = Object.values(r[dir].cpuMsPerGB ?? {}).reduce((a, b) => a + (b ?? 0), 0);
      rows.push([name, dir === 'upload' ? 'client -> service' : 'service -> client', gbit(r[dir].bitsPerSecond), vs('direct'), vs('ssh'), vs('node-2hop'), r[dir].retransmits ?? '-', cpu.length ? `${fmt.num(total)}: ${cpu.join(', ')}` : '-']);
    }
  }
  out.push(`${t.tool}, ${t.seconds}s per run; Gbit/s = 10^9 bits/s received`);
  out.push(table(['path', 'direction', 'Gbit/s', 'vs direct', 'vs ssh -L', 'vs node-2hop', 'retransmits', 'CPU ms per GB moved (total: per process)'], rows));
  if (t.redis.error) out.push('', `redis-benchmark: not run: ${t.redis.error}`);
  else {
    const rrows = [];
    for (const [name, r] of Object.entries(t.redis)) {
      if (r.error) {
        rrows.push([name, '-', '-', '-', '-', '-', '-', `not run: ${r.error}`]);
        continue;
      }
      for (const [test, v] of Object.entries(r.tests)) {
        const vs = (base) => {
          const b = t.redis[base]?.tests?.[test];
          return b && name !== base && name !== 'direct' ? fmt.ratio(v.rps / b.rps) : '-';
        };
        rrows.push([name, test, fmt.num(v.rps), fmt.ms(v.p50Ms), fmt.ms(v.p99Ms), vs('direct'), vs('ssh'), vs('node-2hop')]);
      }
    }
    const cmd = Object.values(t.redis).find((r) => r.command)?.command ?? 'redis-benchmark';
    out.push('', cmd.replace(/-p \d+ /, ''), table(['path', 'test', 'req/s', 'p50 ms', 'p99 ms', 'vs direct', 'vs ssh -L', 'vs node-2hop'], rrows));
  }
  const rss = Object.entries(t.peakRss ?? {}).map(([p, b]) => `${p} ${fmt.mb(b)}`).join(', ');
  if (rss) out.push('', `peak RSS: ${rss}`);
  return out.join('\n');
}

/**
 * The issue's targets. Each yields { id, description, target, value, status: PASS|MISS|N/A, note }.
 * N/A means the figure could not be measured in this run (and says why).
 */
export function evaluateTargets(results) {
  const out = [];
  const tp = (path, c) => results.paths[path]?.throughput?.find((r) => r.connections === c);
  const why = (...paths) => paths.map((p) => results.paths[p]?.error && `${p}: ${results.paths[p].error}`).filter(Boolean).join('; ') || 'not measured in this run';
  const push = (id, description, target, value, pass, note) =>
    out.push({ id, description, target, value, status: value === null ? 'N/A' : pass ? 'PASS' : 'MISS', note: value === null ? note : undefined });

  // A run with failed requests cannot pass a speed target: errors are often the fastest answer.
  const errorCount = (...runs) => runs.reduce((n, r) => n + Object.values(r.errors).reduce((a, b) => a + b, 0), 0);
  const withErrors = (text, n) => (n ? `${text} (${n} errors)` : text);
  const reqRatio = (id, path, base, c, goal, label) => {
    const p = tp(path, c);
    const b = tp(base, c);
    const value = p && b ? p.requestsPerSec / b.requestsPerSec : null;
    const errs = value === null ? 0 : errorCount(p, b);
    const shown = value === null ? null : withErrors(`${fmt.ratio(value)} (${fmt.num(p.requestsPerSec)} vs ${fmt.num(b.requestsPerSec)} req/s)`, errs);
    push(id, label, `>= ${goal.toFixed(2)}x`, shown, value >= goal && !errs, why(path, base));
  };
  reqRatio('piko-c50-vs-ssh', 'piko', 'ssh', 50, 0.8, 'small requests at 50 connections, single process: piko req/s vs ssh -R');
  reqRatio('piko-c50-vs-node-2hop', 'piko', 'node-2hop', 50, 1.0, 'small requests at 50 connections, single process: piko req/s vs node-2hop');
  {
    const p = tp('piko', 50);
    const s = tp('ssh', 50);
    const value = p && s ? p.latencyMs.p99 / s.latencyMs.p99 : null;
    const errs = value === null ? 0 : errorCount(p, s);
    const shown = value === null ? null : withErrors(`${fmt.ratio(value)} (${fmt.ms(p.latencyMs.p99)} vs ${fmt.ms(s.latencyMs.p99)} ms)`, errs);
    push('piko-c50-p99-vs-ssh', 'p99 latency at 50 connections: piko vs ssh -R', '<= 0.50x', shown, value <= 0.5 && !errs, why('piko', 'ssh'));
  }
  reqRatio('cluster-c50-vs-ssh', 'cluster', 'ssh', 50, 0.6, 'cluster path (proxy -> gateway -> agent, Redis + NATS) req/s at 50 connections vs ssh -R');
  {
    const p = tp('piko', 1);
    const d = tp('direct', 1);
    const value = p && d ? p.latencyMs.p50 - d.latencyMs.p50 : null;
    const errs = value === null ? 0 : errorCount(p, d);
    const shown = value === null ? null : withErrors(`+${value.toFixed(3)} ms (${fmt.ms(p.latencyMs.p50)} vs ${fmt.ms(d.latencyMs.p50)} ms)`, errs);
    push('piko-c1-added-p50', 'piko added p50 latency at 1 connection over direct', '<= +0.150 ms', shown, value <= 0.15 && !errs, why('piko', 'direct'));
  }
  {
    // Every process a large body crosses on the piko paths (not the load generator or upstream).
    const peaks = {};
    for (const path of ['piko', 'cluster']) {
      const large = results.paths[path]?.large;
      for (const mode of ['download', 'upload']) {
        for (const [name, bytes] of Object.entries(large?.[mode]?.peakRss ?? {})) {
          if (!name.startsWith('piko-')) continue;
          const key = `${path === 'piko' ? '' : `${path}:`}${name}`;
          peaks[key] = Math.max(peaks[key] ?? 0, bytes);
        }
      }
    }
    const names = Object.keys(peaks);
    const worst = names.length ? Math.max(...Object.values(peaks)) : null;
    const value = worst === null ? null : names.map((n) => `${n} ${fmt.mb(peaks[n])}`).join(', ');
    const size = fmt.num(results.options.bodyBytes / 1024 ** 2);
    push('piko-peak-rss', `peak RSS of every piko process during a ${size} MiB download and upload (piko, cluster paths)`, '< 150 MB each', value, worst < 150 * MB, why('piko', 'cluster'));
  }
  {
    const idle = results.idle;
    const v = idle?.rssPerSession ?? null;
    let note = idle?.error ?? 'not measured in this run';
    if (idle && !idle.error && idle.stillOpen === 0) note = 'no session stayed open';
    const shown = v === null || idle?.stillOpen === 0 ? null : `${fmt.kib(v)}${idle.heapPerSession === null ? '' : ` (heap ${fmt.kib(idle.heapPerSession)})`}${idle.pinged < idle.stillOpen ? `, only ${idle.pinged} pinged` : ''}`;
    push('idle-rss-per-session', `gateway RSS per idle upstream session (${idle?.sessions ?? '-'} sessions)`, '<= 20.0 KiB', shown, v <= 20 * KiB, note);
  }
  {
    const lib = results.propagation?.library;
    const v = lib && lib.samples > 0 ? lib.p99Ms : null;
    const shown = v === null ? null : `p99 ${v.toFixed(2)} ms (p50 ${lib.p50Ms.toFixed(2)} ms, ${lib.samples} samples${lib.timeouts ? `, ${lib.timeouts} timed out` : ''})`;
    push('registration-propagation-p99', 'registration visible in every proxy routing table (Redis + NATS), p99', '<= 50 ms', shown, v <= 50 && !lib?.timeouts, results.propagation?.error ?? 'not measured in this run');
  }
  {
    const f = results.failover;
    const v = f && !f.error ? f.recoveryMs : null;
    const shown = v === null ? null : `${(v / 1000).toFixed(2)} s (${f.failuresAfterKill} of ${f.requests} requests failed${f.recovered ? '' : ', still failing when the window ended'})`;
    push('kill9-recovery', 'after kill -9 of a gateway, requests succeed again (kill -> last failure)', '<= 3 s', shown, v <= 3000 && f?.recovered, f?.error ?? 'not measured in this run');
  }
  {
    const t = results.tcp?.throughput;
    const p = t?.piko;
    const sh = t?.ssh;
    const dirs = p && sh && !p.error && !sh.error ? ['upload', 'download'].filter((d) => p[d] && sh[d]) : [];
    const ratios = dirs.map((d) => p[d].bitsPerSecond / sh[d].bitsPerSecond);
    const worst = ratios.length ? Math.min(...ratios) : null;
    const shown = worst === null ? null : dirs.map((d, i) => `${d} ${fmt.ratio(ratios[i])} (${gbit(p[d].bitsPerSecond)} vs ${gbit(sh[d].bitsPerSecond)} Gbit/s)`).join(', ');
    push('tcp-vs-ssh', `TCP throughput (${results.tcp?.tool ?? 'iperf3'}) via piko forward tcp -> proxy -> piko agent tcp vs ssh -L, each direction`, '>= 1.00x', shown, worst >= 1, results.tcp?.error ?? p?.error ?? sh?.error ?? 'not measured in this run');
  }
  {
    const r = results.tcp?.redis;
    const p = r?.piko?.tests;
    const d = r?.direct?.tests;
    const tests = p && d ? Object.keys(d).filter((k) => p[k]) : [];
    const ratios = tests.map((k) => p[k].rps / d[k].rps);
    const worst = ratios.length ? Math.min(...ratios) : null;
    const shown = worst === null ? null : tests.map((k, i) => `${k} ${fmt.ratio(ratios[i])}`).join(', ');
    push('redis-benchmark-vs-direct', 'redis-benchmark GET/SET req/s through the piko tcp tunnel vs direct (each test)', '>= 0.50x', shown, worst >= 0.5, results.tcp?.error ?? r?.error ?? r?.piko?.error ?? r?.direct?.error ?? 'not measured in this run');
  }
  return out;
}

export function targetsTable(targets) {
  return table(
    ['target', 'status', 'goal', 'measured'],
    targets.map((t) => [t.description, t.status, t.target, t.value ?? t.note]),
  );
}

export function writeJson(file, data) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}
