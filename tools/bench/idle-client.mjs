// N idle upstream sessions, as cheap as a client can make them, to measure what one costs the
// gateway. It imports nothing from our build: a raw `ws` WebSocket per session and just enough
// yamux (lib/yamux-lite.mjs) to stay alive: answer every ping with a ping ACK echoing the opaque
// value. It opens no streams; with `respond`, each stream the gateway opens gets `200 ok` (so a
// proxy can prove every endpoint routable), otherwise streams are ignored and counted.
// Usage: node idle-client.mjs <ws://host:port/piko/v1/upstream/> <count> [endpointPrefix] [respond]
// stdout: JSON lines {event:"connected"|"status", open, failed, pinged, pings, closed, goAways, firstError}
import WebSocket from 'ws';
import { attachYamux } from './lib/yamux-lite.mjs';

const [baseUrl, countArg, prefix = 'idle-', mode = ''] = process.argv.slice(2);
const count = Number(countArg);
const respond = mode === 'respond';
const CONNECT_CONCURRENCY = 50;

const stats = { open: 0, failed: 0, pinged: 0, pings: 0, closed: 0, goAways: 0, streamsIgnored: 0, streamsAnswered: 0, firstError: null };
const sockets = [];

function connect(i) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${baseUrl}${prefix}${i}`, { perMessageDeflate: false });
    sockets.push(ws);
    let opened = false;
    ws.once('open', () => {
      opened = true;
      stats.open += 1;
      attachYamux(ws, stats, { respond });
      resolve();
    });
    ws.on('error', (err) => {
      stats.firstError ??= err.message;
      if (!opened) {
        stats.failed += 1;
        resolve();
      }
    });
    ws.once('close', () => {
      if (opened) {
        stats.open -= 1;
        stats.closed += 1;
      }
    });
  });
}

async function main() {
  let next = 0;
  const worker = async () => {
    while (next < count) await connect(next++);
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
  process.stdout.write(`${JSON.stringify({ event: 'connected', ...stats })}\n`);
  setInterval(() => process.stdout.write(`${JSON.stringify({ event: 'status', ...stats })}\n`), 1000);
}

process.on('SIGTERM', () => {
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
main();
