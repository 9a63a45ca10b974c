import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  GoAwayError,
  ProtocolTimeoutError,
  ProtocolViolationError,
  RemoteGoAwayError,
  SessionClosedError,
  StreamsExhaustedError,
  TooManyStreamsError,
} from '../errors';
import { Flag, FrameHeader, FrameType, GoAwayCode, HEADER_SIZE, INITIAL_STREAM_WINDOW } from './frame';
import { RateLimitedLog } from '../rate-limited-log';
import { FrameBatch } from './frame-batch';
import { FrameBudget } from './frame-budget';
import { FrameHandler, FrameReader } from './frame-reader';
import { ProtocolLogger, ResolvedSessionOptions, SessionOptions, resolveSessionOptions } from './session-options';
import { YamuxStream } from './stream';

interface PendingPing {
  start: number;
  resolve: (rttMs: number) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const MAX_STREAM_ID = 0xffffffff;
/** Queued bytes that are written at once rather than at the end of the loop turn. */
const FLUSH_NOW_BYTES = 256 * 1024;

/**
 * A yamux session (hashicorp/yamux protocol v0) over any byte-stream Duplex: a TCP socket or
 * a WebSocket wrapped by webSocketDuplex().
 *
 * Events: 'stream' (YamuxStream opened by the peer), 'goaway' (peer accepts no new streams),
 * 'close' (err?: Error — undefined for an orderly close by either side).
 */
export class Session extends EventEmitter {
  private readonly opts: ResolvedSessionOptions;
  private readonly streams = new Map<number, YamuxStream>();
  private readonly reader: FrameReader;
  private readonly pings = new Map<number, PendingPing>();
  private backlog: YamuxStream[] = [];
  private nextStreamId: number;
  private nextPingId = 0;
  private closed = false;
  /** Set once our GoAway is known to be processed by the peer (see goAway): SYNs are then refused. */
  private localGoAway = false;
  private goAwayFence: Promise<void> | undefined;
  private remoteGoAwayReceived = false;
  /** Stream that receives the payload of the Data frame being parsed (null: discard it). */
  private payloadTarget: YamuxStream | null = null;
  private readonly batch = new FrameBatch();
  private flushScheduled = false;
  private readonly flushCallback = (): void => this.flush();
  private writeWaiters: Array<(err?: Error | null) => void> = [];
  private drainTimer: NodeJS.Timeout | null = null;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  /** Warnings a peer can cause once per frame, kept from flooding the log. */
  private readonly warnings: RateLimitedLog;
  private readonly budget: FrameBudget;
  // Control-frame accounting (see maxQueuedControlBytes): control bytes in the batch, and in
  // the connection's write buffer, which drains in order: each flush leaves a mark (the total
  // bytes written once it is out, and its control bytes), released once the buffer is past it.
  private batchControlBytes = 0;
  private bytesWritten = 0;
  private controlInConn = 0;
  private controlMarks: number[] = [];
  private controlMarkHead = 0;
  private readPaused = false;
  private readPauseTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly conn: Duplex,
    options: SessionOptions,
  ) {
    super();
    this.opts = resolveSessionOptions(options);
    this.nextStreamId = this.opts.client ? 1 : 2;
    this.reader = new FrameReader(this.frameHandler());
    this.warnings = new RateLimitedLog(this.opts.logger);
    this.budget = new FrameBudget(this.opts.maxFrameRate, this.opts.frameBurst);
    // Frames are coalesced per loop turn already; Nagle would only add latency on top.
    (conn as Partial<{ setNoDelay(v: boolean): void }>).setNoDelay?.(true);
    conn.on('data', (chunk: Buffer) => this.onChunk(chunk));
    conn.on('drain', () => this.onDrain());
    conn.on('end', () => this.close());
    conn.on('close', () => this.close());
    conn.on('error', (err: Error) => {
      this.opts.logger.debug('yamux connection error', { error: err.message });
      this.close(new SessionClosedError(`connection error: ${err.message}`, { cause: err }));
    });
    this.on('newListener', (event) => {
      if (event === 'stream' && this.backlog.length > 0) process.nextTick(() => this.acceptBacklog());
    });
    if (this.opts.keepAliveInterval > 0) {
      this.keepAliveTimer = setInterval(() => this.keepAlive(), this.opts.keepAliveInterval);
      this.keepAliveTimer.unref();
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get numStreams(): number {
    return this.streams.size;
  }

  get remoteGoAway(): boolean {
    return this.remoteGoAwayReceived;
  }

  /** Control-frame bytes queued and not yet taken by the connection (see maxQueuedControlBytes). */
  get queuedControlBytes(): number {
    this.releaseWrittenControl();
    return this.batchControlBytes + this.controlInConn;
  }

  /** True while reading is paused because too many control frames wait to be sent. */
  get isReadPaused(): boolean {
    return this.readPaused;
  }

  /** Opens a stream; the SYN goes out with this loop turn's frames, so data written at once shares its message. */
  open(): YamuxStream {
    if (this.closed) throw new SessionClosedError();
    if (this.remoteGoAwayReceived) throw new GoAwayError();
    if (this.streams.size >= this.opts.maxStreams) throw new TooManyStreamsError(this.opts.maxStreams);
    const id = this.nextStreamId;
    if (id >= MAX_STREAM_ID - 1) throw new StreamsExhaustedError();
    this.nextStreamId += 2;
    const stream = new YamuxStream(this, id);
    this.streams.set(id, stream);
    const extra = this.opts.maxStreamWindow - INITIAL_STREAM_WINDOW;
    stream._recvWindow += extra;
    this._sendFrame(FrameType.WindowUpdate, Flag.SYN, id, extra);
    stream._startOpenTimer(this.opts.streamOpenTimeout);
    return stream;
  }

  /** Round-trip time in ms; rejects after connectionWriteTimeout. */
  ping(): Promise<number> {
    if (this.closed) return Promise.reject(new SessionClosedError());
    const id = this.nextPingId;
    this.nextPingId = (this.nextPingId + 1) >>> 0;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pings.delete(id);
        reject(new ProtocolTimeoutError('ping timeout', 'ERR_PING_TIMEOUT'));
      }, this.opts.connectionWriteTimeout);
      timer.unref();
      this.pings.set(id, { start: performance.now(), resolve, reject, timer });
      this._sendFrame(FrameType.Ping, Flag.SYN, 0, id);
    });
  }

  /**
   * Tells the peer to open no new streams; existing streams carry on. Resolves once streams the
   * peer opens from now on are refused (RST), which is not at once: a SYN the peer sent before it
   * read our GoAway crosses it on the wire, and refusing that stream would fail a request the peer
   * had every right to send (it gets a reset before any answer). So the GoAway is followed by a
   * ping, and streams are still accepted until its ACK arrives: the connection is in order, so by
   * then every frame the peer sent before it processed the GoAway has been read. A peer that does
   * not answer within connectionWriteTimeout is fenced off anyway. Calling it again returns the
   * same promise. (hashicorp/yamux refuses at once; the spec leaves it open.)
   */
  goAway(code: GoAwayCode = GoAwayCode.Normal): Promise<void> {
    if (this.goAwayFence) return this.goAwayFence;
    if (this.closed) return Promise.resolve();
    this._sendFrame(FrameType.GoAway, 0, 0, code);
    const fenceUp = (): void => {
      this.localGoAway = true;
    };
    this.goAwayFence = this.ping().then(fenceUp, fenceUp);
    return this.goAwayFence;
  }

  /** True once goAway() was called (the GoAway is sent, or queued to be). */
  get localGoAwaySent(): boolean {
    return this.goAwayFence !== undefined;
  }

  /** Tears the session down: open streams are destroyed (with `err`, if given), the connection is closed. */
  close(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.stop();
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    if (this.drainTimer) clearTimeout(this.drainTimer);
    if (this.readPauseTimer) clearTimeout(this.readPauseTimer);
    this.warnings.flush();
    for (const ping of this.pings.values()) {
      clearTimeout(ping.timer);
      ping.reject(new SessionClosedError());
    }
    this.pings.clear();
    const streams = [...this.streams.values()];
    this.streams.clear();
    this.backlog = [];
    // Write callbacks of destroyed streams are moot; Node settles the streams on destroy.
    this.writeWaiters = [];
    // Without an error (orderly close by either side) open streams just close; readers see a
    // premature close (pipeline/finished report it) rather than an 'error' nobody listens to.
    for (const stream of streams) stream._abort(err);
    this.flush(); // a GoAway queued just before closing still goes out
    this.batch.clear();
    this.shutdownConn();
    this.emit('close', err);
  }

  // ---- used by YamuxStream ---------------------------------------------------------------

  /** @internal */
  get _logger(): ProtocolLogger {
    return this.opts.logger;
  }

  /** @internal */
  get _maxStreamWindow(): number {
    return this.opts.maxStreamWindow;
  }

  /** @internal */
  get _streamCloseTimeout(): number {
    return this.opts.streamCloseTimeout;
  }

  /** @internal */
  _sendFrame(type: FrameType, flags: number, streamId: number, length: number): void {
    if (this.closed) return;
    this.batch.header(type, flags, streamId, length);
    this.batchControlBytes += HEADER_SIZE;
    // Cheap test first: controlInConn is only an upper bound until released.
    if (!this.readPaused && this.batchControlBytes + this.controlInConn > this.opts.maxQueuedControlBytes) {
      this.checkControlQueue();
    }
    this.scheduleFlush();
  }

  /** @internal */
  _sendData(streamId: number, payload: Buffer): void {
    if (this.closed) return;
    this.batch.header(FrameType.Data, 0, streamId, payload.length);
    this.batch.payload(payload);
    this.scheduleFlush();
  }

  /** @internal Calls `cb` once the connection can take more (now, or on its next 'drain'). */
  _whenWritable(cb: (err?: Error | null) => void): void {
    if (this.closed) cb(new SessionClosedError());
    else if (this.conn.writableNeedDrain) this.writeWaiters.push(cb);
    else cb();
  }

  /** @internal */
  _forgetStream(stream: YamuxStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
  }

  // ---- receiving -------------------------------------------------------------------------

  private frameHandler(): FrameHandler {
    return {
      onHeader: (h) => this.onHeader(h),
      onPayload: (piece) => this.payloadTarget?._onData(piece),
      onPayloadEnd: (h) => {
        const stream = this.payloadTarget;
        this.payloadTarget = null;
        if (!stream) return;
        this.applyCloseFlags(stream, h);
        stream._afterPayload();
      },
    };
  }

  private onChunk(chunk: Buffer): void {
    if (this.budget.enabled) this.budget.refill();
    this.reader.push(chunk);
  }

  private onHeader(h: FrameHeader): void {
    if (this.budget.enabled && !this.budget.take()) {
      return this.violation(`more than ${this.budget.ratePerSecond} frames/s (burst ${this.budget.burst})`);
    }
    if (h.version !== 0) return this.violation(`bad protocol version ${h.version}`);
    switch (h.type) {
      case FrameType.Data:
      case FrameType.WindowUpdate:
        return this.onStreamFrame(h);
      case FrameType.Ping:
        return this.onPing(h);
      case FrameType.GoAway:
        return this.onGoAway(h);
      default:
        return this.violation(`unknown frame type ${h.type}`);
    }
  }

  private onStreamFrame(h: FrameHeader): void {
    const isData = h.type === FrameType.Data;
    this.payloadTarget = null;
    if (isData && h.length > this.opts.maxStreamWindow) {
      return this.violation(`data frame of ${h.length} bytes is longer than the ${this.opts.maxStreamWindow} byte window`);
    }
    const stream = h.flags & Flag.SYN ? this.incomingStream(h.streamId) : this.streams.get(h.streamId);
    if (this.closed) return;
    if (!stream) {
      // Normal after we reset a stream: frames already in flight are dropped (payload discarded).
      this.warnings.debug('yamux frame for unknown stream dropped', { streamId: h.streamId, type: h.type });
      return;
    }
    if (h.flags & Flag.ACK) stream._onAck();
    if (isData) {
      if (h.length > stream._recvWindow) {
        return this.violation(
          `receive window exceeded on stream ${h.streamId}: ${h.length} bytes sent, ${stream._recvWindow} allowed`,
        );
      }
      // The window shrinks piece by piece as the payload is pushed (YamuxStream._onData), so
      // bytes of this frame still on the wire are never handed back as free window.
      // FIN/RST apply after the payload, so the data before a FIN is delivered first.
      this.payloadTarget = stream;
      return;
    }
    if (h.length > 0) stream._onWindowUpdate(h.length);
    this.applyCloseFlags(stream, h);
  }

  private applyCloseFlags(stream: YamuxStream, h: FrameHeader): void {
    if (h.flags & Flag.FIN) {
      if (stream._remoteClosed) return this.violation(`unexpected FIN on half-closed stream ${stream.id}`);
      stream._onFin();
    }
    if (h.flags & Flag.RST) stream._onRst();
  }

  private incomingStream(id: number): YamuxStream | undefined {
    if (id === 0 || id % 2 === (this.opts.client ? 1 : 0)) {
      this.violation(`SYN for stream ${id} with the wrong parity (${this.opts.client ? 'client' : 'server'} side)`);
      return undefined;
    }
    if (this.streams.has(id)) {
      this.violation(`SYN for already open stream ${id}`);
      return undefined;
    }
    if (this.opts.refuseInboundStreams) {
      this.resetUnaccepted(id, 'inbound streams refused');
      return undefined;
    }
    if (this.localGoAway) {
      this.resetUnaccepted(id, 'go-away sent');
      return undefined;
    }
    if (this.streams.size >= this.opts.maxStreams) {
      this.warnings.warn('yamux too many streams, resetting new stream', { streamId: id, limit: this.opts.maxStreams });
      this.resetUnaccepted(id, 'too many streams');
      return undefined;
    }
    const listening = this.listenerCount('stream') > 0 && this.backlog.length === 0;
    if (!listening && this.backlog.length >= this.opts.acceptBacklog) {
      this.warnings.warn('yamux accept backlog full, resetting new stream', { streamId: id, limit: this.opts.acceptBacklog });
      this.resetUnaccepted(id, 'backlog full');
      return undefined;
    }
    const stream = new YamuxStream(this, id);
    this.streams.set(id, stream);
    if (listening) this.accept(stream);
    else this.backlog.push(stream);
    return stream;
  }

  private resetUnaccepted(id: number, why: string): void {
    this.warnings.debug('yamux refusing stream', { streamId: id, reason: why });
    this._sendFrame(FrameType.WindowUpdate, Flag.RST, id, 0);
  }

  private accept(stream: YamuxStream): void {
    stream._sendAck();
    this.emit('stream', stream);
  }

  private acceptBacklog(): void {
    while (this.backlog.length > 0 && this.listenerCount('stream') > 0 && !this.closed) {
      const stream = this.backlog.shift() as YamuxStream;
      if (!stream.destroyed) this.accept(stream);
    }
  }

  private onPing(h: FrameHeader): void {
    if (h.flags & Flag.SYN) {
      this._sendFrame(FrameType.Ping, Flag.ACK, 0, h.length);
      return;
    }
    const ping = this.pings.get(h.length);
    if (!ping) return;
    this.pings.delete(h.length);
    clearTimeout(ping.timer);
    ping.resolve(performance.now() - ping.start);
  }

  private onGoAway(h: FrameHeader): void {
    if (h.length === GoAwayCode.Normal) {
      this.remoteGoAwayReceived = true;
      this.emit('goaway');
      return;
    }
    this.opts.logger.warn('yamux peer sent go away with an error code', { code: h.length });
    this.close(new RemoteGoAwayError(h.length));
  }

  private violation(reason: string): void {
    if (this.closed) return;
    this.opts.logger.warn('yamux protocol violation, closing session', { reason });
    // Nothing more it sends will be parsed. A peer that is not reading what we send (the write
    // buffer is backed up) will not see the GoAway soon either: stop reading from it, so its flood
    // is pushed back by the kernel instead of costing a read per chunk until the connection is cut.
    // A peer that reads gets the GoAway and the close promptly, so its connection is drained.
    if (this.conn.writableLength > 0 || this.readPaused) this.conn.pause();
    this._sendFrame(FrameType.GoAway, 0, 0, GoAwayCode.ProtocolError);
    this.close(new ProtocolViolationError(reason));
  }

  private keepAlive(): void {
    this.ping().catch((err: Error) => {
      if (this.closed) return;
      this.opts.logger.error('yamux keepalive failed, closing session', { error: err.message });
      this.close(new ProtocolTimeoutError('keepalive timeout', 'ERR_KEEPALIVE_TIMEOUT'));
    });
  }

  // ---- sending ---------------------------------------------------------------------------

  private scheduleFlush(): void {
    // A bulk transfer should not wait for the end of the loop turn to start hitting the wire.
    if (this.batch.length >= FLUSH_NOW_BYTES) return this.flush();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // setImmediate, not nextTick: it runs once the loop turn's I/O callbacks are done, so the
      // frames several callbacks produce (a stream's SYN, the request written after the dial's
      // promise settled, its FIN on a later tick, other streams' frames) become one connection
      // write (one WebSocket message, one syscall) instead of one each. It adds no wait: the
      // check phase follows the poll phase directly. Measured on the proxy (strace, c=1): 5 -> 3
      // write syscalls per proxied request; server CPU per request at c=50 roughly halved.
      setImmediate(this.flushCallback);
    }
  }

  /** Writes everything queued this loop turn as few conn writes as possible (one writev when corked). */
  private flush(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0) {
      if (this.readPaused) this.checkControlQueue();
      return;
    }
    const bytes = this.batch.length;
    const bufs = this.batch.take();
    const control = this.batchControlBytes;
    this.batchControlBytes = 0;
    const conn = this.conn;
    if (conn.destroyed || conn.writableEnded) return;
    this.releaseWrittenControl();
    this.bytesWritten += bytes;
    if (control > 0) {
      this.controlMarks.push(this.bytesWritten, control);
      this.controlInConn += control;
    }
    if (bufs.length === 1) {
      conn.write(bufs[0]);
    } else {
      conn.cork();
      for (const buf of bufs) conn.write(buf);
      conn.uncork();
    }
    if (conn.writableNeedDrain && !this.drainTimer && !this.closed) {
      this.drainTimer = setTimeout(() => {
        this.drainTimer = null;
        this.opts.logger.error('yamux connection write timed out, closing session', {
          timeoutMs: this.opts.connectionWriteTimeout,
        });
        this.close(new ProtocolTimeoutError('connection write timeout', 'ERR_WRITE_TIMEOUT'));
      }, this.opts.connectionWriteTimeout);
      this.drainTimer.unref();
    }
    if (this.readPaused) this.checkControlQueue();
  }

  private onDrain(): void {
    if (this.drainTimer) {
      clearTimeout(this.drainTimer);
      this.drainTimer = null;
    }
    const waiters = this.writeWaiters;
    this.writeWaiters = [];
    for (const cb of waiters) cb();
    if (this.readPaused) this.checkControlQueue();
  }

  // ---- read-side backpressure (maxQueuedControlBytes) ------------------------------------

  /** Forgets the control bytes of flushes the connection has passed on (its buffer drains in order). */
  private releaseWrittenControl(): void {
    const marks = this.controlMarks;
    if (this.controlMarkHead === marks.length) return;
    const passedOn = this.bytesWritten - this.conn.writableLength;
    let head = this.controlMarkHead;
    while (head < marks.length && marks[head] <= passedOn) {
      this.controlInConn -= marks[head + 1];
      head += 2;
    }
    if (head === marks.length) {
      marks.length = 0;
      head = 0;
    } else if (head >= 1024) {
      marks.splice(0, head);
      head = 0;
    }
    this.controlMarkHead = head;
  }

  /**
   * Pauses reading while the control queue is above its limit, and resumes once it is down to
   * half of it (hysteresis, so a peer reading slowly is not paused and resumed per frame). Like
   * hashicorp/yamux, whose receive loop blocks while its send channel is full, but bounded in
   * time: queuedControlTimeout later the session ends with GoAway(protocol error).
   */
  private checkControlQueue(): void {
    if (this.closed) return;
    const queued = this.queuedControlBytes;
    const limit = this.opts.maxQueuedControlBytes;
    if (!this.readPaused && queued > limit) this.pauseReading(queued);
    else if (this.readPaused && queued <= limit / 2) this.resumeReading();
  }

  private pauseReading(queued: number): void {
    this.readPaused = true;
    this.reader.pause();
    this.conn.pause();
    this.opts.logger.debug('yamux control frames queued over the limit, reading paused', {
      queuedBytes: queued,
      limit: this.opts.maxQueuedControlBytes,
    });
    const timeoutMs = this.opts.queuedControlTimeout;
    if (timeoutMs > 0) {
      this.readPauseTimer = setTimeout(() => {
        this.readPauseTimer = null;
        this.violation(
          `peer did not read ${this.queuedControlBytes} bytes of queued control frames within ${timeoutMs} ms (limit ${this.opts.maxQueuedControlBytes})`,
        );
      }, timeoutMs);
      this.readPauseTimer.unref();
    }
    // A flush may already have emptied the queue with nothing left to drain: look again then.
    this.scheduleFlush();
  }

  private resumeReading(): void {
    this.readPaused = false;
    if (this.readPauseTimer) {
      clearTimeout(this.readPauseTimer);
      this.readPauseTimer = null;
    }
    this.conn.resume();
    this.reader.resume();
  }

  private shutdownConn(): void {
    const conn = this.conn;
    if (conn.destroyed) return;
    // end() lets queued frames (e.g. our GoAway) reach the peer; destroy() follows either way.
    const timer = setTimeout(() => conn.destroy(), this.opts.connectionWriteTimeout);
    timer.unref();
    conn.end(() => {
      clearTimeout(timer);
      conn.destroy();
    });
  }
}
