import { joinTargetPath } from './target-url';

/**
 * The default of `max_request_line_bytes`: how many bytes the agent holds while waiting for the
 * end of the first request line. 1 MiB, Go's `http.DefaultMaxHeaderBytes`, which bounds the whole
 * head (line included) in Go Piko's agent: never stricter than Go, nor than Piko's proxy
 * (`proxy.http.max_header_bytes`, also 1 MiB), so a request the proxy took is never refused here.
 */
export const DEFAULT_MAX_REQUEST_LINE_BYTES = 1024 * 1024;

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
   * yet; the caller bounds that wait (max_request_line_bytes).
   */
  static parse(head: Buffer): RequestLine | undefined {
    const lf = head.indexOf(LF);
    if (lf === -1) return undefined;
    const length = lf > 0 && head[lf - 1] === 0x0d ? lf - 1 : lf;
    return RequestLine.of(head.toString('latin1', 0, length));
  }

  /** Splits one whole request line (without its line end), e.g. from Http1Framer. */
  static of(line: string): RequestLine {
    const length = line.length;
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
    const line = this.rewritten(targetUrl);
    return line === undefined ? head : Buffer.concat([line, head.subarray(this.length)]);
  }

  /** This line (without its line end) with the target's prefix, or undefined when it is not origin-form. */
  rewritten(targetUrl: URL): Buffer | undefined {
    if (!this.target.startsWith('/')) return undefined;
    return Buffer.from(`${this.method} ${joinTargetPath(targetUrl, this.target)} ${this.version}`, 'latin1');
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

/**
 * Finds the status code of the final response in a stream of response bytes, skipping interim
 * (1xx, not 101) responses whole (RFC 9110 §15.2), for the access log. Holds at most the first
 * 12 bytes of a status line; the rest of an interim head is scanned, not kept.
 */
export class FinalStatusProbe {
  private line: Buffer = Buffer.alloc(0);
  /** Inside an interim head, looking for its blank line. */
  private skipping = false;
  /** Line feeds seen in a row, ignoring CRs: 2 ends a head. */
  private newlines = 0;
  /** The final status once known (0 when the bytes are not an HTTP response). */
  status: number | undefined;

  /** Feeds the next response bytes; returns the final status once known. */
  feed(chunk: Buffer): number | undefined {
    let i = 0;
    while (this.status === undefined && i < chunk.length) {
      if (this.skipping) {
        for (; i < chunk.length && this.skipping; i++) {
          const byte = chunk[i];
          if (byte === LF) this.skipping = ++this.newlines < 2;
          else if (byte !== 0x0d) this.newlines = 0;
        }
        continue;
      }
      const take = Math.min(12 - this.line.length, chunk.length - i);
      this.line = Buffer.concat([this.line, chunk.subarray(i, i + take)]);
      i += take;
      const status = parseStatus(this.line);
      if (status === undefined) return undefined;
      this.line = Buffer.alloc(0);
      if (status >= 100 && status < 200 && status !== 101) {
        this.skipping = true;
        this.newlines = 0;
      } else {
        this.status = status;
      }
    }
    return this.status;
  }
}
