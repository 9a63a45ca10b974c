import type { IncomingMessage } from 'node:http';
import { ENDPOINT_HEADER } from '@piko/protocol';

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
 * The raw headers to send upstream for a client request: the client's own, less hop-by-hop ones
 * and less Piko's internal `x-piko-*` headers (a client could spoof those; only the endpoint header
 * is the client's to send), plus X-Forwarded-For/-Proto/-Host. For an upgrade, `Connection` and
 * `Upgrade` are kept, since the upgrade itself must travel to the upstream.
 */
export function forwardedRequestHeaders(req: IncomingMessage, tls: boolean, upgrade: boolean): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  let forwardedFor: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name === 'x-forwarded-for') {
      forwardedFor = forwardedFor ? `${forwardedFor}, ${raw[i + 1]}` : raw[i + 1];
      continue;
    }
    if (name === 'x-forwarded-proto' || name === 'x-forwarded-host') continue;
    if (name.startsWith('x-piko-') && name !== ENDPOINT_HEADER) continue;
    if (HOP_BY_HOP.has(name) && !(upgrade && (name === 'connection' || name === 'upgrade'))) continue;
    out.push(raw[i], raw[i + 1]);
  }
  const clientIp = req.socket.remoteAddress ?? '';
  out.push('X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${clientIp}` : clientIp);
  out.push('X-Forwarded-Proto', tls ? 'https' : 'http');
  if (req.headers.host) out.push('X-Forwarded-Host', req.headers.host);
  return out;
}

/** The upstream response's raw headers less hop-by-hop ones; Node frames the body for the client itself. */
export function forwardedResponseHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  }
  return out;
}
