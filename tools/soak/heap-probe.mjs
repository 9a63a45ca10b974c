// Live memory of a Node process from the outside, over its inspector (--inspect=127.0.0.1:PORT):
// a full GC forced, then process.memoryUsage() (heapUsed is then the live JS heap, not whatever
// garbage a read happens to find) and, on request, a heap snapshot written by the process itself
// (v8.writeHeapSnapshot) for heap-summary.mjs to count objects by constructor. RSS alone cannot
// tell a leak from V8 and the allocator keeping freed pages (see README.md, "RSS and the heap").
import { connectInspector } from '../bench/lib/inspector.mjs';

/**
 * Connects to the inspector on 127.0.0.1:port. Returns { gcMemoryUsage(), writeSnapshot(path), close() }.
 * Throws InspectorError (tools/bench/lib/inspector.mjs) when the port has no inspector target.
 */
export async function connectHeapProbe(port) {
  const inspector = await connectInspector(port);
  return {
    /**
     * Two full GCs (the second collects what the first's finalizers released), then
     * process.memoryUsage(): { rss, heapTotal, heapUsed, external, arrayBuffers } in bytes, with
     * the process's pid and uptimeMs (a restarted process is a new pid).
     */
    async gcMemoryUsage() {
      await inspector.collectGarbage();
      await inspector.collectGarbage();
      return JSON.parse(await inspector.evaluate('JSON.stringify({ ...process.memoryUsage(), pid: process.pid, uptimeMs: process.uptime() * 1000 })'));
    },
    /** The process writes a heap snapshot to `path` (a full GC comes first); resolves when written. */
    writeSnapshot: (path) => inspector.evaluate(`require('v8').writeHeapSnapshot(${JSON.stringify(path)})`),
    close: inspector.close,
  };
}

/** One probe of a process, never throwing: { ...memoryUsage, snapshot? } or { error }. */
export async function probe(port, snapshotPath) {
  let p;
  try {
    p = await connectHeapProbe(port);
    const usage = await p.gcMemoryUsage();
    if (snapshotPath) usage.snapshot = await p.writeSnapshot(snapshotPath);
    return usage;
  } catch (err) {
    return { error: err.message };
  } finally {
    p?.close();
  }
}
