import type { Readable } from 'node:stream';
import { type FrameHeader, FrameType, HEADER_SIZE, decodeHeader } from '../yamux/frame';

/**
 * The yamux frame headers a test's raw side of a connection reads, in order, as they arrive
 * (the returned array grows): Data payloads are skipped, a frame split across chunks is waited
 * for. Attaches a 'data' listener, so a paused stream must be resumed by the caller.
 */
export function collectFrames(raw: Readable): FrameHeader[] {
  const received: FrameHeader[] = [];
  let buf: Buffer = Buffer.alloc(0);
  raw.on('data', (chunk: Buffer) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= HEADER_SIZE) {
      const h = decodeHeader(buf);
      const size = HEADER_SIZE + (h.type === FrameType.Data ? h.length : 0);
      if (buf.length < size) break;
      received.push(h);
      buf = buf.subarray(size);
    }
  });
  return received;
}
