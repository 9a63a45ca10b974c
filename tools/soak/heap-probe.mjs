// Live memory of a Node process from the outside, over its inspector (--inspect=127.0.0.1:PORT):
// a full GC forced, then process.memoryUsage() (heapUsed is then the live JS heap, not whatever
// garbage a read happens to find) and, on request, a heap snapshot written by the process itself
// (v8.writeHeapSnapshot) for heap-summary.mjs to count objects by constructor. RSS alone cannot
// tell a leak from V8 and the allocator keeping freed pages (see README.md, "RSS and the heap").
import WebSocket from 'ws';
import { httpGet } from '../bench/lib/processes.mjs';

export class HeapProbeError extends Error {
  constructor(message) {
    super(message);
    this.name = 'HeapProbeError';
    this.code = 'HEAP_PROBE';
  }
}

/**
 * Connects to the inspector on 127.0.0.1:port. Returns { gcMemoryUsage(), writeSnapshot(path), close() }.
 * Throws HeapProbeError when the port has no inspector target.
 */
export async function connectHeapProbe(port) {
  const targets = JSON.parse((await httpGet(`http://127.0.0.1:${port}/json/list`)).body);
  if (!targets[0]?.webSocketDebuggerUrl) throw new HeapProbeError(`no inspector target on port ${port}`);
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString('utf8'));
    const waiter = msg.id !== undefined && pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.error) waiter.reject(new HeapProbeError(`${waiter.method}: ${msg.error.message}`));
    else waiter.resolve(msg.result);
  });
  ws.on('close', () => {
    for (const w of pending.values()) w.reject(new HeapProbeError(`${w.method}: inspector connection closed`));
    pending.clear();
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject, method });
      ws.send(JSON.stringify({ id, method, params }));
    });
  // `require` is the inspector console's (includeCommandLineAPI), whatever module system the program uses.
  const evaluate = async (expression) => {
    const res = await send('Runtime.evaluate', { expression, includeCommandLineAPI: true, returnByValue: true, awaitPromise: true });
    if (res.exceptionDetails) throw new HeapProbeError(`${expression}: ${res.exceptionDetails.exception?.description ?? res.exceptionDetails.text}`);
    return res.result.value;
  };
  await send('Runtime.enable');
  return {
    /**
     * Two full GCs (the second collects what the first's finalizers released), then
     * process.memoryUsage(): { rss, heapTotal, heapUsed, external, arrayBuffers } in bytes, with
     * the process's pid and uptimeMs (a restarted process is a new pid).
     */
    async gcMemoryUsage() {
      await send('HeapProfiler.collectGarbage');
      await send('HeapProfiler.collectGarbage');
      return JSON.parse(await evaluate('JSON.stringify({ ...process.memoryUsage(), pid: process.pid, uptimeMs: process.uptime() * 1000 })'));
    },
    /** The process writes a heap snapshot to `path` (a full GC comes first); resolves when written. */
    writeSnapshot: (path) => evaluate(`require('v8').writeHeapSnapshot(${JSON.stringify(path)})`),
    close: () => ws.close(),
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
