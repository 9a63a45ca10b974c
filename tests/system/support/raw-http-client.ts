import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { headerRecord } from './header-lines';

export interface RawResponse {
  /** The status line and header lines exactly as received. */
  head: string;
  status: number;
  /** Lower-cased names; a repeated header's values joined with ', '. */
  headers: Record<string, string>;
  body: string;
}

/**
 * One client TCP connection driven byte by byte, for what HTTP client libraries hide: several
 * requests on one connection, pipelining, and what arrives after a response. Reads responses framed
 * by Content-Length (or, without one, by the connection's end).
 */
export class RawHttpConnection {
  private buffered = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('end', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('error', () => {
      this.ended = true;
      this.wake?.();
    });
  }

  static open(port: number): Promise<RawHttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawHttpConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Over TLS, trusting `ca` (PEM). */
  static openTls(port: number, ca: Buffer): Promise<RawHttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', ca }, () => resolve(new RawHttpConnection(socket)));
      socket.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Whether the peer ended the connection (after everything it sent was read). */
  get peerEnded(): boolean {
    return this.ended;
  }

  /** The next response; rejects if the connection ends before it is whole. */
  async readResponse(): Promise<RawResponse> {
    const headEnd = await this.until(() => {
      const end = this.buffered.indexOf('\r\n\r\n');
      return end < 0 ? undefined : end;
    });
    const head = this.buffered.subarray(0, headEnd).toString('latin1');
    const lines = head.split('\r\n');
    const headers = headerRecord(lines.slice(1));
    const status = Number(lines[0].split(' ')[1]);
    const start = headEnd + 4;
    let bodyEnd: number;
    if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      bodyEnd = await this.until(() => (this.buffered.length >= start + length ? start + length : undefined));
    } else if (status === 101 || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      bodyEnd = start;
    } else {
      bodyEnd = await this.until(() => (this.ended ? this.buffered.length : undefined), true);
    }
    const body = this.buffered.subarray(start, bodyEnd).toString();
    this.buffered = this.buffered.subarray(bodyEnd);
    return { head, status, headers, body };
  }

  /** Reads exactly `n` bytes (after any response already read). */
  async readBytes(n: number): Promise<string> {
    await this.until(() => (this.buffered.length >= n ? true : undefined));
    const out = this.buffered.subarray(0, n).toString();
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async until<T>(check: () => T | undefined, endIsAnswer = false): Promise<T> {
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (this.ended && !endIsAnswer) throw new Error(`connection ended; unread: ${JSON.stringify(this.buffered.toString('latin1'))}`);
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
