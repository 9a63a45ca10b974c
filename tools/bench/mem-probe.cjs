// Memory composition of a piko process over time, for explaining an RSS figure (what the bench's
// RssSampler sees from outside is one number; this says what it is made of). Preload it:
//   BENCH_PIKO_NODE_OPTIONS="--require ./tools/bench/mem-probe.cjs" node tools/bench/main.mjs --only=large
// Every 100 ms it appends one JSON line to $MEM_PROBE_DIR (default: the OS temp dir)
// /mem-probe-<role>-<pid>.jsonl: ms since start, RSS, V8 heap total/used, external and
// ArrayBuffer bytes (MB, 10^6 bytes), each V8 heap space's committed size (MB), CPU ms so far,
// and the young (scavenge) and full (mark-compact) GC counts and milliseconds so far.
// With `--expose-gc` too, SIGUSR2 runs a full GC first and logs what was alive before and after
// (`"mark":"fullgc"`): live data versus garbage not yet collected. For a heap snapshot instead,
// use node's own `--heapsnapshot-signal=<signal>`.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const { PerformanceObserver, constants } = require('node:perf_hooks');

const role = process.argv[2] ?? 'node';
const file = path.join(process.env.MEM_PROBE_DIR ?? os.tmpdir(), `mem-probe-${role}-${process.pid}.jsonl`);
const fd = fs.openSync(file, 'w');
const started = Date.now();
const gc = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
const mb = (bytes) => Math.round(bytes / 1e5) / 10;

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = entry.detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      gc.minor++;
      gc.minorMs += entry.duration;
    } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      gc.major++;
      gc.majorMs += entry.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });

function memory() {
  const m = process.memoryUsage();
  return { rss: mb(m.rss), heapTotal: mb(m.heapTotal), heapUsed: mb(m.heapUsed), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
}

function write(record) {
  fs.writeSync(fd, `${JSON.stringify({ t: Date.now() - started, ...record })}\n`);
}

setInterval(() => {
  const spaces = {};
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_size > 0) spaces[s.space_name.replace(/_space$/, '')] = mb(s.space_size);
  const cpu = process.cpuUsage();
  write({ ...memory(), spaces, cpuMs: Math.round((cpu.user + cpu.system) / 1000), gc: { ...gc, minorMs: Math.round(gc.minorMs), majorMs: Math.round(gc.majorMs) } });
}, 100).unref();

if (typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    const before = memory();
    globalThis.gc();
    write({ mark: 'fullgc', before, after: memory() });
  });
}
