// What an idle upstream session costs the gateway: start `piko server`, connect N idle sessions
// from a separate process (idle-client.mjs), hold them through at least one keepalive ping, and
// divide the growth of the server's RSS (and JS heap, when /metrics exposes it) by N.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpGet, log, readRss, sleep } from './processes.mjs';
import { startPikoServer } from './piko.mjs';

const IDLE_CLIENT = join(dirname(fileURLToPath(import.meta.url)), '..', 'idle-client.mjs');

/** nodejs_heap_size_used_bytes from the admin /metrics (prom-client default metrics), or null. */
async function readHeapUsed(adminPort) {
  try {
    const res = await httpGet(`http://127.0.0.1:${adminPort}/metrics`);
    if (res.status !== 200) return null;
    const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})?\s+([\d.e+]+)/m.exec(res.body);
    return m ? Number(m[1]) : null;
  } catch {
    // /metrics is optional for this figure; RSS is the one the target is set on.
    return null;
  }
}

/** Median of a few RSS reads, so one sample taken mid-GC does not decide the figure. */
async function steadyRss(pid, samples = 5) {
  const values = [];
  for (let i = 0; i < samples; i++) {
    values.push(readRss(pid));
    await sleep(200);
  }
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}

/**
 * Returns { sessions, connected, failed, pinged, stillOpen, heldSeconds, rssBefore, rssAfter,
 *           rssPerSession, heapBefore, heapAfter, heapPerSession, firstError }.
 */
export async function runIdleSessions({ registry, root, sessions, holdMs, settleMs = 2000, nodeOptions }) {
  const server = await startPikoServer({ registry, root, nodeOptions });
  let client;
  try {
    await sleep(settleMs);
    const rssBefore = await steadyRss(server.handle.pid);
    const heapBefore = await readHeapUsed(server.adminPort);

    let connectedResolve;
    const connected = new Promise((resolve) => {
      connectedResolve = resolve;
    });
    let latest = null;
    const url = `ws://127.0.0.1:${server.upstreamPort}/piko/v1/upstream/`;
    log(`idle: node idle-client.mjs ${url} ${sessions}`);
    client = registry.spawn('idle-client', process.execPath, [IDLE_CLIENT, url, String(sessions)], {
      onStdoutLine: (line) => {
        latest = JSON.parse(line);
        if (latest.event === 'connected') connectedResolve(latest);
      },
    });
    const first = await Promise.race([connected, registry.failOnExit(client), registry.failOnExit(server.handle)]);
    log(`idle: ${first.open} sessions open, ${first.failed} failed${first.firstError ? ` (${first.firstError})` : ''}; holding up to ${holdMs / 1000}s for a keepalive ping`);

    // Hold until every session has answered a ping (or the hold time is up), so the figure
    // includes what a live session costs, not just a freshly accepted socket.
    const started = Date.now();
    while (Date.now() - started < holdMs) {
      await Promise.race([sleep(1000), registry.failOnExit(client), registry.failOnExit(server.handle)]);
      if (latest.open > 0 && latest.pinged >= first.open) break;
    }
    const heldSeconds = (Date.now() - started) / 1000;
    const rssAfter = await steadyRss(server.handle.pid);
    const heapAfter = await readHeapUsed(server.adminPort);
    const open = latest.open;
    const per = (before, after) => (before !== null && after !== null && open > 0 ? (after - before) / open : null);
    return {
      sessions,
      connected: first.open,
      failed: first.failed,
      pinged: latest.pinged,
      stillOpen: open,
      goAways: latest.goAways,
      streamsIgnored: latest.streamsIgnored,
      heldSeconds,
      rssBefore,
      rssAfter,
      rssPerSession: per(rssBefore, rssAfter),
      heapBefore,
      heapAfter,
      heapPerSession: per(heapBefore, heapAfter),
      firstError: latest.firstError,
    };
  } finally {
    await registry.stop(client);
    await registry.stop(server.handle);
  }
}
