import type { IncomingMessage, InformationEvent, ServerResponse } from 'node:http';
import { forwardedResponseHeaders } from './forwarded-headers';

/**
 * Interim (1xx) responses relayed for one request; one more is an error (502), as in Go's
 * Transport (`max1xxResponses`, transport.go). Each is written to the client whether or not it
 * reads, so without a bound a service sending 103s without end grew the proxy by what a client
 * that does not read left unsent (4 such clients: 112 MB to 1.77 GB in 20 s).
 */
export const MAX_INTERIM_RESPONSES = 5;

type RawWriter = { _writeRaw?: (data: string, encoding: BufferEncoding) => boolean; _sent100?: boolean };

/**
 * Relays an upstream's interim (1xx) response to the client before the final one, as Go's
 * ReverseProxy does (its `Got1xxResponse` hook): `100 Continue`, `102 Processing`, `103 Early
 * Hints` (with its `Link` headers) or any other 1xx but `101`, with the upstream's status line
 * reason and headers less hop-by-hop ones (RFC 9110 §15.2, §7.6.1). Nothing is sent to an
 * HTTP/1.0 client, which must not get 1xx responses (RFC 9110 §15.2), nor once the final
 * response has begun. Returns whether the interim response was written.
 *
 * Node's ServerResponse writes only `100`, `102` and `103` (and `103` only with a `Link` it
 * accepts), so the head is written raw, through the same internal path `writeContinue()` uses:
 * it queues behind an earlier pipelined response as any write does. The upstream's header names
 * and values were parsed by Node's HTTP parser, so they hold no CR or LF.
 */
export function relayInterimResponse(req: IncomingMessage, res: ServerResponse, info: InformationEvent): boolean {
  if (res.headersSent || res.writableEnded || res.destroyed) return false;
  if (req.httpVersionMajor < 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor < 1)) return false;
  const raw = res as unknown as RawWriter;
  if (typeof raw._writeRaw !== 'function') return false;
  const headers = forwardedResponseHeaders(info.rawHeaders);
  let head = `HTTP/1.1 ${info.statusCode} ${info.statusMessage}\r\n`;
  for (let i = 0; i < headers.length; i += 2) {
    // An interim response has no body: a length on it means nothing (Go leaves it out too).
    if (headers[i].length === 14 && headers[i].toLowerCase() === 'content-length') continue;
    head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  }
  raw._writeRaw.call(res, `${head}\r\n`, 'latin1');
  // What writeContinue() records: the client was told to send its body, so the connection
  // can stay open after the final response.
  if (info.statusCode === 100) raw._sent100 = true;
  return true;
}
