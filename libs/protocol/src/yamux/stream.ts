import { Duplex } from 'node:stream';
import { ProtocolTimeoutError, SessionClosedError, StreamResetError } from '../errors';
import { windowUpdateDelta } from './flow-window';
import { Flag, FrameType, INITIAL_STREAM_WINDOW } from './frame';
import { ReceiveCoalescer } from './receive-coalescer';
import type { Session } from './session';

/**
 * Bytes written and not yet sent (the peer's window used up, or the connection backed up) at
 * which a write waits: the stream's send buffer, counted in bytes by the stream itself.
 */
const SEND_BUFFER_BYTES = 64 * 1024;
/**
 * A write shorter than this, made while earlier bytes wait, is copied into a merge buffer of
 * MERGE_BUFFER_BYTES rather than kept as its own Buffer. Node's Writable counts the bytes of the
 * writes it queues, not the writes: with its byte high-water mark, a stream whose peer stopped
 * reading held 65,536 one-byte writes, ~12 MB of heap, for 64 KiB of data. So the writable side
 * counts writes (object mode, at most one queued) and bytes are bounded here.
 */
const SMALL_WRITE_BYTES = 4 * 1024;
const MERGE_BUFFER_BYTES = 16 * 1024;

/**
 * One yamux stream as a Node Duplex. end() sends FIN (half-close), destroy() sends RST.
 *
 * Backpressure is real in both directions: received data is pushed to the readable side and
 * window is handed back to the peer only as the application consumes it (see _read and
 * _afterPayload), so an idle reader holds at most one window of data; writes complete only
 * while the peer's window and the connection's buffer have room.
 *
 * Received bytes cost about what the window says whatever the frame sizes (ReceiveCoalescer):
 * small pieces are copied and joined, and handed on at the end of the event-loop turn while the
 * reader keeps up, or once the reader has emptied what it was given, so many small frames become
 * one Buffer rather than one each. Written bytes are bounded the same way: the stream holds at
 * most SEND_BUFFER_BYTES unsent, small writes merged, and its writable side counts writes
 * (`writableLength` is a number of writes waiting, not bytes).
 */
export class YamuxStream extends Duplex {
  /** @internal Window the peer may still use to send to us. */
  _recvWindow = INITIAL_STREAM_WINDOW;
  /** @internal FIN received. */
  _remoteClosed = false;
  private sendWindow = INITIAL_STREAM_WINDOW;
  private localClosed = false;
  /** RST sent or received: no more frames for this stream. */
  private reset = false;
  /** Bytes written and not sent yet, in order; then the merge buffer's `mergeLength` bytes. */
  private pending: Buffer[] = [];
  private merge: Buffer | null = null;
  private mergeLength = 0;
  /** Bytes in `pending` and `merge`. */
  private unsentBytes = 0;
  /** end() waits for the bytes written before it: FIN goes once they are sent. */
  private finalCb: ((err?: Error | null) => void) | null = null;
  /** Received bytes copied and not yet pushed (see ReceiveCoalescer). */
  private readonly held = new ReceiveCoalescer();
  private heldFlushScheduled = false;
  private windowCheckScheduled = false;
  private pendingCb: ((err?: Error | null) => void) | null = null;
  private openTimer: NodeJS.Timeout | null = null;
  private closeTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly session: Session,
    readonly id: number,
  ) {
    // The writable side counts writes, not bytes (see SMALL_WRITE_BYTES): one may queue in Node
    // while a write waits for the send buffer to drain below SEND_BUFFER_BYTES.
    super({ allowHalfOpen: true, readableHighWaterMark: 64 * 1024, writableObjectMode: true, writableHighWaterMark: 1 });
  }

  /**
   * The peer sent FIN: no more bytes will come. True as soon as the frame is read, before the
   * 'end' event (which waits for the bytes before it to be read): a pool of idle streams checks
   * it before handing one out.
   */
  get remoteClosed(): boolean {
    return this._remoteClosed;
  }

  /** Bytes received and not read yet: the readable buffer plus bytes held back (see ReceiveCoalescer). */
  get unreadLength(): number {
    return this.readableLength + this.held.bytes;
  }

  // ---- Duplex implementation -------------------------------------------------------------

  override _read(): void {
    // Readable calls _read before it takes the chunk being read out of its buffer, so judge the
    // window once that read is done. Until our next push Node will not call _read again, so
    // this check must not be skipped.
    if (this.windowCheckScheduled) return;
    this.windowCheckScheduled = true;
    process.nextTick(() => {
      this.windowCheckScheduled = false;
      this.maybeUpdateWindow(false);
    });
  }

  /**
   * Readable.read, plus: once the reader has emptied the buffer, bytes held back while it was
   * behind are handed on (Node calls _read only below the high-water mark, not on empty).
   */
  override read(size?: number): ReturnType<Duplex['read']> {
    const chunk = super.read(size);
    if (this.held.bytes > 0 && this.readableLength === 0) this.scheduleHeldFlush();
    return chunk;
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.enqueue(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
    this.sendPending();
    this.settle(cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer | string; encoding: BufferEncoding }>, cb: (err?: Error | null) => void): void {
    for (const { chunk, encoding } of chunks) this.enqueue(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
    this.sendPending();
    this.settle(cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.reset) return cb(new StreamResetError());
    if (this.session.isClosed) return cb(new SessionClosedError());
    if (this.unsentBytes > 0) {
      this.finalCb = cb;
      return;
    }
    this.sendFin(cb);
  }

  /** FIN (half-close), once every byte written before end() has been sent. */
  private sendFin(cb: (err?: Error | null) => void): void {
    this.localClosed = true;
    this.session._sendFrame(FrameType.WindowUpdate, Flag.FIN, this.id, 0);
    if (this._remoteClosed) this.forget();
    else this.startCloseTimer();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.reset && !(this.localClosed && this._remoteClosed) && !this.session.isClosed) {
      this.reset = true;
      this.session._sendFrame(FrameType.WindowUpdate, Flag.RST, this.id, 0);
    }
    this.forget();
    this.pending = [];
    this.merge = null;
    this.mergeLength = 0;
    this.unsentBytes = 0;
    this.pendingCb = null;
    this.finalCb = null;
    this.held.clear();
    cb(err);
  }

  // ---- called by the session -------------------------------------------------------------

  /** @internal */
  _startOpenTimer(timeoutMs: number): void {
    if (timeoutMs <= 0) return;
    this.openTimer = setTimeout(() => {
      this.openTimer = null;
      this.session._logger.warn('yamux stream open timed out (no ACK), resetting', { streamId: this.id });
      this.destroy(new ProtocolTimeoutError('stream open timeout: no ACK from peer', 'ERR_STREAM_OPEN_TIMEOUT'));
    }, timeoutMs);
    this.openTimer.unref();
  }

  /** @internal Accepting an inbound stream: ACK it, offering any window above the default. */
  _sendAck(): void {
    const extra = this.session._maxStreamWindow - INITIAL_STREAM_WINDOW;
    this._recvWindow += extra;
    this.session._sendFrame(FrameType.WindowUpdate, Flag.ACK, this.id, extra);
  }

  /** @internal */
  _onAck(): void {
    if (this.openTimer) {
      clearTimeout(this.openTimer);
      this.openTimer = null;
    }
  }

  /** @internal */
  _onWindowUpdate(delta: number): void {
    this.sendWindow += delta;
    if (this.unsentBytes > 0) this.sendPending();
  }

  /** @internal */
  _onData(piece: Buffer): void {
    this._recvWindow -= piece.length;
    if (this.destroyed || this._remoteClosed) return;
    if (ReceiveCoalescer.ownsItsMemory(piece)) {
      this.pushHeld();
      this.push(piece);
      return;
    }
    if (this.held.append(piece)) return this.pushHeld();
    // A reader that has taken everything gets this at the end of the turn, with whatever else
    // arrives in it; one that is behind gets it once it has emptied its buffer (read()).
    if (this.readableLength === 0) this.scheduleHeldFlush();
  }

  /** @internal A whole Data frame was delivered: hand window back if the app kept up. */
  _afterPayload(): void {
    this.maybeUpdateWindow(false);
  }

  /** @internal */
  _onFin(): void {
    this._remoteClosed = true;
    if (this.destroyed) return;
    this.pushHeld();
    this.push(null);
    if (this.localClosed) this.forget();
  }

  /** @internal */
  _onRst(): void {
    this.reset = true;
    this.forget();
    if (this.destroyed) return;
    if (this.writableFinished && this.readableEnded) this.destroy();
    else this.destroy(new StreamResetError());
  }

  /** @internal The session is gone: fail the stream without sending anything. */
  _abort(err: Error | undefined): void {
    this.reset = true;
    this.clearTimers();
    if (!this.destroyed) this.destroy(err);
  }

  // ---- internals -------------------------------------------------------------------------

  /** Takes a written chunk into the send buffer: a small one behind waiting bytes is copied into the merge buffer. */
  private enqueue(buf: Buffer): void {
    if (buf.length === 0) return;
    this.unsentBytes += buf.length;
    const waiting = this.pending.length > 0 || this.mergeLength > 0;
    if (!waiting || buf.length >= SMALL_WRITE_BYTES) {
      this.closeMerge();
      this.pending.push(buf);
      return;
    }
    if (this.merge === null || this.mergeLength + buf.length > this.merge.length) {
      this.closeMerge();
      this.merge = Buffer.allocUnsafeSlow(MERGE_BUFFER_BYTES);
    }
    buf.copy(this.merge, this.mergeLength);
    this.mergeLength += buf.length;
  }

  /** The merge buffer's bytes join `pending` (in order: they were written after it). */
  private closeMerge(): void {
    if (this.merge !== null && this.mergeLength > 0) this.pending.push(this.merge.subarray(0, this.mergeLength));
    this.merge = null;
    this.mergeLength = 0;
  }

  /** A write is done at once while the send buffer is under SEND_BUFFER_BYTES; else once sendPending brings it under. */
  private settle(cb: (err?: Error | null) => void): void {
    if (this.reset || this.destroyed || this.unsentBytes >= SEND_BUFFER_BYTES) this.pendingCb = cb;
    else this.session._whenWritable(cb);
  }

  /** Sends what the peer's window allows, in order; then completes a waiting write or end(). */
  private sendPending(): void {
    while (this.unsentBytes > 0) {
      if (this.reset || this.destroyed) return;
      if (this.sendWindow === 0) break; // resumed by _onWindowUpdate
      if (this.pending.length === 0) this.closeMerge();
      const buf = this.pending[0];
      const n = Math.min(buf.length, this.sendWindow);
      if (n === buf.length) {
        this.pending.shift();
        this.session._sendData(this.id, buf);
      } else {
        this.session._sendData(this.id, buf.subarray(0, n));
        this.pending[0] = buf.subarray(n);
      }
      this.sendWindow -= n;
      this.unsentBytes -= n;
    }
    const cb = this.pendingCb;
    if (cb && this.unsentBytes < SEND_BUFFER_BYTES) {
      this.pendingCb = null;
      this.session._whenWritable(cb);
    }
    if (this.finalCb && this.unsentBytes === 0) {
      const final = this.finalCb;
      this.finalCb = null;
      this.sendFin(final);
    }
  }

  private pushHeld(): void {
    const chunk = this.held.take();
    if (chunk) this.push(chunk);
  }

  private scheduleHeldFlush(): void {
    if (this.heldFlushScheduled) return;
    this.heldFlushScheduled = true;
    process.nextTick(() => {
      this.heldFlushScheduled = false;
      if (!this.destroyed) this.pushHeld();
    });
  }

  private maybeUpdateWindow(force: boolean): void {
    if (this._remoteClosed || this.reset || this.destroyed) return;
    // Held bytes are unread too: handing their window back would let the peer send past it.
    const delta = windowUpdateDelta(this.session._maxStreamWindow, this.unreadLength, this._recvWindow, force);
    if (delta === 0) return;
    this._recvWindow += delta;
    this.session._sendFrame(FrameType.WindowUpdate, 0, this.id, delta);
  }

  private startCloseTimer(): void {
    const timeoutMs = this.session._streamCloseTimeout;
    if (timeoutMs <= 0) return;
    this.closeTimer = setTimeout(() => {
      this.closeTimer = null;
      this.session._logger.warn('yamux half-closed stream timed out waiting for peer FIN, resetting', {
        streamId: this.id,
      });
      this.destroy(new ProtocolTimeoutError('stream close timeout: no FIN from peer', 'ERR_STREAM_CLOSE_TIMEOUT'));
    }, timeoutMs);
    this.closeTimer.unref();
  }

  private clearTimers(): void {
    if (this.openTimer) clearTimeout(this.openTimer);
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.openTimer = this.closeTimer = null;
  }

  private forget(): void {
    this.clearTimers();
    this.session._forgetStream(this);
  }
}
