// Counts a V8 heap snapshot's objects by kind and constructor, and compares two such counts:
// a leak shows as a constructor whose count grows with the number of requests served (listeners,
// timers, Map entries, per-session state never removed); V8 settling does not.
//
//   node tools/soak/heap-summary.mjs A.heapsnapshot B.heapsnapshot [--top 25]
//
// prints the constructors whose count or retained-by-themselves size (self size) grew most from A to B.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Kinds whose node name is content, not a constructor: each is counted under its kind alone.
const CONTENT_NAMED = new Set(['string', 'concatenated string', 'sliced string', 'number', 'bigint', 'regexp', 'code', 'hidden', 'array', 'symbol']);

/**
 * The object counts of a snapshot file (V8's .heapsnapshot JSON): Map of "kind name" (e.g.
 * "object Socket", "closure onread", "string") to { count, selfBytes }.
 */
export function summarizeSnapshot(path) {
  const snap = JSON.parse(readFileSync(path, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const { nodes, strings } = snap;
  const out = new Map();
  for (let i = 0; i < nodes.length; i += stride) {
    const kind = types[nodes[i + typeAt]];
    const key = CONTENT_NAMED.has(kind) ? kind : `${kind} ${strings[nodes[i + nameAt]].slice(0, 80)}`;
    const entry = out.get(key) ?? { count: 0, selfBytes: 0 };
    entry.count++;
    entry.selfBytes += nodes[i + sizeAt];
    out.set(key, entry);
  }
  return out;
}

/** Rows of B against A, biggest count growth first: { key, countA, countB, bytesA, bytesB }. */
export function compareSummaries(a, b) {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const rows = [...keys].map((key) => ({
    key,
    countA: a.get(key)?.count ?? 0,
    countB: b.get(key)?.count ?? 0,
    bytesA: a.get(key)?.selfBytes ?? 0,
    bytesB: b.get(key)?.selfBytes ?? 0,
  }));
  return rows.sort((x, y) => y.countB - y.countA - (x.countB - x.countA));
}

/** Totals of a summary: { count, selfBytes }. */
export function totals(summary) {
  let count = 0;
  let selfBytes = 0;
  for (const e of summary.values()) {
    count += e.count;
    selfBytes += e.selfBytes;
  }
  return { count, selfBytes };
}

/** Text table of the `top` rows that grew most by count and by bytes. */
export function renderComparison(a, b, top = 25) {
  const rows = compareSummaries(a, b);
  const ta = totals(a);
  const tb = totals(b);
  const lines = [`objects ${ta.count} -> ${tb.count} (${tb.count - ta.count >= 0 ? '+' : ''}${tb.count - ta.count}), self bytes ${ta.selfBytes} -> ${tb.selfBytes} (${tb.selfBytes - ta.selfBytes >= 0 ? '+' : ''}${tb.selfBytes - ta.selfBytes})`];
  const fmt = (r) => `  ${String(r.countA).padStart(8)} -> ${String(r.countB).padEnd(8)} ${String(r.bytesB - r.bytesA).padStart(10)} B  ${r.key}`;
  lines.push(`grew most by count (count A -> B, self-size change, kind constructor):`);
  for (const r of rows.slice(0, top).filter((r) => r.countB !== r.countA)) lines.push(fmt(r));
  lines.push(`grew most by self size:`);
  const byBytes = [...rows].sort((x, y) => y.bytesB - y.bytesA - (x.bytesB - x.bytesA));
  for (const r of byBytes.slice(0, top).filter((r) => r.bytesB !== r.bytesA)) lines.push(fmt(r));
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
  if (args.length !== 2) {
    process.stderr.write('usage: node tools/soak/heap-summary.mjs A.heapsnapshot B.heapsnapshot [--top 25]\n');
    process.exit(2);
  }
  process.stdout.write(`${renderComparison(summarizeSnapshot(args[0]), summarizeSnapshot(args[1]), top)}\n`);
}
