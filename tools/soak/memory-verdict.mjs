// The soak's memory criterion for piko processes: live memory after a forced full GC (heap-probe.mjs),
// compared between the first probe after a process's warm-up and its last probe under load.
// Why not sampled RSS: a Node process's RSS at any moment is mostly V8 heap that holds garbage
// awaiting the next major GC, whose timing depends on allocation rate and V8's heap-growing
// heuristics; the same process shows 95 MiB right after a GC and 135 MiB a minute later with no
// more live memory (see README.md, "Memory: what the verdict measures").

export const GROWTH_TARGET_PCT = 5;

/**
 * probes: [{ label, t, name, usage: { heapUsed, rss, pid, uptimeMs, ... } | { error } }].
 * One row per process incarnation (name, pid): { name, pid, base, end, quiet, heapGrowthPct,
 * rssGrowthPct, verdict } where base is the first probe at least `warmupMs` into the process's
 * life, end its last probe before the quiet phase, quiet its probe after it (if any). verdict:
 * 'PASS' when heapUsed and RSS after GC both grew less than GROWTH_TARGET_PCT, 'MISS' otherwise,
 * or a note when the incarnation had fewer than two probes after its warm-up.
 */
export function memoryVerdicts(probes, warmupMs) {
  const byIncarnation = new Map();
  for (const p of probes) {
    if (p.usage.error) continue;
    const key = `${p.name} ${p.usage.pid}`;
    if (!byIncarnation.has(key)) byIncarnation.set(key, []);
    byIncarnation.get(key).push(p);
  }
  const rows = [];
  for (const list of byIncarnation.values()) {
    const { name } = list[0];
    const { pid } = list[0].usage;
    const quiet = list.find((p) => p.label === 'quiet');
    const loaded = list.filter((p) => p.label !== 'quiet' && p.usage.uptimeMs >= warmupMs);
    if (loaded.length < 2) {
      rows.push({ name, pid, quiet, verdict: 'too few probes after its warm-up to compare' });
      continue;
    }
    const base = loaded[0];
    const end = loaded[loaded.length - 1];
    const growth = (field) => ((end.usage[field] - base.usage[field]) / base.usage[field]) * 100;
    const heapGrowthPct = growth('heapUsed');
    const rssGrowthPct = growth('rss');
    const verdict = heapGrowthPct < GROWTH_TARGET_PCT && rssGrowthPct < GROWTH_TARGET_PCT ? 'PASS' : 'MISS';
    rows.push({ name, pid, base, end, quiet, heapGrowthPct, rssGrowthPct, verdict });
  }
  return rows;
}
