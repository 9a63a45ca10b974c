import { HEADER_SIZE, writeHeader, type FrameType } from './frame';

/** Payloads shorter than this are copied in beside the headers; longer ones are queued as they are. */
const COPY_LIMIT = 2048;
/** Largest backing slab: many loop turns' worth of headers and small payloads on a busy session. */
const SLAB_SIZE = 64 * 1024;
/**
 * The first slab, and the smallest a quiet session goes back to. Below Node's pool limit (4 KiB),
 * so it is a slice of the shared buffer pool: an idle session (a ping now and then) holds ~1 KiB,
 * not 64 KiB of its own that its writes would make resident page by page (10,000 idle upstream
 * sessions on a gateway: docs/performance.md, S3).
 */
const MIN_SLAB_SIZE = 1024;
/** A slab filled sooner than this (ms) makes the next one twice as big; later, half as big. */
const BUSY_FILL_MS = 1000;
const EMPTY = Buffer.alloc(0);

/**
 * The frames a session has to send, as few buffers as possible. Headers and small payloads are
 * written straight into a shared slab, so a loop turn's control frames and small requests become
 * one contiguous buffer (one WebSocket message) without a 12-byte allocation per header or a copy
 * to merge them; big payloads go out as they are, without a copy. The slab is only ever appended
 * to: a region handed out by take() is never written again (the connection may still hold it).
 */
export class FrameBatch {
  /** Allocated on the first write (a session that never writes holds none). */
  private slab = EMPTY;
  private slabSize = MIN_SLAB_SIZE;
  /** When the current slab was allocated (Date.now()). */
  private slabAt = 0;
  /** Start of the region not yet handed out. */
  private start = 0;
  private end = 0;
  private queue: Buffer[] = [];
  private queuedBytes = 0;

  /** Bytes waiting to be taken. */
  get length(): number {
    return this.queuedBytes + this.end - this.start;
  }

  header(type: FrameType, flags: number, streamId: number, length: number): void {
    this.reserve(HEADER_SIZE);
    writeHeader(this.slab, this.end, type, flags, streamId, length);
    this.end += HEADER_SIZE;
  }

  payload(buf: Buffer): void {
    if (buf.length < COPY_LIMIT) {
      this.reserve(buf.length);
      this.end += buf.copy(this.slab, this.end);
      return;
    }
    this.cut();
    this.queue.push(buf);
    this.queuedBytes += buf.length;
  }

  /** Everything added since the last take(), in order; empties the batch. */
  take(): Buffer[] {
    this.cut();
    const out = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    return out;
  }

  /** Drops everything not yet taken. */
  clear(): void {
    this.queue = [];
    this.queuedBytes = 0;
    this.end = this.start;
  }

  private reserve(n: number): void {
    if (this.end + n <= this.slab.length) return;
    this.cut();
    const now = Date.now();
    if (this.slab !== EMPTY) {
      const busy = now - this.slabAt < BUSY_FILL_MS;
      this.slabSize = busy ? Math.min(SLAB_SIZE, this.slabSize * 2) : Math.max(MIN_SLAB_SIZE, this.slabSize / 2);
    }
    this.slab = Buffer.allocUnsafe(Math.max(n, this.slabSize));
    this.slabAt = now;
    this.start = this.end = 0;
  }

  /** Moves the slab region written so far onto the queue. */
  private cut(): void {
    if (this.end === this.start) return;
    const region = this.slab.subarray(this.start, this.end);
    this.queue.push(region);
    this.queuedBytes += region.length;
    this.start = this.end;
  }
}
