// Registration churn: opens upstream sessions at a fixed rate, each for a new endpoint, spread
// round robin over the gateways, and closes each after its lifetime, so the cluster sees `rate`
// registrations and (after the first lifetime) as many deregistrations per second. To cost the
// machine as little as possible (the gateways, not this client, are under test) a session is a raw
// TCP socket that writes a fixed WebSocket upgrade request and, once `101` arrives, holds the
// socket without speaking yamux (the gateway's first keepalive ping is 30 s away, past any
// lifetime used here), then destroys it: to the gateway an upstream that connected, registered its
// endpoint and dropped. Imports nothing from our build.
// Usage: node churn-client.mjs <ws base URLs, comma-separated> <rate/s> <durationMs> <lifetimeMs> <endpointPrefix> <timesFile>
// Times are wall-clock ms with sub-ms precision (performance.timeOrigin + now(), comparable across
// processes on this machine). timesFile gets [[index, sentAt, openAt|null, tcpConnectedAt|null], ...]; stdout one JSON
// line of totals at the end: { offered, opened, failed, closedEarly, offerSeconds, achievedRate, maxLagMs, firstError }.
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [urlsArg, rateArg, durationArg, lifetimeArg, prefix, timesFile] = process.argv.slice(2);
const urls = urlsArg.split(',');
const rate = Number(rateArg);
const durationMs = Number(durationArg);
const lifetimeMs = Number(lifetimeArg);
const total = Math.round((rate * durationMs) / 1000);
const TICK_MS = 5;

const now = () => performance.timeOrigin + performance.now();
const stats = { opened: 0, failed: 0, closedEarly: 0, refused: 0, firstError: null };
const times = new Array(total);
const live = new Set();
let maxLagMs = 0;
const targets = urls.map((u) => {
  const url = new URL(u);
  return { host: url.hostname, port: Number(url.port), path: url.pathname, hostHeader: url.host };
});

function open(i) {
  const target = targets[i % targets.length];
  const sentAt = now();
  times[i] = [i, sentAt, null, null];
  const socket = net.connect({ host: target.host, port: target.port });
  live.add(socket);
  socket.setNoDelay(true);
  let closing = false;
  let head = '';
  socket.once('connect', () => {
    times[i][3] = now();
    socket.write(
      `GET ${target.path}${prefix}${i} HTTP/1.1\r\nHost: ${target.hostHeader}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
  });
  socket.on('data', (chunk) => {
    if (times[i][2] !== null) return; // yamux bytes after the upgrade: not read
    head += chunk.toString('latin1');
    if (!head.includes('\r\n')) return;
    if (!head.startsWith('HTTP/1.1 101')) {
      stats.refused += 1;
      stats.firstError ??= head.split('\r\n')[0];
      socket.destroy();
      return;
    }
    times[i][2] = now();
    stats.opened += 1;
    setTimeout(() => {
      closing = true;
      socket.destroy();
    }, lifetimeMs);
  });
  socket.on('error', (err) => {
    stats.firstError ??= err.message;
  });
  socket.once('close', () => {
    live.delete(socket);
    if (times[i][2] === null) stats.failed += 1;
    else if (!closing) stats.closedEarly += 1;
  });
}

const started = now();
let next = 0;
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const elapsed = now() - started;
    const due = Math.min(total, Math.floor((elapsed * rate) / 1000));
    // How far behind the schedule this tick starts (the client's own lag, not the cluster's).
    if (due > next) maxLagMs = Math.max(maxLagMs, elapsed - (next * 1000) / rate);
    while (next < due) open(next++);
    if (next >= total) {
      clearInterval(timer);
      resolve();
    }
  }, TICK_MS);
});
const offerSeconds = (now() - started) / 1000;
// Wait for the last sessions to open and live out their lifetime.
const deadline = now() + lifetimeMs + 10_000;
while (live.size > 0 && now() < deadline) await new Promise((r) => setTimeout(r, 100));
writeFileSync(timesFile, JSON.stringify(times));
process.stdout.write(`${JSON.stringify({ offered: total, ...stats, stillOpen: live.size, offerSeconds, achievedRate: total / offerSeconds, maxLagMs })}\n`);
for (const socket of live) socket.destroy();
process.exit(0);
