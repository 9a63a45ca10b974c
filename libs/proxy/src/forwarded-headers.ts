import type { IncomingMessage } from 'node:http';
import { ENDPOINT_HEADER } from '@piko/protocol';
import { clientAddress } from './client-address';

// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, never the next one.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The header names (lower case) a message's `Connection` header fields list: each is hop-by-hop
 * for that message and goes no further (RFC 9110 §7.6.1; Go's `removeHopByHopHeaders`).
 */
export function connectionNamedHeaders(raw: string[]): Set<string> {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length !== 10 || raw[i].toLowerCase() !== 'connection') continue;
    for (const token of raw[i + 1].split(',')) {
      const name = token.trim().toLowerCase();
      if (name) named.add(name);
    }
  }
  return named;
}

/** Whether a header is hop-by-hop: one of RFC 9110's fixed list, or named by the message's `Connection`. */
function isHopByHop(name: string, connectionNamed: Set<string>): boolean {
  return HOP_BY_HOP.has(name) || (connectionNamed.size > 0 && connectionNamed.has(name));
}

/**
 * The raw headers to send upstream for a client request: the client's own, less hop-by-hop ones
 * and less Piko's internal `x-piko-*` headers (a client could spoof those; only the endpoint header
 * is the client's to send), plus X-Forwarded-For/-Proto/-Host. Hop-by-hop means the fixed list
 * and every header the client's `Connection` names (RFC 9110 §7.6.1), as Go's ReverseProxy
 * removes them; `TE: trailers` is kept, as Go keeps it, to tell the upstream trailers get
 * through. For an upgrade, `Connection` and `Upgrade` are kept, since the upgrade itself must
 * travel to the upstream.
 */
export function forwardedRequestHeaders(req: IncomingMessage, tls: boolean, upgrade: boolean): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  const connectionNamed = connectionNamedHeaders(raw);
  let forwardedFor: string | undefined;
  let teTrailers = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name === 'te' && /(^|,)\s*trailers\s*(;|,|$)/i.test(raw[i + 1])) teTrailers = true;
    if (isHopByHop(name, connectionNamed) && !(upgrade && (name === 'connection' || name === 'upgrade'))) continue;
    if (name === 'x-forwarded-for') {
      forwardedFor = forwardedFor ? `${forwardedFor}, ${raw[i + 1]}` : raw[i + 1];
      continue;
    }
    if (name === 'x-forwarded-proto' || name === 'x-forwarded-host') continue;
    if (name.startsWith('x-piko-') && name !== ENDPOINT_HEADER) continue;
    out.push(raw[i], raw[i + 1]);
  }
  if (teTrailers) out.push('TE', 'trailers');
  const clientIp = clientAddress(req.socket.remoteAddress);
  out.push('X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${clientIp}` : clientIp);
  out.push('X-Forwarded-Proto', tls ? 'https' : 'http');
  if (req.headers.host) out.push('X-Forwarded-Host', req.headers.host);
  return out;
}

/**
 * The upstream response's raw headers less hop-by-hop ones (the fixed list and those its
 * `Connection` names, RFC 9110 §7.6.1); Node frames the body for the client itself. Also for
 * interim (1xx) responses.
 */
export function forwardedResponseHeaders(raw: string[]): string[] {
  const out: string[] = [];
  const connectionNamed = connectionNamedHeaders(raw);
  for (let i = 0; i < raw.length; i += 2) {
    if (!isHopByHop(raw[i].toLowerCase(), connectionNamed)) out.push(raw[i], raw[i + 1]);
  }
  return out;
}
