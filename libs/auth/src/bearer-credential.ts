import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { AuthError } from './auth-error';

/** Go Piko's header for a Piko token that must not collide with the upstream's own `Authorization`. */
export const PIKO_AUTHORIZATION_HEADER = 'x-piko-authorization';
/** Go Piko's header naming the tenant whose keys verify the token (upstream port). */
export const TENANT_ID_HEADER = 'x-piko-tenant-id';

export interface BearerCredential {
  token: string;
  /** The header it came from (lower case). */
  header: typeof PIKO_AUTHORIZATION_HEADER | 'authorization';
}

/**
 * The bearer token of a request, as Go Piko's auth middleware reads it (pkg/middleware/auth.go):
 * `x-piko-authorization` first, then `Authorization`, each `Bearer <token>`. The scheme is
 * compared case-insensitively (RFC 9110 §11.1; Go Piko wants exactly "Bearer").
 * @throws AuthError 'missing authorization' | 'invalid authorization' | 'unsupported auth type'
 */
export function bearerCredential(headers: IncomingHttpHeaders): BearerCredential {
  const pikoValue = single(headers[PIKO_AUTHORIZATION_HEADER]);
  const header = pikoValue ? PIKO_AUTHORIZATION_HEADER : 'authorization';
  const value = pikoValue || single(headers.authorization);
  if (!value) throw new AuthError('missing authorization');
  const space = value.indexOf(' ');
  if (space < 0) throw new AuthError('invalid authorization');
  const scheme = value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') throw new AuthError('unsupported auth type', `scheme ${JSON.stringify(scheme.slice(0, 32))}`);
  const token = value.slice(space + 1).trim();
  if (!token) throw new AuthError('invalid authorization');
  return { token, header };
}

/** The `x-piko-tenant-id` header, '' when absent. */
export function tenantIdFromHeaders(headers: IncomingHttpHeaders): string {
  return single(headers[TENANT_ID_HEADER]) ?? '';
}

/**
 * Removes the header that carried Piko's credential (and `x-piko-authorization` in any case) from
 * `req.headers` and `req.rawHeaders`, so that nothing forwarded from this request carries it to
 * the upstream. Go Piko forwards both headers; an upstream could then replay the client's Piko
 * token. A service's own `Authorization` (when the Piko token came in `x-piko-authorization`) stays.
 */
export function removeCredential(req: IncomingMessage, credential: BearerCredential): void {
  const names = new Set([PIKO_AUTHORIZATION_HEADER, credential.header]);
  for (const name of names) delete req.headers[name];
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    if (names.has(raw[i].toLowerCase())) raw.splice(i, 2);
  }
}

// A repeated header arrives as a string (Node joins most with ", "); x-piko-* ones may be arrays.
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
