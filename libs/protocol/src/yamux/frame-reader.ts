import { FrameHeader, FrameType, HEADER_SIZE, readHeader } from './frame';

export interface FrameHandler {
  /** Called for every frame header. For Data frames, payload pieces follow, then onPayloadEnd. */
  onHeader(header: FrameHeader): void;
  /** A piece of the current Data frame's payload: a zero-copy view of the received chunk. */
  onPayload(piece: Buffer): void;
  onPayloadEnd(header: FrameHeader): void;
}

/**
 * Incremental yamux frame parser. Payloads are handed on as views of the chunks they arrived
 * in (never concatenated), so a 256 KiB frame split across TCP segments costs no copy; only a
 * header split across chunks is copied into a 12-byte scratch buffer.
 */
export class FrameReader {
  private readonly header: FrameHeader = { version: 0, type: 0, flags: 0, streamId: 0, length: 0 };
  private readonly partial = Buffer.alloc(HEADER_SIZE);
  private partialLength = 0;
  /** Payload bytes of the current Data frame still to come; -1 while reading a header. */
  private remaining = -1;
  private stopped = false;
  private paused = false;
  /** Input received, or left unparsed, while paused; parsed in order on resume(). */
  private held: Buffer[] = [];
  /** Inside parse(): a resume() from a handler only clears the flag, the running loop goes on. */
  private parsing = false;

  constructor(private readonly handler: FrameHandler) {}

  /** Stops parsing (the session is closing); later chunks are ignored. */
  stop(): void {
    this.stopped = true;
    this.held = [];
  }

  /**
   * Stops handing on frames after the current one (the session's send queue is full): the rest
   * of the chunk being parsed, and any chunk pushed meanwhile, waits for resume().
   */
  pause(): void {
    this.paused = true;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes received but not parsed yet (held while paused). */
  get heldBytes(): number {
    let n = 0;
    for (const b of this.held) n += b.length;
    return n;
  }

  /** Parses what was held, in order, until done or paused again. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.parsing) return;
    while (this.held.length > 0 && !this.paused && !this.stopped) this.parse(this.held.shift() as Buffer);
  }

  push(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.paused || this.held.length > 0) {
      this.held.push(chunk);
      return;
    }
    this.parse(chunk);
  }

  private parse(chunk: Buffer): void {
    this.parsing = true;
    try {
      this.parseChunk(chunk);
    } finally {
      this.parsing = false;
    }
  }

  private parseChunk(chunk: Buffer): void {
    let offset = 0;
    const end = chunk.length;
    while (offset < end && !this.stopped) {
      if (this.paused) {
        this.held.unshift(chunk.subarray(offset));
        return;
      }
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, end - offset);
        const piece = offset === 0 && take === end ? chunk : chunk.subarray(offset, offset + take);
        offset += take;
        this.remaining -= take;
        this.handler.onPayload(piece);
        if (this.remaining === 0) this.finishPayload();
        continue;
      }
      if (this.partialLength === 0 && end - offset >= HEADER_SIZE) {
        readHeader(chunk, offset, this.header);
        offset += HEADER_SIZE;
      } else {
        const take = Math.min(HEADER_SIZE - this.partialLength, end - offset);
        chunk.copy(this.partial, this.partialLength, offset, offset + take);
        this.partialLength += take;
        offset += take;
        if (this.partialLength < HEADER_SIZE) return;
        this.partialLength = 0;
        readHeader(this.partial, 0, this.header);
      }
      this.onHeader();
    }
  }

  private onHeader(): void {
    const h = this.header;
    this.handler.onHeader(h);
    if (this.stopped) return;
    if (h.type === FrameType.Data && h.version === 0) {
      if (h.length === 0) this.handler.onPayloadEnd(h);
      else this.remaining = h.length;
    }
  }

  private finishPayload(): void {
    this.remaining = -1;
    this.handler.onPayloadEnd(this.header);
  }
}
