import { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { ProtocolError } from './errors';

/** ws.bufferedAmount above which a write waits for its send callback instead of completing at once. */
const SEND_HIGH_WATER = 1024 * 1024;
/** Queued writes up to this size are merged into one WebSocket message. */
const MERGE_LIMIT = 256 * 1024;
/** Made once, not per message; compression is never negotiated on these sockets anyway. */
const SEND_OPTIONS = { binary: true, compress: false } as const;

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Treats a WebSocket's binary messages as one byte stream, exactly as Go Piko's
 * pkg/websocket.Conn does (message boundaries carry no meaning). Backpressure both ways:
 * the socket is paused while our readable side is full, and writes complete only while
 * ws.bufferedAmount is low. A text message is a protocol error; a close ends the stream.
 */
export function webSocketDuplex(ws: WebSocket): Duplex {
  let sendWaiting: (() => void) | null = null;
  const duplex = new Duplex({
    allowHalfOpen: false,
    readableHighWaterMark: 256 * 1024,
    writableHighWaterMark: 256 * 1024,
    read() {
      if (ws.isPaused) ws.resume();
    },
    write(chunk: Buffer, _encoding, cb) {
      send(chunk, cb);
    },
    writev(chunks, cb) {
      let total = 0;
      for (const c of chunks) total += (c.chunk as Buffer).length;
      if (total <= MERGE_LIMIT) return send(Buffer.concat(chunks.map((c) => c.chunk as Buffer), total), cb);
      // Large payloads go as their own messages rather than being copied into one.
      for (let i = 0; i < chunks.length - 1; i++) ws.send(chunks[i].chunk as Buffer, SEND_OPTIONS, onSendError);
      send(chunks[chunks.length - 1].chunk as Buffer, cb);
    },
    final(cb) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
      cb();
    },
    destroy(err, cb) {
      ws.off('message', onMessage);
      if (err) ws.terminate();
      else if (ws.readyState === ws.OPEN) ws.close(1000);
      const waiting = sendWaiting;
      sendWaiting = null;
      waiting?.();
      cb(err);
    },
  });

  function onSendError(err?: Error): void {
    if (err && !duplex.destroyed) duplex.destroy(err);
  }

  function send(data: Buffer, cb: (err?: Error | null) => void): void {
    if (ws.readyState !== ws.OPEN) return cb(new ProtocolError('websocket is not open', 'ERR_WEBSOCKET_CLOSED'));
    let done = false;
    const complete = (err?: Error): void => {
      if (done) return;
      done = true;
      sendWaiting = null;
      cb(err);
    };
    ws.send(data, SEND_OPTIONS, (err) => {
      if (err) onSendError(err);
      complete(err);
    });
    if (!done && ws.bufferedAmount <= SEND_HIGH_WATER) complete();
    else if (!done) sendWaiting = () => complete();
  }

  function onMessage(data: RawData, isBinary: boolean): void {
    if (duplex.destroyed) return;
    if (!isBinary) {
      duplex.destroy(new ProtocolError('unexpected text message on a binary websocket stream', 'ERR_WEBSOCKET_TEXT'));
      return;
    }
    if (!duplex.push(toBuffer(data))) ws.pause();
  }

  ws.on('message', onMessage);
  ws.on('close', () => {
    if (!duplex.destroyed) duplex.push(null);
  });
  ws.on('error', (err) => {
    if (!duplex.destroyed) duplex.destroy(err);
  });
  return duplex;
}
