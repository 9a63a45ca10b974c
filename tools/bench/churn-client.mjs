// Registration churn: opens upstream sessions at a fixed rate, each for a new endpoint, spread
// round robin over the gateways, and closes each after its lifetime, so the cluster sees `rate`
// registrations and (after the first lifetime) as many deregistrations per second. To cost the
// machine as little as possible (the gateways, not this client, are under test) a session is a raw
// TCP socket that writes a fixed WebSocket upgrade request and, once `101` arrives, holds the
// socket without speaking yamux (the gateway's first keepalive ping is 30 s away, past any
// lifetime used here), then destroys it: to the gateway an upstream that connected, registered its
// endpoint and dropped. Imports nothing from our build.
// Usage: node churn-client.mjs <ws base URLs, comma-separated> <rate/s> <durationMs> <lifetimeMs> <endpointPrefix> <timesFile> [<shard>/<shards> <startAt>]
// Sharded (lib/scale.mjs runs several when one process's fd limit could not hold every session the
// run may queue at the gateways): this process opens only the sessions whose index is `shard`
// modulo `shards`, on the same schedule (session i is due i / rate s after `startAt`, wall-clock ms).
// Times are wall-clock ms with sub-ms precision (performance.timeOrigin + now(), comparable across
// processes on this machine). timesFile gets [[index, sentAt, openAt|null, tcpConnectedAt|null], ...]; stdout one JSON
// line of totals at the end: { offered, opened, failed, failedLocal, failedByGateway, errors: {code: n}, refused,
// closedEarly, offerSeconds, achievedRate, maxLagMs, peakSockets, nofile, firstError }.
// A failure is either this client's own (it could not open a socket: EMFILE/ENFILE, no free
// ephemeral port) or the gateways' (refused, reset, closed or answered other than 101): the first
// says nothing about Piko, so the two are counted apart (failedLocal, failedByGateway).
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [urlsArg, rateArg, durationArg, lifetimeArg, prefix, timesFile, shardArg = '0/1', startAtArg] = process.argv.slice(2);
const [shard, shards] = shardArg.split('/').map(Number);
const urls = urlsArg.split(',');
const rate = Number(rateArg);
const durationMs = Number(durationArg);
const lifetimeMs = Number(lifetimeArg);
const total = Math.round((rate * durationMs) / 1000);
const TICK_MS = 5;
/** Source addresses on IPv4 loopback (127.0.1.1–127.0.1.64; at most 254). */
const SOURCE_ADDRESSES = 64;

const now = () => performance.timeOrigin + performance.now();
const stats = { opened: 0, failed: 0, failedLocal: 0, failedByGateway: 0, closedEarly: 0, refused: 0, errors: {}, firstError: null };
// Errors that come from this process or its kernel's limits, not from the gateway it dials.
const LOCAL_ERRORS = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'ENOMEM']);
const times = [];
const live = new Set();
let maxLagMs = 0;
let peakSockets = 0;
/** This process's RLIMIT_NOFILE (soft), from /proc/self/limits; null where that is not readable. */
function nofileLimit() {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? (m[1] === 'unlimited' ? 'unlimited' : Number(m[1])) : null;
  } catch {
    return null;
  }
}
const targets = urls.map((u) => {
  const url = new URL(u);
  // Sessions close first here, so each leaves its port in TIME_WAIT for 60 s: at 2,000/s that is
  // more than one source address has ports (28,232 here), and connect() slows to a crawl scanning
  // for a free one before failing with EADDRNOTAVAIL (19,275 did in a 60 s run). On IPv4 loopback,
  // sessions are spread over SOURCE_ADDRESSES source addresses of 127.0.0.0/8 instead.
  const sources = url.hostname.startsWith('127.') ? Array.from({ length: SOURCE_ADDRESSES }, (_, k) => `127.0.1.${k + 1}`) : undefined;
  return { host: url.hostname, port: Number(url.port), path: url.pathname, hostHeader: url.host, sources };
});

function open(i) {
  const target = targets[i % targets.length];
  const sentAt = now();
  const entry = [i, sentAt, null, null];
  times.push(entry);
  const socket = net.connect({ host: target.host, port: target.port, localAddress: target.sources?.[i % target.sources.length] });
  live.add(socket);
  if (live.size > peakSockets) peakSockets = live.size;
  socket.setNoDelay(true);
  let closing = false;
  let errorCode = null;
  let head = '';
  socket.once('connect', () => {
    entry[3] = now();
    socket.write(
      `GET ${target.path}${prefix}${i} HTTP/1.1\r\nHost: ${target.hostHeader}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
  });
  socket.on('data', (chunk) => {
    if (entry[2] !== null) return; // yamux bytes after the upgrade: not read
    head += chunk.toString('latin1');
    if (!head.includes('\r\n')) return;
    if (!head.startsWith('HTTP/1.1 101')) {
      stats.refused += 1;
      errorCode = `status ${head.slice(9, 12)}`;
      stats.firstError ??= head.split('\r\n')[0];
      socket.destroy();
      return;
    }
    entry[2] = now();
    stats.opened += 1;
    setTimeout(() => {
      closing = true;
      socket.destroy();
    }, lifetimeMs);
  });
  socket.on('error', (err) => {
    errorCode ??= err.code ?? err.message;
    stats.firstError ??= err.message;
  });
  socket.once('close', () => {
    live.delete(socket);
    if (entry[2] === null) {
      stats.failed += 1;
      const code = errorCode ?? 'closed before 101';
      stats.errors[code] = (stats.errors[code] ?? 0) + 1;
      if (LOCAL_ERRORS.has(code)) stats.failedLocal += 1;
      else stats.failedByGateway += 1;
    } else if (!closing) stats.closedEarly += 1;
  });
}

const started = startAtArg === undefined ? now() : Number(startAtArg);
while (now() < started) await new Promise((r) => setTimeout(r, Math.min(50, started - now())));
let next = shard;
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const elapsed = now() - started;
    const due = Math.min(total, Math.floor((elapsed * rate) / 1000));
    // How far behind the schedule this tick starts (the client's own lag, not the cluster's).
    if (due > next) maxLagMs = Math.max(maxLagMs, elapsed - (next * 1000) / rate);
    for (; next < due; next += shards) open(next);
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
process.stdout.write(`${JSON.stringify({ offered: times.length, ...stats, stillOpen: live.size, offerSeconds, achievedRate: times.length / offerSeconds, maxLagMs, peakSockets, nofile: nofileLimit() })}\n`);
for (const socket of live) socket.destroy();
process.exit(0);
