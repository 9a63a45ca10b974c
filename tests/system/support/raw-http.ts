import { connect, type Socket } from 'node:net';
import { LoopbackTcpServer } from './loopback-tcp-server';

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * A local service that writes exact bytes: for each connection it reads the request head (up to
 * the blank line) and hands it, with the socket, to `respond`, which writes whatever it likes.
 * What the client sends after the head is neither read nor drained unless `respond` does so, so
 * a service "answering before reading the body" behaves as one does on a real socket.
 */
export class RawUpstream extends LoopbackTcpServer {
  /** The request heads received, in order. */
  readonly heads: string[] = [];

  constructor(private readonly respond: (socket: Socket, head: string, rest: Buffer) => void) {
    super({ allowHalfOpen: true });
  }

  protected accept(socket: Socket): void {
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf(HEAD_END);
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const head = buffered.subarray(0, end + 4).toString('latin1');
      this.heads.push(head);
      this.respond(socket, head, buffered.subarray(end + 4));
    };
    socket.on('data', onData);
  }
}

export interface RawExchange {
  /** Every byte the server sent, in order, until it closed the connection. */
  received: Buffer;
  /** Body bytes the client got to write before it stopped (see rawExchange). */
  bodyBytesSent: number;
  /** The socket error that ended the connection, if it did not end cleanly (e.g. ECONNRESET). */
  error?: string;
  /** The server closed (FIN) before the client stopped reading. */
  closedByServer: boolean;
}

export interface RawExchangeOptions {
  /** The request head, blank line included. */
  head: string;
  /** Body bytes to send after the head, in 64 KiB pieces. */
  bodyBytes?: number;
  /** Wait for a `100 Continue` before the body (as curl does for `Expect: 100-continue`). */
  waitFor100?: boolean;
  /** The request's method when it is HEAD (whose response has no body). */
  method?: string;
}

/**
 * A client on a raw socket, so nothing between the test and the wire hides bytes: writes the
 * head, then the body as fast as the socket takes it, and stops sending at the first response
 * byte that is not a `100 Continue` (as curl does when a server answers an upload early). Reads
 * until the response is complete or the server closes the connection; a reset after the
 * response still returns what came.
 */
export function rawExchange(port: number, options: RawExchangeOptions): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const received: Buffer[] = [];
    let bodyBytesSent = 0;
    let answered = false;
    let pumping = false;
    let error: string | undefined;
    const piece = Buffer.alloc(64 * 1024, 0x61);
    const total = options.bodyBytes ?? 0;

    const pump = (): void => {
      while (!answered && bodyBytesSent < total && !socket.destroyed) {
        const size = Math.min(piece.length, total - bodyBytesSent);
        bodyBytesSent += size;
        if (!socket.write(size === piece.length ? piece : piece.subarray(0, size))) return void socket.once('drain', pump);
      }
    };

    socket.on('connect', () => {
      socket.write(options.head);
      if (!options.waitFor100) pump();
    });
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      // Skip whole interim (1xx, not 101) heads: only a final response's byte counts as an answer.
      let text = Buffer.concat(received).toString('latin1');
      let sawContinue = false;
      while (/^HTTP\/1\.[01] 1(?!01)\d\d /.test(text)) {
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (/^HTTP\/1\.[01] 100 /.test(text)) sawContinue = true;
        text = text.slice(end + 4);
      }
      // A status line still arriving may yet turn out to be interim.
      if (text.length > 0 && (text.length >= 13 || !'HTTP/1.1 1'.startsWith(text.slice(0, 10)))) {
        answered = true;
        // A keep-alive server may wait for more: a whole response ends the exchange.
        if (parseResponse(Buffer.concat(received), { method: options.method }).complete) finish();
      } else if (sawContinue && options.waitFor100 && !pumping) {
        pumping = true;
        pump();
      }
    });
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      resolve({ received: Buffer.concat(received), bodyBytesSent, error, closedByServer });
      socket.destroy();
    };
    let closedByServer = false;
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    socket.on('end', () => {
      closedByServer = true;
      socket.end();
    });
    socket.on('close', finish);
  });
}

export interface ParsedResponse {
  status: number;
  /** Header names lower-cased, values as sent, repeated names in order. */
  headers: Array<[string, string]>;
  /** The body as framed by Content-Length or chunked encoding (de-chunked), else to close. */
  body: string;
  /** Whether the body's framing completed (false for a response cut short). */
  complete: boolean;
  /** Interim (1xx) responses before the final one: status and headers. */
  interim: Array<{ status: number; headers: Array<[string, string]> }>;
  trailers: Array<[string, string]>;
}

/** Parses the bytes of one HTTP/1.1 response (and any 1xx before it), for comparing paths. */
export function parseResponse(bytes: Buffer, request: { method?: string } = {}): ParsedResponse {
  let text = bytes.toString('latin1');
  const interim: ParsedResponse['interim'] = [];
  for (;;) {
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return { status: 0, headers: [], body: '', complete: false, interim, trailers: [] };
    const lines = text.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] ?? 0);
    const headers = lines.slice(1).map((line): [string, string] => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    });
    text = text.slice(end + 4);
    if (status >= 100 && status < 200 && status !== 101) {
      interim.push({ status, headers });
      continue;
    }
    const header = (name: string): string | undefined => headers.find(([n]) => n === name)?.[1];
    const noBody = request.method === 'HEAD' || status === 204 || status === 304;
    if (noBody) return { status, headers, body: '', complete: true, interim, trailers: [] };
    if (/chunked/i.test(header('transfer-encoding') ?? '')) {
      let body = '';
      for (;;) {
        const lineEnd = text.indexOf('\r\n');
        if (lineEnd < 0) return { status, headers, body, complete: false, interim, trailers: [] };
        const size = parseInt(text.slice(0, lineEnd), 16);
        if (size === 0) {
          const rest = text.slice(lineEnd + 2);
          const trailerEnd = rest.indexOf('\r\n') === 0 ? 0 : rest.indexOf('\r\n\r\n');
          if (trailerEnd < 0) return { status, headers, body, complete: false, interim, trailers: [] };
          const trailers = trailerEnd === 0 ? [] : rest.slice(0, trailerEnd).split('\r\n').map((line): [string, string] => {
            const colon = line.indexOf(':');
            return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
          });
          return { status, headers, body, complete: true, interim, trailers };
        }
        if (text.length < lineEnd + 2 + size + 2) {
          return { status, headers, body: body + text.slice(lineEnd + 2, lineEnd + 2 + size), complete: false, interim, trailers: [] };
        }
        body += text.slice(lineEnd + 2, lineEnd + 2 + size);
        text = text.slice(lineEnd + 2 + size + 2);
      }
    }
    const length = header('content-length');
    if (length !== undefined) {
      const n = Number(length);
      return { status, headers, body: text.slice(0, n), complete: text.length >= n, interim, trailers: [] };
    }
    return { status, headers, body: text, complete: true, interim, trailers: [] };
  }
}
