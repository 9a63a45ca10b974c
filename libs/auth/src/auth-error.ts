/**
 * Why a request was not authenticated or not authorised, in Go Piko's words: each `message` is
 * the `{"error": ...}` body Go Piko's auth middleware (pkg/middleware/auth.go) and routes
 * (server/upstream/server.go, server/proxy/server.go) answer with. Go Piko answers every one with
 * 401, "endpoint not permitted" included, and so do we.
 */
export type AuthFailure =
  | 'missing authorization'
  | 'invalid authorization'
  | 'unsupported auth type'
  | 'invalid token'
  | 'expired token'
  | 'unknown tenant'
  | 'endpoint not permitted';

export class AuthError extends Error {
  override readonly name = 'AuthError';
  /** HTTP status to answer with (always 401, as Go Piko). */
  readonly status = 401;

  /**
   * @param message the client-facing reason (never contains the token)
   * @param detail  why, for the server's log only (a jose error message, say); never a secret
   */
  constructor(
    override readonly message: AuthFailure,
    readonly detail?: string,
  ) {
    super(message);
  }
}
