import { Duplex } from 'node:stream';
import { ProtocolTimeoutError, SessionClosedError, StreamResetError } from '../errors';
import { windowUpdateDelta } from './flow-window';
import { Flag, FrameType, INITIAL_STREAM_WINDOW } from './frame';
import { ReceiveCoalescer } from './receive-coalescer';
import type { Session } from './session';

/** Bytes coalesced into one Data frame when several small writes are queued together. */
const COALESCE_LIMIT = 64 * 1024;

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
 * one Buffer rather than one each.
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
  private pending: Buffer[] = [];
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
    super({ allowHalfOpen: true, readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
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

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.pending.push(chunk);
    this.pendingCb = cb;
    this.sendPending();
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    let total = 0;
    for (const c of chunks) total += c.chunk.length;
    if (total <= COALESCE_LIMIT) {
      this.pending.push(Buffer.concat(chunks.map((c) => c.chunk), total));
    } else {
      for (const c of chunks) this.pending.push(c.chunk);
    }
    this.pendingCb = cb;
    this.sendPending();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.reset) return cb(new StreamResetError());
    if (this.session.isClosed) return cb(new SessionClosedError());
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
    this.pendingCb = null;
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
    if (this.pendingCb) this.sendPending();
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

  private sendPending(): void {
    while (this.pending.length > 0) {
      if (this.reset || this.destroyed) return;
      if (this.sendWindow === 0) return; // resumed by _onWindowUpdate
      const buf = this.pending[0];
      const n = Math.min(buf.length, this.sendWindow);
      if (n === buf.length) {
        this.pending.shift();
        if (n === 0) continue;
        this.session._sendData(this.id, buf);
      } else {
        this.session._sendData(this.id, buf.subarray(0, n));
        this.pending[0] = buf.subarray(n);
      }
      this.sendWindow -= n;
    }
    const cb = this.pendingCb;
    this.pendingCb = null;
    if (cb) this.session._whenWritable(cb);
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
