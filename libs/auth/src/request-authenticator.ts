import type { IncomingMessage } from 'node:http';
import type { Logger } from '@piko/observability';
import { RateLimitedLog } from '@piko/protocol';
import { AuthError } from './auth-error';
import { bearerCredential, type BearerCredential, tenantIdFromHeaders } from './bearer-credential';
import type { TenantVerifier } from './tenant-verifier';
import { endpointPermitted, type VerifiedToken } from './verified-token';

export type AuthResult =
  | { ok: true; token: VerifiedToken; credential: BearerCredential }
  | { ok: false; error: AuthError };

/**
 * Authenticates an HTTP request of one port (Go Piko's middleware.Auth, pkg/middleware/auth.go):
 * reads the bearer token and tenant ID, verifies them, and optionally checks the endpoint. Each
 * refusal is logged at warn with its reason (rate-limited per reason: anyone can send bad
 * tokens as fast as they like); tokens never are.
 */
export class RequestAuthenticator {
  private readonly refusals: RateLimitedLog;

  constructor(
    private readonly verifier: TenantVerifier,
    logger: Logger,
  ) {
    this.refusals = new RateLimitedLog(logger);
  }

  /**
   * @param endpointId when given, the token must permit it (else 'endpoint not permitted')
   * @returns never rejects: a refusal is `{ ok: false, error }` with Go Piko's message
   */
  async authenticate(req: IncomingMessage, endpointId?: string): Promise<AuthResult> {
    try {
      const credential = bearerCredential(req.headers);
      const tenantId = tenantIdFromHeaders(req.headers);
      const token = await this.verifier.verify(credential.token, tenantId);
      if (endpointId !== undefined && !endpointPermitted(token, endpointId)) {
        throw new AuthError(
          'endpoint not permitted',
          token.endpoints.length === 0 ? 'the token has no piko.endpoints claim and auth.require_endpoints is set' : `token endpoints: ${token.endpoints.slice(0, 20).join(',')}${token.endpoints.length > 20 ? ',…' : ''}`,
        );
      }
      return { ok: true, token, credential };
    } catch (caught) {
      // Never reject: callers answer from the result inside request and upgrade handlers, where
      // a rejection would go unhandled. Anything unexpected refuses the request (fail closed).
      const err = caught instanceof AuthError ? caught : new AuthError('invalid token', `unexpected verification error: ${(caught as Error)?.message}`);
      this.refusals.warn(`auth: ${err.message}`, {
        ...(err.detail ? { reason: err.detail } : {}),
        ...(endpointId !== undefined ? { endpointId } : {}),
        remoteAddr: req.socket.remoteAddress,
      });
      return { ok: false, error: err };
    }
  }
}
