/** A head larger than this is not kept for the access log (the bytes still pass through untouched). */
export const MAX_LOGGED_HEAD_BYTES = 64 * 1024;

const END = Buffer.from('\r\n\r\n');

/**
 * Keeps a copy of the first HTTP head (request or response) passing through the agent's byte
 * splice, for the access log only: it never changes what is forwarded. Interim 1xx responses other
 * than 101 are skipped so the final response's headers are logged, as Go's ReverseProxy does.
 * Stops copying at the end of the head, or at MAX_LOGGED_HEAD_BYTES (then no headers are logged).
 */
export class HeadTap {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private head: Buffer | undefined;
  private done = false;

  push(chunk: Buffer): void {
    if (this.done) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    let held = Buffer.concat(this.chunks);
    for (;;) {
      const end = held.indexOf(END);
      if (end < 0) break;
      const head = held.subarray(0, end);
      if (!/^HTTP\/\d\.\d 1(?!01)\d\d/.test(head.toString('latin1', 0, 16))) {
        this.head = head;
        this.stop();
        return;
      }
      // An interim response (100 Continue, 103 Early Hints): the final one follows.
      held = held.subarray(end + END.length);
    }
    this.chunks = [held];
    this.bytes = held.length;
    if (this.bytes > MAX_LOGGED_HEAD_BYTES) this.stop();
  }

  /** The header fields of the head, as [name, value] pairs in wire order; none if incomplete. */
  headers(): [string, string][] {
    if (!this.head) return [];
    const out: [string, string][] = [];
    const lines = this.head.toString('latin1').split('\r\n');
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) out.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
    return out;
  }

  private stop(): void {
    this.done = true;
    this.chunks = [];
  }
}
