// Just enough yamux (hashicorp spec, protocol v0) for the benchmark's many-session clients
// (idle-client.mjs, churn-client.mjs), so they cost the machine as little as a client can and import
// nothing from our build: answer every ping with a ping ACK echoing the opaque value, count
// go-aways, and optionally answer each stream the gateway opens with one fixed HTTP/1.1 response.
const HEADER_LEN = 12;
const TYPE_DATA = 0;
const TYPE_WINDOW_UPDATE = 1;
const TYPE_PING = 2;
const TYPE_GO_AWAY = 3;
const FLAG_SYN = 0x1;
const FLAG_ACK = 0x2;
const FLAG_FIN = 0x4; // sent with the response; a request's FIN needs nothing (its head was read)

/** A 12-byte yamux frame header (spec: version, type, flags, stream id, length). */
function header(type, flags, streamId, length) {
  const frame = Buffer.alloc(HEADER_LEN);
  frame.writeUInt8(0, 0);
  frame.writeUInt8(type, 1);
  frame.writeUInt16BE(flags, 2);
  frame.writeUInt32BE(streamId, 4);
  frame.writeUInt32BE(length, 8);
  return frame;
}

const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');

/**
 * Reads yamux frames from `ws` (frames may span WebSocket messages) and updates `stats`
 * ({ pinged, pings, goAways, streamsIgnored, streamsAnswered }). With `respond`, a stream the
 * gateway opens is accepted (window update ACK) and, once a request head (CRLFCRLF) arrived,
 * answered with `200 ok` and FIN; without it, streams are ignored and counted.
 */
export function attachYamux(ws, stats, { respond = false } = {}) {
  let pending = Buffer.alloc(0);
  let skip = 0; // payload bytes of a data frame still to discard
  let dataStream = 0; // the stream those bytes belong to
  let pinged = false;
  const heads = new Map(); // stream id -> request bytes so far (respond mode)
  const onData = (streamId, bytes) => {
    const sofar = heads.get(streamId);
    if (sofar === undefined) return;
    const all = sofar.length ? Buffer.concat([sofar, bytes]) : Buffer.from(bytes);
    if (all.indexOf('\r\n\r\n') < 0) return heads.set(streamId, all);
    heads.delete(streamId);
    ws.send(Buffer.concat([header(TYPE_DATA, FLAG_FIN, streamId, RESPONSE.length), RESPONSE]));
    stats.streamsAnswered = (stats.streamsAnswered ?? 0) + 1;
  };
  ws.on('message', (data) => {
    let buf = pending.length ? Buffer.concat([pending, data]) : data;
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, buf.length);
        if (respond && n > 0) onData(dataStream, buf.subarray(0, n));
        skip -= n;
        buf = buf.subarray(n);
        if (skip > 0) break;
      }
      if (buf.length < HEADER_LEN) break;
      const type = buf.readUInt8(1);
      const flags = buf.readUInt16BE(2);
      const streamId = buf.readUInt32BE(4);
      const length = buf.readUInt32BE(8);
      buf = buf.subarray(HEADER_LEN);
      if (type === TYPE_PING && flags & FLAG_SYN) {
        ws.send(header(TYPE_PING, FLAG_ACK, 0, length));
        stats.pings += 1;
        if (!pinged) {
          pinged = true;
          stats.pinged += 1;
        }
      } else if (type === TYPE_GO_AWAY) {
        stats.goAways += 1;
      } else if (flags & FLAG_SYN && (type === TYPE_DATA || type === TYPE_WINDOW_UPDATE)) {
        if (respond) {
          heads.set(streamId, Buffer.alloc(0));
          ws.send(header(TYPE_WINDOW_UPDATE, FLAG_ACK, streamId, 0));
        } else stats.streamsIgnored += 1;
      }
      if (type === TYPE_DATA) {
        skip = length;
        dataStream = streamId;
      }
    }
    pending = Buffer.from(buf);
  });
}
