import type { IncomingMessage } from 'node:http';
import type { RequestAuthenticator, VerifiedToken } from '@piko/auth';
import { isValidEndpointId } from '@piko/protocol';
import type { UpgradeRejection } from './upstream-ws.adapter';

export const INVALID_ENDPOINT_ID: UpgradeRejection = { status: 400, error: 'invalid endpoint id' };

const tokens = new WeakMap<IncomingMessage, VerifiedToken>();

/**
 * Authenticates an upstream's WebSocket upgrade before it completes (Go Piko's auth middleware
 * and upstreamRoute, server/upstream/server.go): no, bad or expired token, unknown tenant, or an
 * endpoint the token does not permit → 401 with Go Piko's JSON body, never a 101. The verified
 * token is kept for the connection (upstreamToken) so its expiry can close the session.
 */
export async function authorizeUpstream(
  authenticator: RequestAuthenticator,
  request: IncomingMessage,
  endpointId: string,
): Promise<UpgradeRejection | undefined> {
  // The token first, as Go Piko's middleware runs before its route; then the ID; then the permission.
  const valid = isValidEndpointId(endpointId);
  const result = await authenticator.authenticate(request, valid ? endpointId : undefined);
  if (!result.ok) return { status: result.error.status, error: result.error.message, headers: { 'www-authenticate': 'Bearer' } };
  if (!valid) return INVALID_ENDPOINT_ID;
  tokens.set(request, result.token);
  return undefined;
}

/** The token that authorised this upgrade; undefined when the upstream port has no auth. */
export function upstreamToken(request: IncomingMessage): VerifiedToken | undefined {
  return tokens.get(request);
}
