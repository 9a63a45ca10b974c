import type { CapturedBody } from './exchange-record';

/** Asks the store for memory before a body chunk is kept: true when `bytes` may be kept. */
export type MemoryClaim = (bytes: number) => boolean;

/**
 * One direction's body as it passes: counts every byte, keeps the first `limit` of them (as the
 * chunks that came, copied only at the end), and nothing more. Each kept chunk is claimed from
 * the store's memory cap first; a refused claim keeps nothing more (the body is then `truncated`).
 */
export class BodyCapture {
  size = 0;
  private keptBytes = 0;
  private chunks: Buffer[] = [];
  /** Set once the whole body passed (its end was seen). */
  complete = false;
  private stopped = false;

  constructor(
    private readonly limit: number,
    private claim: MemoryClaim | undefined,
    readonly omitted?: CapturedBody['omitted'],
  ) {
    if (omitted) this.stopped = true;
  }

  /** Where kept bytes are claimed from, when it was not known at construction. */
  claimFrom(claim: MemoryClaim): void {
    this.claim = claim;
  }

  /** Counts `chunk`, and keeps what fits under the limit and the memory cap. */
  add(chunk: Buffer | string): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.size += buffer.length;
    if (this.stopped) return;
    const room = this.limit - this.keptBytes;
    if (room <= 0) {
      this.stopped = true;
      return;
    }
    const part = buffer.length <= room ? buffer : buffer.subarray(0, room);
    if (!this.claim || !this.claim(part.length)) {
      this.stopped = true;
      return;
    }
    // A copy: the chunk's buffer may be a slice of a pooled one Node reuses.
    this.chunks.push(Buffer.from(part));
    this.keptBytes += part.length;
  }

  /** No more is kept (the record was evicted): drops what was kept. */
  drop(): void {
    this.stopped = true;
    this.chunks = [];
    this.keptBytes = 0;
  }

  get kept(): number {
    return this.keptBytes;
  }

  /** The kept bytes as one buffer. */
  bytes(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Whether every byte of the body was kept (and the body is over). */
  get whole(): boolean {
    return this.complete && !this.omitted && this.keptBytes === this.size;
  }

  toJSON(): CapturedBody {
    return {
      size: this.size,
      kept: this.bytes().toString('base64'),
      truncated: this.size > this.keptBytes,
      ...(this.omitted ? { omitted: this.omitted } : {}),
    };
  }
}
