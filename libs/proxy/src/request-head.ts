import type { IncomingMessage } from 'node:http';
import { canonicalReservedTarget } from './reserved-path';

/** Why a request head is refused: the status and the message of Go Piko's JSON error body. */
export interface HeadRefusal {
  status: 400 | 431 | 501;
  message: string;
}

/**
 * Checks a parsed request head against the rules Node's parser does not apply, and returns the
 * refusal, or undefined when the request may go on:
 * - more than `maxHeaderCount` header fields → 431 (`proxy.http.max_header_count`; the server
 *   keeps at most `maxHeaderCount + 1` of them, see headerCountLimit, so a longer head is known
 *   to be over the limit and is never forwarded cut short);
 * - more than one `Host` → 400 `too many host headers` (RFC 9112 §3.2; Go's net/http server);
 * - no `Host` on HTTP/1.1 (CONNECT aside) → 400 `missing required host header` (RFC 9112 §3.2;
 *   Go's wording, in Go Piko's JSON body, where Node's own check answers an empty 400);
 * - `Transfer-Encoding` other than one field of exactly `chunked` (`gzip, chunked`, `identity,
 *   chunked`) → 501 `unsupported transfer encoding` (RFC 9112 §6.1: a coding the server does not
 *   understand; Go's net/http, transfer.go, as nginx). Node's parser accepts such a list as
 *   chunked and the proxy would pass the field on as it came, to an upstream that may frame the
 *   body otherwise: request smuggling on a kept stream. Go refuses before reading the body.
 */
export function refuseRequestHead(req: IncomingMessage, maxHeaderCount: number): HeadRefusal | undefined {
  const raw = req.rawHeaders;
  if (raw.length / 2 > maxHeaderCount) return { status: 431, message: 'too many request headers' };
  let hosts = 0;
  const codings: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 4 && name.toLowerCase() === 'host') hosts++;
    else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') codings.push(raw[i + 1]);
  }
  if (hosts > 1) return { status: 400, message: 'too many host headers' };
  if (codings.length > 0 && (codings.length > 1 || codings[0].trim().toLowerCase() !== 'chunked')) {
    return { status: 501, message: 'unsupported transfer encoding' };
  }
  const http11 = req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1);
  if (hosts === 0 && http11 && req.method !== 'CONNECT') return { status: 400, message: 'missing required host header' };
  return undefined;
}

/**
 * The value for Node's `server.maxHeadersCount` that enforces `maxHeaderCount`: one more than the
 * limit, so the parser keeps no more than that (bounded work), and a head over the limit still
 * shows as over it to refuseRequestHead instead of arriving silently truncated.
 */
export function headerCountLimit(maxHeaderCount: number): number {
  return maxHeaderCount + 1;
}

const ABSOLUTE_FORM = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)([^#]*)/;

/**
 * Puts the request-target into the form the rest of the proxy and the upstream see, in place:
 * - absolute-form (`GET http://a.example/x HTTP/1.1`, RFC 9112 §3.2.2): the target's authority
 *   replaces `Host` (userinfo dropped) and the target becomes origin-form (`/x`), as Go's server
 *   (`req.Host = req.URL.Host`) and ReverseProxy (`URL.RequestURI()`) do; endpoint routing by Host
 *   then uses the target's authority;
 * - a target that normalises under `/_piko` is put in its normalised spelling, so Piko's own
 *   routes (and only they) match it (see canonicalReservedTarget).
 * Must run after refuseRequestHead (which counts the client's own Host headers).
 */
export function normaliseRequestTarget(req: IncomingMessage): void {
  const url = req.url ?? '/';
  const absolute = url.startsWith('/') ? null : ABSOLUTE_FORM.exec(url);
  let target = url;
  if (absolute) {
    const authority = absolute[1].slice(absolute[1].lastIndexOf('@') + 1);
    const rest = absolute[2];
    target = rest.startsWith('/') ? rest : `/${rest}`;
    if (authority) setHost(req, authority);
  }
  req.url = canonicalReservedTarget(target);
}

/** Sets the Host header, both parsed and raw (the raw list is what is forwarded). */
function setHost(req: IncomingMessage, host: string): void {
  req.headers.host = host;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 4 && raw[i].toLowerCase() === 'host') {
      raw[i + 1] = host;
      return;
    }
  }
  raw.push('Host', host);
}
