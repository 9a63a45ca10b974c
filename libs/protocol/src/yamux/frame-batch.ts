import { HEADER_SIZE, writeHeader, type FrameType } from './frame';

/** Payloads shorter than this are copied in beside the headers; longer ones are queued as they are. */
const COPY_LIMIT = 2048;
/** Size of each backing slab: many loop turns' worth of headers and small payloads. */
const SLAB_SIZE = 64 * 1024;

/**
 * The frames a session has to send, as few buffers as possible. Headers and small payloads are
 * written straight into a shared slab, so a loop turn's control frames and small requests become
 * one contiguous buffer (one WebSocket message) without a 12-byte allocation per header or a copy
 * to merge them; big payloads go out as they are, without a copy. The slab is only ever appended
 * to: a region handed out by take() is never written again (the connection may still hold it).
 */
export class FrameBatch {
  private slab = Buffer.allocUnsafe(SLAB_SIZE);
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
    this.slab = Buffer.allocUnsafe(SLAB_SIZE);
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
