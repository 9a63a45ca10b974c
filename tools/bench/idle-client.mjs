// N idle upstream sessions, as cheap as a client can make them, to measure what one costs the
// gateway. It imports nothing from our build: a raw `ws` WebSocket per session and just enough
// yamux (hashicorp spec, protocol v0) to stay alive: answer every ping with a ping ACK echoing the
// opaque value. It opens no streams and sends nothing else.
// Usage: node idle-client.mjs <ws://host:port/piko/v1/upstream/> <count> [endpointPrefix]
// stdout: JSON lines {event:"connected"|"status", open, failed, pinged, pings, closed, goAways, firstError}
import WebSocket from 'ws';

const [baseUrl, countArg, prefix = 'idle-'] = process.argv.slice(2);
const count = Number(countArg);
const CONNECT_CONCURRENCY = 50;

const HEADER_LEN = 12;
const TYPE_DATA = 0;
const TYPE_PING = 2;
const TYPE_GO_AWAY = 3;
const FLAG_SYN = 0x1;
const FLAG_ACK = 0x2;

const stats = { open: 0, failed: 0, pinged: 0, pings: 0, closed: 0, goAways: 0, streamsIgnored: 0, firstError: null };
const sockets = [];

function pingAck(opaque) {
  const frame = Buffer.alloc(HEADER_LEN);
  frame.writeUInt8(0, 0); // version
  frame.writeUInt8(TYPE_PING, 1);
  frame.writeUInt16BE(FLAG_ACK, 2);
  frame.writeUInt32BE(0, 4); // session-level: stream id 0
  frame.writeUInt32BE(opaque, 8);
  return frame;
}

/** Reads yamux frames from the session's byte stream (frames may span WebSocket messages). */
function attachYamux(ws) {
  let pending = Buffer.alloc(0);
  let skip = 0; // payload bytes of a data frame still to discard
  let pinged = false;
  ws.on('message', (data) => {
    let buf = pending.length ? Buffer.concat([pending, data]) : data;
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, buf.length);
        skip -= n;
        buf = buf.subarray(n);
        if (skip > 0) break;
      }
      if (buf.length < HEADER_LEN) break;
      const type = buf.readUInt8(1);
      const flags = buf.readUInt16BE(2);
      const length = buf.readUInt32BE(8);
      buf = buf.subarray(HEADER_LEN);
      if (type === TYPE_PING && flags & FLAG_SYN) {
        ws.send(pingAck(length));
        stats.pings += 1;
        if (!pinged) {
          pinged = true;
          stats.pinged += 1;
        }
      } else if (type === TYPE_GO_AWAY) {
        stats.goAways += 1;
      } else if (flags & FLAG_SYN) {
        // An idle upstream is not expected to get streams; it ignores them but counts them so the report can say so.
        stats.streamsIgnored += 1;
      }
      if (type === TYPE_DATA) skip = length;
    }
    pending = Buffer.from(buf);
  });
}

function connect(i) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${baseUrl}${prefix}${i}`, { perMessageDeflate: false });
    sockets.push(ws);
    let opened = false;
    ws.once('open', () => {
      opened = true;
      stats.open += 1;
      attachYamux(ws);
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
