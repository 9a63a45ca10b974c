// A minimal Chrome DevTools Protocol client for a Node process started with --inspect: enough to
// force a full GC and read process.memoryUsage() from the outside, so memory figures compare live
// memory rather than whatever garbage happened to be uncollected at the moment of a read.
import WebSocket from 'ws';
import { httpGet, readRss, sleep } from './processes.mjs';

export class InspectorError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InspectorError';
    this.code = 'INSPECTOR';
  }
}

/**
 * Connects to the inspector on 127.0.0.1:port. Returns { collectGarbage(), memoryUsage(), send(method, params),
 * evaluate(expression), close() }; evaluate runs in the process (the console's `require` is there,
 * whatever module system the program uses; a promise is awaited) and resolves with the value.
 * Throws InspectorError when the port has no inspector target, or a call fails.
 */
export async function connectInspector(port) {
  const targets = JSON.parse((await httpGet(`http://127.0.0.1:${port}/json/list`)).body);
  if (!targets[0]?.webSocketDebuggerUrl) throw new InspectorError(`no inspector target on port ${port}`);
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
    if (msg.error) waiter.reject(new InspectorError(`${waiter.method}: ${msg.error.message}`));
    else waiter.resolve(msg.result);
  });
  ws.on('close', () => {
    for (const w of pending.values()) w.reject(new InspectorError(`${w.method}: inspector connection closed`));
    pending.clear();
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject, method });
      ws.send(JSON.stringify({ id, method, params }));
    });
  const evaluate = async (expression) => {
    const res = await send('Runtime.evaluate', { expression, includeCommandLineAPI: true, returnByValue: true, awaitPromise: true });
    if (res.exceptionDetails) throw new InspectorError(`${expression}: ${res.exceptionDetails.exception?.description ?? res.exceptionDetails.text}`);
    return res.result.value;
  };
  // Without Runtime.enable, evaluate may fail with "Cannot find context with specified id".
  await send('Runtime.enable');
  return {
    collectGarbage: () => send('HeapProfiler.collectGarbage'),
    memoryUsage: async () => JSON.parse(await evaluate('JSON.stringify(process.memoryUsage())')),
    evaluate,
    send,
    close: () => ws.close(),
  };
}

/**
 * A process's settled memory: two full GCs through `inspector` (the second takes what the first only
 * finalised), then the median of 5 RSS reads of `pid` 200 ms apart (a single read catches the
 * allocator mid-release) and the heap figures after them. Returns { rss, heapUsed, external } in
 * bytes; rejects with InspectorError when the inspector fails.
 */
export async function settledMemory(pid, inspector) {
  await inspector.collectGarbage();
  await inspector.collectGarbage();
  const values = [];
  for (let i = 0; i < 5; i++) {
    values.push(readRss(pid));
    await sleep(200);
  }
  values.sort((a, b) => a - b);
  const usage = await inspector.memoryUsage();
  return { rss: values[2], heapUsed: usage.heapUsed, external: usage.external };
}
