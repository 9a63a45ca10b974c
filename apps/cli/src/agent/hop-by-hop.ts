import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'http';

// RFC 9110 §7.6.1 connection-specific fields, plus the legacy ones Go's ReverseProxy also drops.
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Copies end-to-end headers only: the fixed hop-by-hop set and every field the `Connection`
 * header names. Node re-frames bodies itself (chunked or content-length) on each hop.
 */
export function endToEndHeaders(headers: IncomingHttpHeaders, extraDrop: readonly string[] = []): OutgoingHttpHeaders {
  const drop = new Set([...HOP_BY_HOP, ...extraDrop]);
  const connection = headers['connection'];
  if (connection) {
    for (const token of connection.split(',')) drop.add(token.trim().toLowerCase());
  }
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !drop.has(name)) out[name] = value;
  }
  return out;
}
