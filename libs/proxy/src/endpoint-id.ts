import { isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { ENDPOINT_HEADER } from '@piko/protocol';

/**
 * The endpoint a proxied request is for, by Go Piko's rules: the `x-piko-endpoint` header, else the
 * first label of a Host that has a dot (`my-service.piko.example.com` → `my-service`). An IP address
 * or a dotless host (`localhost:8000`) names no endpoint.
 */
export function endpointIdFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const header = headers[ENDPOINT_HEADER];
  const explicit = Array.isArray(header) ? header[0] : header;
  if (explicit) return explicit;

  const host = hostname(headers.host ?? '');
  if (!host.includes('.') || isIP(host)) return undefined;
  const label = host.slice(0, host.indexOf('.'));
  return label || undefined;
}

/** The Host header without its port (and without the brackets of an IPv6 literal). */
function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}
