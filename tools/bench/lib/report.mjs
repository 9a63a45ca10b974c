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
        });
      }
    }
  }
  return ratios;
}

export function ratioTable(ratios) {
  return table(
    ['path', 'vs', 'conns', 'req/s ratio', '+p50 ms', '+p99 ms'],
    ratios.map((r) => [r.path, r.baseline, r.connections, fmt.ratio(r.requestsPerSecRatio), fmt.ms(r.addedP50Ms), fmt.ms(r.addedP99Ms)]),
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
  {
    const p = tp('piko', 50);
    const s = tp('ssh', 50);
    const value = p && s ? p.requestsPerSec / s.requestsPerSec : null;
    const errs = value === null ? 0 : errorCount(p, s);
    push('piko-c50-vs-ssh', 'piko req/s at 50 connections vs ssh -R', '>= 1.00x', value === null ? null : withErrors(fmt.ratio(value), errs), value >= 1 && !errs, why('piko', 'ssh'));
  }
  {
    const p = tp('piko', 1);
    const d = tp('direct', 1);
    const value = p && d ? p.latencyMs.p50 - d.latencyMs.p50 : null;
    const errs = value === null ? 0 : errorCount(p, d);
    push('piko-c1-added-p50', 'piko added p50 latency at 1 connection over direct', '<= 0.500 ms', value === null ? null : withErrors(`${value.toFixed(3)} ms`, errs), value <= 0.5 && !errs, why('piko', 'direct'));
  }
  {
    const piko = results.paths.piko;
    const peaks = {};
    for (const phase of [piko?.throughputPeakRss, piko?.large?.download?.peakRss, piko?.large?.upload?.peakRss]) {
      for (const [name, bytes] of Object.entries(phase ?? {})) {
        if (name.startsWith('piko-')) peaks[name] = Math.max(peaks[name] ?? 0, bytes);
      }
    }
    const names = Object.keys(peaks);
    const worst = names.length ? Math.max(...Object.values(peaks)) : null;
    const value = worst === null ? null : names.map((n) => `${n} ${fmt.mb(peaks[n])}`).join(', ');
    push('piko-peak-rss', 'peak RSS of every piko process (throughput + large bodies)', '< 150 MB each', value, worst < 150 * MB, why('piko'));
  }
  {
    const idle = results.idle;
    const v = idle?.rssPerSession ?? null;
    let note = idle?.error ?? 'not measured in this run';
    if (idle && !idle.error && idle.stillOpen === 0) note = 'no session stayed open';
    const shown = v === null || idle?.stillOpen === 0 ? null : `${fmt.kib(v)}${idle.heapPerSession === null ? '' : ` (heap ${fmt.kib(idle.heapPerSession)})`}${idle.pinged < idle.stillOpen ? `, only ${idle.pinged} pinged` : ''}`;
    push('idle-rss-per-session', `gateway RSS per idle upstream session (${idle?.sessions ?? '-'} sessions)`, '<= 20.0 KiB', shown, v <= 20 * KiB, note);
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
