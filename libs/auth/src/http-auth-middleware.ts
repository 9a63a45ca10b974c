import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendAuthError } from './auth-response';
import type { RequestAuthenticator } from './request-authenticator';

/** Paths a Kubernetes probe must reach without a token (kubelet sends none). */
export const PROBE_PATHS: readonly string[] = ['/health', '/ready'];

/**
 * Connect/Express-style middleware for the admin and ops ports (`admin.auth`; Go Piko's auth
 * middleware on server/admin/server.go): every path but `openPaths` needs a bearer token, else
 * 401 with Go Piko's JSON body. Go Piko protects `/health` and `/ready` too; here they stay open
 * so liveness and readiness probes work without a credential (they reveal only up/ready and the
 * names of dependency checks). `/metrics` is protected, as in Go Piko (Prometheus can send a
 * bearer token). The endpoints claim is not checked: admin routes are not endpoints.
 */
export function httpAuthMiddleware(
  authenticator: RequestAuthenticator,
  openPaths: readonly string[] = PROBE_PATHS,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    const path = new URL(req.url ?? '/', 'http://admin').pathname.replace(/\/+$/, '') || '/';
    if (openPaths.includes(path)) return next();
    void authenticator.authenticate(req).then((result) => (result.ok ? next() : sendAuthError(res, result.error)));
  };
}
