/**
 * Finds where each HTTP/1.1 message starts and ends in a byte stream that is spliced, without
 * buffering bodies: request messages on a stream from Piko, response messages on the connection
 * to the local service (the agent), and the same on a gateway's kept relay streams and the
 * upstream streams it sends their requests on. The agent needs the boundaries to log every
 * request of a reused stream, rewrite every request line for a target with a path prefix, and know
 * when a service connection sits between messages (reusable) or in the middle of one; a gateway
 * needs them to route each request of a kept relay stream on its own (KeptRelayStream). Only what framing needs is parsed
 * (RFC 9112 §6: Content-Length, Transfer-Encoding; §4 status line; RFC 9110 §15.2 interim 1xx,
 * §9.3.2 HEAD, §15.3.5/§15.4.5 204 and 304, §7.8 Upgrade/101, §9.3.6 CONNECT); every other byte
 * passes through untouched.
 *
 * Why our own: Node's llhttp is reachable only through undocumented `http` internals and reports
 * no byte offsets (a rewrite needs them); http-parser-js is a whole parser that builds header
 * objects per message. This one only scans for line ends in heads and counts body bytes.
 *
 * Lines of a head (start line, header fields, chunk-size lines, trailer fields) are bounded by
 * `maxLineBytes`; a longer one, or a framing the parser cannot follow (a bad Content-Length or
 * chunk size, a request Transfer-Encoding not ending in chunked: RFC 9112 §6.3 makes that
 * unreadable), switches the framer to tunnel mode: the rest passes through unparsed and
 * `onLost` says why, so the caller stops reusing the connection.
 */

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n');
const LF_ONLY = Buffer.from('\n');

export type FramerMode = 'request' | 'response';

/** What the framer found; every callback gets the absolute byte position in the stream. */
export interface FramerEvents {
  /**
   * A message's start line (request line or status line, without its line end) begins at `position`.
   * Request mode: may return bytes to forward instead of the line (its line end is kept).
   */
  startLine(line: Buffer, position: number): Buffer | undefined;
  /** One header field of the current head (only when the framer was asked to collect them). */
  header?(name: string, value: string): void;
  /** The head is complete (for a response: a final one, interim 1xx heads are reported as interim). */
  headEnd(position: number): void;
  /** Response mode: an interim 1xx head (not 101) ended; the final response follows. */
  interim?(status: number): void;
  /** The message (head and body) ended just before `position`. */
  messageEnd(position: number): void;
  /** Bytes to forward (request mode only; response bytes pass through as they came). */
  data?(bytes: Buffer): void;
  /**
   * Framing could not be followed; the rest of the stream is a tunnel. `inStartLine`: it was a
   * start line that grew past maxLineBytes; `inHeaderLine`: a header or trailer field line.
   */
  lost(reason: string, inStartLine: boolean, inHeaderLine: boolean): void;
}

const enum Phase {
  StartLine,
  Headers,
  Body,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  /** Response without framing: the body runs until the connection closes. */
  UntilClose,
  /** Bytes after a 101 or a CONNECT's 2xx, or after lost framing: never parsed again. */
  Tunnel,
}

export class Http1Framer {
  private phase = Phase.StartLine;
  /** Bytes of the line being read, when it began in an earlier chunk. */
  private partial: Buffer = EMPTY;
  private remaining = 0;
  private position = 0;
  // Framing fields of the current head.
  private contentLength = -1;
  private chunked = false;
  private otherCoding = false;
  private badLength = false;
  /** Response mode: the status of the head being read. */
  private status = 0;
  /** Request mode: this message asks to leave HTTP (Upgrade field or CONNECT). */
  private upgradeRequested = false;
  private method = '';
  /** Collect header fields for `header` (the access log wants them). */
  collectHeaders = false;

  /**
   * @param methodOf response mode: the method of the request the next response answers (HEAD
   *   and CONNECT change its framing); request mode: unused.
   */
  constructor(
    private readonly mode: FramerMode,
    private readonly maxLineBytes: number,
    private readonly events: FramerEvents,
    private readonly methodOf: () => string = () => '',
  ) {}

  /** Between messages: the next byte, if any, starts a new message. */
  get atMessageBoundary(): boolean {
    return this.phase === Phase.StartLine && this.partial.length === 0;
  }

  /** Response mode: the body runs until the connection closes (no Content-Length, not chunked). */
  get untilClose(): boolean {
    return this.phase === Phase.UntilClose;
  }

  get tunnel(): boolean {
    return this.phase === Phase.Tunnel;
  }

  /** Request mode: the message just ended asked to switch protocols (Upgrade, CONNECT). */
  get upgradeRequest(): boolean {
    return this.upgradeRequested;
  }

  /** Whether the request being read is CONNECT. */
  get requestMethod(): string {
    return this.method;
  }

  /** Everything from here on is a tunnel (a 101 or a CONNECT's 2xx came back). */
  switchToTunnel(): void {
    // Only a held request line was not forwarded yet; other partial lines were, as they came.
    if (this.heldStart && this.partial.length > 0) this.events.data?.(this.partial);
    this.heldStart = false;
    this.partial = EMPTY;
    this.phase = Phase.Tunnel;
  }

  /** The connection closed: a response running until close ends here. */
  end(): void {
    if (this.phase === Phase.UntilClose) {
      this.phase = Phase.StartLine;
      this.events.messageEnd(this.position);
    }
  }

  /** Feeds the next bytes in stream order. */
  push(chunk: Buffer): void {
    const forward = this.mode === 'request';
    let i = 0;
    this.chunk = forward ? chunk : EMPTY;
    this.run = 0;
    const base = this.position;
    while (i < chunk.length) {
      switch (this.phase) {
        case Phase.Tunnel:
        case Phase.UntilClose:
          i = chunk.length;
          break;
        case Phase.Body:
        case Phase.ChunkData: {
          const take = Math.min(this.remaining, chunk.length - i);
          i += take;
          this.remaining -= take;
          this.position = base + i;
          this.at = i;
          if (this.remaining === 0) {
            if (this.phase === Phase.ChunkData) this.phase = Phase.ChunkDataEnd;
            else this.finishMessage();
          }
          break;
        }
        default: {
          // A line: start line, header field, chunk size, chunk data's CRLF, trailer field.
          const lineStart = i;
          const lf = chunk.indexOf(LF, i);
          const isStart = this.phase === Phase.StartLine;
          if (lf === -1) {
            if (this.partial.length + (chunk.length - lineStart) > this.maxLineBytes) {
              this.loseFraming(`line longer than ${this.maxLineBytes} bytes`);
              i = chunk.length;
              break;
            }
            this.partial = this.partial.length === 0 ? Buffer.from(chunk.subarray(lineStart)) : Buffer.concat([this.partial, chunk.subarray(lineStart)]);
            // A request line is held until complete (it may be rewritten); other lines pass on now.
            if (forward && isStart) {
              this.flushTo(lineStart);
              this.run = chunk.length;
              this.heldStart = true;
            }
            i = chunk.length;
            break;
          }
          const heldBefore = this.partial.length;
          const line = heldBefore > 0 ? Buffer.concat([this.partial, chunk.subarray(lineStart, lf)]) : chunk.subarray(lineStart, lf);
          this.partial = EMPTY;
          if (line.length > this.maxLineBytes) {
            this.loseFraming(`line longer than ${this.maxLineBytes} bytes`);
            i = chunk.length;
            break;
          }
          const crlf = line.length > 0 && line[line.length - 1] === CR;
          const text = crlf ? line.subarray(0, line.length - 1) : line;
          const startPosition = base + lineStart - heldBefore;
          i = lf + 1;
          this.position = base + i;
          this.at = i;
          if (!isStart) {
            this.onLine(text);
            if ((this.phase as Phase) === Phase.Tunnel) i = chunk.length;
            break;
          }
          // Stray line ends between messages are skipped (RFC 9112 §2.2), and forwarded as they came.
          if (text.length === 0) {
            if (forward && this.heldStart) this.events.data?.(line);
            this.heldStart = false;
            break;
          }
          // What came before the line belongs to the previous message: forwarded before the event.
          if (forward) this.flushTo(lineStart);
          const replacement = this.events.startLine(text, startPosition);
          if (forward) {
            if (replacement !== undefined) {
              this.events.data?.(replacement);
              this.events.data?.(crlf ? CRLF : LF_ONLY);
              this.run = lf + 1;
            } else if (this.heldStart) {
              // The held beginning of the line goes first; the rest follows with this chunk's run.
              this.events.data?.(this.heldBytes(line, heldBefore));
            }
            this.heldStart = false;
          }
          this.beginHead(text);
          break;
        }
      }
    }
    this.position = base + chunk.length;
    if (forward) this.flushTo(chunk.length);
    this.chunk = EMPTY;
  }

  /** The chunk being pushed (request mode), and where its bytes not forwarded yet begin. */
  private chunk: Buffer = EMPTY;
  private run = 0;
  /** Index in `chunk` of the byte at `position`, during push. */
  private at = 0;

  /** Forwards the chunk's bytes not forwarded yet, up to `end` (exclusive). */
  private flushTo(end: number): void {
    if (this.run >= end) return;
    this.events.data?.(this.run === 0 && end === this.chunk.length ? this.chunk : this.chunk.subarray(this.run, end));
    this.run = end;
  }

  /** A request line's beginning is held, not forwarded yet (request mode). */
  private heldStart = false;

  /** The first `held` bytes of `line`: what was held of it from earlier chunks. */
  private heldBytes(line: Buffer, held: number): Buffer {
    return line.subarray(0, held);
  }

  private beginHead(startLine: Buffer): void {
    this.contentLength = -1;
    this.chunked = false;
    this.otherCoding = false;
    this.badLength = false;
    this.upgradeRequested = false;
    if (this.mode === 'request') {
      const space = startLine.indexOf(0x20);
      this.method = space === -1 ? startLine.toString('latin1') : startLine.toString('latin1', 0, space);
      this.upgradeRequested = this.method === 'CONNECT';
      this.status = 0;
    } else {
      // `HTTP/1.1 200 OK`: three digits after the first space.
      const space = startLine.indexOf(0x20);
      const code = space === -1 ? NaN : Number(startLine.toString('latin1', space + 1, space + 4));
      this.status = Number.isInteger(code) ? code : 0;
    }
    this.phase = Phase.Headers;
  }

  private onLine(text: Buffer): void {
    switch (this.phase) {
      case Phase.Headers:
        if (text.length === 0) return this.endHead();
        return this.onHeaderLine(text);
      case Phase.ChunkSize: {
        const semicolon = text.indexOf(0x3b);
        const digits = (semicolon === -1 ? text : text.subarray(0, semicolon)).toString('latin1').trim();
        if (!/^[0-9a-fA-F]{1,13}$/.test(digits)) return this.loseFraming('bad chunk size');
        const size = parseInt(digits, 16);
        if (size === 0) {
          this.phase = Phase.Trailers;
          return;
        }
        this.remaining = size;
        this.phase = Phase.ChunkData;
        return;
      }
      case Phase.ChunkDataEnd:
        if (text.length !== 0) return this.loseFraming('chunk data not followed by CRLF');
        this.phase = Phase.ChunkSize;
        return;
      case Phase.Trailers:
        if (text.length === 0) this.finishMessage();
        return;
    }
  }

  private onHeaderLine(text: Buffer): void {
    const colon = text.indexOf(0x3a);
    if (colon <= 0) return;
    const nameLength = colon;
    // Only the framing fields are looked at unless the access log wants every field.
    const framing = nameLength === 14 || nameLength === 17 || nameLength === 7;
    if (!framing && !this.collectHeaders) return;
    const name = text.toString('latin1', 0, colon);
    const value = text.toString('latin1', colon + 1).trim();
    if (this.collectHeaders) this.events.header?.(name.trim(), value);
    if (!framing) return;
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      const length = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
      if (Number.isNaN(length) || (this.contentLength !== -1 && this.contentLength !== length)) this.badLength = true;
      else this.contentLength = length;
    } else if (lower === 'transfer-encoding') {
      const codings = value.toLowerCase().split(',');
      const last = codings[codings.length - 1].trim();
      // Only the last coding says how the message ends (RFC 9112 §6.3).
      this.chunked = last === 'chunked';
      this.otherCoding = !this.chunked;
    } else if (lower === 'upgrade' && this.mode === 'request') {
      this.upgradeRequested = true;
    }
  }

  private endHead(): void {
    const status = this.status;
    if (this.mode === 'response' && status >= 100 && status < 200 && status !== 101) {
      // An interim response: its head is all of it, the final response follows (RFC 9110 §15.2).
      this.phase = Phase.StartLine;
      this.events.interim?.(status);
      return;
    }
    this.events.headEnd(this.position);
    if (this.mode === 'response') {
      const method = this.methodOf();
      if (status === 101 || (method === 'CONNECT' && status >= 200 && status < 300)) {
        this.phase = Phase.Tunnel;
        this.events.messageEnd(this.position);
        return;
      }
      if (method === 'HEAD' || status === 204 || status === 304) return this.finishMessage();
      if (this.chunked && !this.otherCoding) return void (this.phase = Phase.ChunkSize);
      if (this.otherCoding) return void (this.phase = Phase.UntilClose);
      if (this.badLength) return this.loseFraming('bad Content-Length');
      if (this.contentLength >= 0) return this.bodyOf(this.contentLength);
      this.phase = Phase.UntilClose;
      return;
    }
    if (this.otherCoding) return this.loseFraming('request Transfer-Encoding does not end in chunked');
    if (this.chunked) {
      if (this.contentLength !== -1 || this.badLength) return this.loseFraming('request with both Content-Length and Transfer-Encoding');
      return void (this.phase = Phase.ChunkSize);
    }
    if (this.badLength) return this.loseFraming('bad Content-Length');
    this.bodyOf(Math.max(this.contentLength, 0));
  }

  private bodyOf(length: number): void {
    if (length === 0) return this.finishMessage();
    this.remaining = length;
    this.phase = Phase.Body;
  }

  private finishMessage(): void {
    this.phase = Phase.StartLine;
    // The message's last bytes are forwarded before its end is reported.
    if (this.chunk.length > 0) this.flushTo(this.at);
    this.events.messageEnd(this.position);
  }

  private loseFraming(reason: string): void {
    const inStartLine = this.phase === Phase.StartLine;
    this.events.lost(reason, inStartLine, this.phase === Phase.Headers || this.phase === Phase.Trailers);
    this.switchToTunnel();
  }
}
