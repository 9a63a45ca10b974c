import { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { ProtocolError } from './errors';

/**
 * The largest WebSocket message any Piko end reads (bytes; ws's own default is 100 MiB, buffered
 * whole before anyone sees it). A yamux frame is at most one window of data plus its 12-byte
 * header (256 KiB windows by default); more is allowed in case a peer batches frames in one
 * message, and for `forward tcp`'s messages.
 */
export const MAX_WEBSOCKET_MESSAGE_BYTES = 4 * 1024 * 1024;

/** ws.bufferedAmount above which a write waits for its send callback instead of completing at once. */
const SEND_HIGH_WATER = 1024 * 1024;
/**
 * Messages given to ws whose socket write has not completed, at which a write waits too. What a
 * queued message costs is mostly per message, not per byte (a header and a payload Buffer and
 * their queue entries: ~350 bytes of heap), so a peer that makes us send one byte per message
 * (a client or upstream trickling single bytes to a reader that does not read) filled
 * SEND_HIGH_WATER with 350,000 messages: 210 MB of heap for one connection. Go Piko's writes
 * block instead, holding only bytes.
 */
const MAX_UNSENT_MESSAGES = 256;
/**
 * The duplex's own write buffer, in bytes, filled only while a write waits (above): written
 * chunks queue there one entry each, so this also bounds their count (a 256 KiB buffer of 1-byte
 * chunks held 262,144 entries). ws's buffer in front of it keeps the socket busy meanwhile.
 */
const WRITABLE_HIGH_WATER = 16 * 1024;
/**
 * Queued writes shorter than this are merged into one WebSocket message (copying a few bytes
 * saves a message header and a 'message' event at the far end); longer ones are sent as their own
 * messages, uncopied, all in one socket write. Merging up to 256 KiB copied nearly every byte a
 * yamux session sent into a fresh buffer: in `piko server` relaying iperf3 (forward tcp -> agent
 * tcp, 500 MB each way, --cpu-prof) garbage collection took 4.0 s and writev 2.9 s; with this
 * limit 1.9 s and 1.8 s.
 */
const MERGE_LIMIT = 16 * 1024;
/** Made once, not per message; compression is never negotiated on these sockets anyway. */
const SEND_OPTIONS = { binary: true, compress: false } as const;

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

const EMPTY = Buffer.alloc(0);

/** The TCP (or TLS) socket under a ws WebSocket (ws keeps it as `_socket`; it is not in its types). */
function rawSocket(ws: WebSocket): { cork(): void; uncork(): void } | undefined {
  const socket = (ws as unknown as { _socket?: { cork?: unknown; uncork?: unknown } })._socket;
  return socket && typeof socket.cork === 'function' && typeof socket.uncork === 'function'
    ? (socket as { cork(): void; uncork(): void })
    : undefined;
}
/** After our close frame, how long the peer has to answer with its own before the socket is cut (ms). */
const CLOSE_GRACE_MS = 2_000;

export interface WebSocketDuplexOptions {
  /**
   * Carry TCP half-close over the WebSocket (our extension; Go Piko has no equivalent). end()
   * sends one EMPTY binary message meaning FIN and keeps the duplex readable; an empty binary
   * message from the peer ends our readable side without closing anything. The WebSocket is
   * closed (1000) once both directions have ended. A close with any other code before that
   * counts as a reset (the duplex is destroyed with an error); a plain 1000 close from a peer
   * that never sends the marker (a Go Piko client) ends both directions.
   *
   * Safe against Go Piko peers: they never send empty messages (their writes carry bytes), and
   * an empty message we send is a zero-length read to them. Default false: the yamux-over-
   * WebSocket sessions must keep Go Piko's exact behaviour (end() closes the WebSocket).
   */
  halfClose?: boolean;
}

/**
 * Treats a WebSocket's binary messages as one byte stream, exactly as Go Piko's
 * pkg/websocket.Conn does (message boundaries carry no meaning). Backpressure both ways:
 * the socket is paused while our readable side is full, and writes complete only while
 * ws.bufferedAmount is low. A text message is a protocol error; a close ends the stream.
 * With `halfClose`, see WebSocketDuplexOptions.
 */
export function webSocketDuplex(ws: WebSocket, options: WebSocketDuplexOptions = {}): Duplex {
  const halfClose = options.halfClose === true;
  let sendWaiting: (() => void) | null = null;
  let unsentMessages = 0;
  let localFin = false;
  let remoteFin = false;
  const duplex = new Duplex({
    allowHalfOpen: halfClose,
    readableHighWaterMark: 256 * 1024,
    writableHighWaterMark: WRITABLE_HIGH_WATER,
    read() {
      if (ws.isPaused) ws.resume();
    },
    write(chunk: Buffer, _encoding, cb) {
      // An empty message is the FIN marker in half-close mode: never send one for an empty write.
      if (halfClose && chunk.length === 0) return cb();
      send(chunk, cb);
    },
    writev(chunks, cb) {
      if (halfClose) chunks = chunks.filter((c) => (c.chunk as Buffer).length > 0);
      if (chunks.length === 0) return cb();
      // Every message of this batch leaves in one socket write (one writev): ws writes each
      // message's header and payload to the socket, which holds them while corked.
      const socket = rawSocket(ws);
      socket?.cork();
      let small: Buffer[] = [];
      let smallBytes = 0;
      const sendSmall = (last: boolean): void => {
        const data = small.length === 1 ? small[0] : Buffer.concat(small, smallBytes);
        small = [];
        smallBytes = 0;
        if (last) send(data, cb);
        else sendMessage(data, onSendError);
      };
      for (let i = 0; i < chunks.length; i++) {
        const buf = chunks[i].chunk as Buffer;
        const last = i === chunks.length - 1;
        if (buf.length >= MERGE_LIMIT) {
          if (small.length > 0) sendSmall(false);
          if (last) send(buf, cb);
          else sendMessage(buf, onSendError);
          continue;
        }
        if (smallBytes + buf.length > MERGE_LIMIT) sendSmall(false);
        small.push(buf);
        smallBytes += buf.length;
        if (last) sendSmall(true);
      }
      socket?.uncork();
    },
    final(cb) {
      if (halfClose) {
        return send(EMPTY, (err) => {
          localFin = !err;
          if (localFin && remoteFin && ws.readyState === ws.OPEN) ws.close(1000);
          cb(err);
        });
      }
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
      cb();
    },
    destroy(err, cb) {
      ws.off('message', onMessage);
      // In half-close mode, giving up before both FINs is abortive, like a TCP reset.
      if (err || (halfClose && !(localFin && remoteFin))) ws.terminate();
      else if (ws.readyState === ws.OPEN) ws.close(1000);
      // ws waits 30 s for the peer's close frame, reading (and dropping) whatever the peer sends
      // meanwhile; a peer that keeps flooding instead of closing is cut off sooner.
      if (ws.readyState === ws.CLOSING) setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
      const waiting = sendWaiting;
      sendWaiting = null;
      waiting?.();
      cb(err);
    },
  });

  function onSendError(err?: Error | null): void {
    if (err && !duplex.destroyed) duplex.destroy(err);
  }

  /** ws.send, counting the message as unsent until its socket write completes. */
  function sendMessage(data: Buffer, cb: (err?: Error | null) => void): void {
    unsentMessages++;
    ws.send(data, SEND_OPTIONS, (err) => {
      unsentMessages--;
      cb(err);
    });
  }

  /** Sends one message; `cb` at once while ws holds little, else once this message is written. */
  function send(data: Buffer, cb: (err?: Error | null) => void): void {
    if (ws.readyState !== ws.OPEN) return cb(new ProtocolError('websocket is not open', 'ERR_WEBSOCKET_CLOSED'));
    let done = false;
    const complete = (err?: Error): void => {
      if (done) return;
      done = true;
      sendWaiting = null;
      cb(err);
    };
    sendMessage(data, (err) => {
      if (err) onSendError(err);
      complete(err ?? undefined);
    });
    if (!done && ws.bufferedAmount <= SEND_HIGH_WATER && unsentMessages < MAX_UNSENT_MESSAGES) complete();
    else if (!done) sendWaiting = () => complete();
  }

  function onMessage(data: RawData, isBinary: boolean): void {
    if (duplex.destroyed) return;
    if (!isBinary) {
      duplex.destroy(new ProtocolError('unexpected text message on a binary websocket stream', 'ERR_WEBSOCKET_TEXT'));
      return;
    }
    const buf = toBuffer(data);
    if (halfClose && buf.length === 0) {
      if (remoteFin) return; // a repeated FIN says nothing new
      remoteFin = true;
      duplex.push(null);
      if (localFin && ws.readyState === ws.OPEN) ws.close(1000);
      return;
    }
    if (remoteFin) {
      duplex.destroy(new ProtocolError('data after FIN on a half-closed websocket stream', 'ERR_WEBSOCKET_DATA_AFTER_FIN'));
      return;
    }
    if (!duplex.push(buf)) ws.pause();
  }

  function onClose(code: number): void {
    if (duplex.destroyed) return;
    if (!halfClose) return void duplex.push(null);
    if (remoteFin && localFin) return; // both directions ended: the close we expected
    if (code !== 1000) {
      duplex.destroy(new ProtocolError(`websocket closed (code ${code}) before the stream ended`, 'ERR_WEBSOCKET_RESET'));
      return;
    }
    // A peer without the FIN marker closed cleanly: deliver what was read, then close ours too.
    if (!remoteFin) {
      remoteFin = true;
      duplex.push(null);
    }
    if (duplex.readableEnded) duplex.destroy();
    else duplex.once('end', () => duplex.destroy());
  }

  ws.on('message', onMessage);
  ws.on('close', onClose);
  ws.on('error', (err) => {
    if (!duplex.destroyed) duplex.destroy(err);
  });
  return duplex;
}
