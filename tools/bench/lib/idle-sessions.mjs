// What an idle upstream session costs the gateway: start `piko server`, connect N idle sessions
// from a separate process (idle-client.mjs), hold them through at least one keepalive ping, and
// divide the growth of the server's memory by N. Each reading follows a forced full GC (through
// the inspector) so startup garbage collected between readings does not pass for a saving, and
// uncollected handshake garbage does not pass for a cost.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, log, sleep } from './processes.mjs';
import { connectInspector, settledMemory } from './inspector.mjs';
import { startPikoServer } from './piko.mjs';

const IDLE_CLIENT = join(dirname(fileURLToPath(import.meta.url)), '..', 'idle-client.mjs');

/**
 * Returns { sessions, connected, failed, pinged, stillOpen, heldSeconds, rssBefore, rssAfter,
 *           rssPerSession, heapBefore, heapAfter, heapPerSession, externalPerSession, firstError }.
 */
export async function runIdleSessions({ registry, root, sessions, holdMs, keepalive, settleMs = 2000, nodeOptions = '' }) {
  const inspectPort = await freePort();
  const server = await startPikoServer({
    registry,
    root,
    nodeOptions: `${nodeOptions} --inspect=127.0.0.1:${inspectPort}`,
    // A shorter keepalive lets a short run still see every session answer a ping; what a session
    // holds in memory does not depend on how often it is pinged.
    optionalArgs: keepalive ? [`--upstream.mux.keepalive-interval=${keepalive}`] : [],
  });
  let client;
  let inspector;
  try {
    inspector = await connectInspector(inspectPort);
    await sleep(settleMs);
    const before = await settledMemory(server.handle.pid, inspector);

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
    const failed = Promise.race([registry.failOnExit(client), registry.failOnExit(server.handle)]);
    const first = await Promise.race([connected, failed]);
    log(`idle: ${first.open} sessions open, ${first.failed} failed${first.firstError ? ` (${first.firstError})` : ''}; holding up to ${holdMs / 1000}s for a keepalive ping`);

    // Hold until every session has answered a ping (or the hold time is up), so the figure
    // includes what a live session costs, not just a freshly accepted socket.
    const started = Date.now();
    while (Date.now() - started < holdMs) {
      await Promise.race([sleep(1000), failed]);
      if (latest.open > 0 && latest.pinged >= first.open) break;
    }
    const heldSeconds = (Date.now() - started) / 1000;
    const after = await settledMemory(server.handle.pid, inspector);
    const open = latest.open;
    const per = (key) => (open > 0 ? (after[key] - before[key]) / open : null);
    return {
      sessions,
      connected: first.open,
      failed: first.failed,
      pinged: latest.pinged,
      stillOpen: open,
      goAways: latest.goAways,
      streamsIgnored: latest.streamsIgnored,
      heldSeconds,
      rssBefore: before.rss,
      rssAfter: after.rss,
      rssPerSession: per('rss'),
      heapBefore: before.heapUsed,
      heapAfter: after.heapUsed,
      heapPerSession: per('heapUsed'),
      externalPerSession: per('external'),
      firstError: latest.firstError,
    };
  } finally {
    inspector?.close();
    await registry.stop(client);
    await registry.stop(server.handle);
  }
}
