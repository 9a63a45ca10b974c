/** Buffers shorter than this are copied together; longer ones are written as they are. */
const SMALL = 2048;

/**
 * Merges runs of small buffers (headers, window updates, small payloads) into one buffer so a
 * tick's worth of frames reaches the connection as a few large writes, while big payloads are
 * passed through without a copy.
 */
export function coalesce(queue: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let runStart = -1;
  let runBytes = 0;
  const flushRun = (end: number): void => {
    if (runStart < 0) return;
    if (end - runStart === 1) out.push(queue[runStart]);
    else {
      const merged = Buffer.allocUnsafe(runBytes);
      let offset = 0;
      for (let i = runStart; i < end; i++) offset += queue[i].copy(merged, offset);
      out.push(merged);
    }
    runStart = -1;
    runBytes = 0;
  };
  for (let i = 0; i < queue.length; i++) {
    const buf = queue[i];
    if (buf.length < SMALL) {
      if (runStart < 0) runStart = i;
      runBytes += buf.length;
    } else {
      flushRun(i);
      out.push(buf);
    }
  }
  flushRun(queue.length);
  return out;
}
