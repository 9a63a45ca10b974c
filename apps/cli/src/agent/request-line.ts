import { joinTargetPath } from './target-url';

/**
 * How many bytes the agent holds while waiting for the end of the first request line. Piko's
 * proxy sends whole request heads, so a longer line means the stream is not HTTP at all.
 */
export const MAX_REQUEST_LINE_BYTES = 8 * 1024;

const LF = 0x0a;

/** The first request line of a stream, split the way RFC 9112 §3 lays it out. */
export class RequestLine {
  private constructor(
    readonly method: string,
    /** The request-target as received (origin-form `/path?query` from Piko's proxy). */
    readonly target: string,
    readonly version: string,
    /** Bytes of the line itself, without its CRLF (or bare LF). */
    readonly length: number,
  ) {}

  /**
   * Parses the line ending at the first LF of `head`. Returns undefined while no LF has arrived
   * yet; the caller bounds that wait with MAX_REQUEST_LINE_BYTES.
   */
  static parse(head: Buffer): RequestLine | undefined {
    const lf = head.indexOf(LF);
    if (lf === -1) return undefined;
    const length = lf > 0 && head[lf - 1] === 0x0d ? lf - 1 : lf;
    // latin1 maps each byte to one char and back, so a rewritten line keeps any raw bytes intact.
    const line = head.toString('latin1', 0, length);
    const first = line.indexOf(' ');
    const last = line.lastIndexOf(' ');
    if (first === -1 || last === first) return new RequestLine(first === -1 ? line : line.slice(0, first), '', '', length);
    return new RequestLine(line.slice(0, first), line.slice(first + 1, last), line.slice(last + 1), length);
  }

  /**
   * `head` with this line's request-target prefixed by the target URL's path (and query), as Go
   * Piko's agent does through NewSingleHostReverseProxy. Only the origin-form (`/...`) is
   * rewritten: `*` and absolute or authority forms pass through unchanged, as does every byte
   * after the line (headers and body are never touched).
   */
  rewrite(head: Buffer, targetUrl: URL): Buffer {
    if (!this.target.startsWith('/')) return head;
    const line = `${this.method} ${joinTargetPath(targetUrl, this.target)} ${this.version}`;
    return Buffer.concat([Buffer.from(line, 'latin1'), head.subarray(this.length)]);
  }
}

/** True when requests need their request-target rewritten for this target URL. */
export function hasPathPrefix(targetUrl: URL): boolean {
  return targetUrl.pathname.replace(/\/+$/, '') !== '' || targetUrl.search.length > 1;
}

/** The status code of a response whose first bytes are `start`, or undefined if not yet known. */
export function parseStatus(start: Buffer): number | undefined {
  // `HTTP/1.1 200` is 12 bytes; anything shorter may still be arriving.
  if (start.length < 12) return undefined;
  const match = /^HTTP\/\d\.\d (\d{3})/.exec(start.toString('latin1', 0, 12));
  return match ? Number(match[1]) : 0;
}
