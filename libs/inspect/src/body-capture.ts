import type { CapturedBody } from './exchange-record';

/** Asks the store for memory before a body chunk is kept: true when `bytes` may be kept. */
export type MemoryClaim = (bytes: number) => boolean;

/**
 * A piece of a chunk is kept by reference when it is at least this share of the memory it keeps
 * alive (its parent ArrayBuffer), else copied out: a small piece of a large buffer would pin all of it.
 */
const KEEP_BY_REFERENCE_SHARE = 0.5;

/**
 * One direction's body as it passes: counts every byte, keeps the first `limit` of them, and
 * nothing more. Chunks are kept as they came, by reference (Node hands each body chunk in a
 * buffer of its own, never reused), and the memory each really keeps alive is what is claimed
 * from the store's cap first: its whole parent ArrayBuffer. A piece that is less than half of
 * its parent (a chunk cut at the limit) is copied instead, and only the copy is claimed. A
 * refused claim keeps nothing more (the body is then `truncated`).
 */
export class BodyCapture {
  size = 0;
  private keptBytes = 0;
  /** What was kept: nothing, one chunk (most bodies), or several. */
  private chunks: Buffer | Buffer[] | null = null;
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
    if (typeof chunk === 'string') chunk = Buffer.from(chunk);
    this.size += chunk.length;
    if (this.stopped) return;
    const room = this.limit - this.keptBytes;
    if (room <= 0 || chunk.length === 0) {
      if (room <= 0) this.stopped = true;
      return;
    }
    let part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    const byReference = part.length >= part.buffer.byteLength * KEEP_BY_REFERENCE_SHARE;
    if (!this.claim || !this.claim(byReference ? part.buffer.byteLength : part.length)) {
      this.stopped = true;
      return;
    }
    if (!byReference) part = ownCopy(part);
    this.keptBytes += part.length;
    if (this.chunks === null) this.chunks = part;
    else if (Array.isArray(this.chunks)) this.chunks.push(part);
    else this.chunks = [this.chunks, part];
  }

  /** No more is kept (the record was evicted): drops what was kept. */
  drop(): void {
    this.stopped = true;
    this.chunks = null;
    this.keptBytes = 0;
  }

  get kept(): number {
    return this.keptBytes;
  }

  /** The kept bytes as one buffer (joined when read, never on the hot path). */
  bytes(): Buffer {
    if (Array.isArray(this.chunks)) this.chunks = joined(this.chunks, this.keptBytes);
    return this.chunks ?? Buffer.alloc(0);
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

/** `part` in memory of its own, exactly its size (not a slice of Node's shared pool, which would pin 8 KiB). */
function ownCopy(part: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(part.length);
  part.copy(copy);
  return copy;
}

/** `chunks` as one buffer of its own (`total` bytes: their lengths' sum). */
function joined(chunks: readonly Buffer[], total: number): Buffer {
  const out = Buffer.allocUnsafeSlow(total);
  let offset = 0;
  for (const chunk of chunks) offset += chunk.copy(out, offset);
  return out;
}
