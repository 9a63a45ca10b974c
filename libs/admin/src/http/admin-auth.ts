import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpAuthMiddleware, PROBE_PATHS, type RequestAuthenticator } from '@piko/auth';

const READ_METHODS = new Set(['GET', 'HEAD']);
const READ_PREFIXES = ['/api/v1/', '/status/'];

/**
 * `admin.auth` on the admin port. Everything needs a token but `openPaths` (/health and /ready,
 * and the status page's own files; see httpAuthMiddleware); with `admin.api.public_read` the read routes (GET/HEAD under /api/v1/ and
 * /status/, the OpenAPI document and docs page included) are open too, and only the actions
 * (POST, DELETE) and /metrics need one.
 */
export function adminAuthMiddleware(
  authenticator: RequestAuthenticator,
  publicRead: boolean,
  openPaths: readonly string[] = PROBE_PATHS,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const protect = httpAuthMiddleware(authenticator, openPaths);
  if (!publicRead) return protect;
  return (req, res, next) => {
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    if (READ_METHODS.has(req.method ?? '') && READ_PREFIXES.some((prefix) => path.startsWith(prefix))) return next();
    protect(req, res, next);
  };
}
