import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type AuthError, removeCredential, type RequestAuthenticator, sendAuthError, sendRawAuthError } from '@piko/auth';
import { isValidEndpointId } from '@piko/protocol';
import { endpointIdFromHeaders } from './endpoint-id';
import { TCP_ROUTE } from './tcp-forwarder';

/**
 * `proxy.auth` on the proxy port (Go Piko's auth middleware in front of server/proxy/server.go's
 * routes): every request, upgrade and TCP connection (`/_piko/v1/tcp/:id`) needs a token, read
 * from `x-piko-authorization` first, then `Authorization`; the token must permit the endpoint the
 * request is for. A refusal is 401 with Go Piko's JSON body. The header that carried the token is
 * removed before anything is forwarded (Go Piko forwards it; see docs/security.md), so a service
 * never sees its clients' Piko credential, while its own `Authorization` passes when the Piko
 * token came in `x-piko-authorization`.
 *
 * A request without a (valid) endpoint ID is only authenticated here; the proxy's handler then
 * answers 400 as it would without auth (Go Piko's middleware also runs before its routes).
 */
export class ProxyAuth {
  constructor(private readonly authenticator: RequestAuthenticator) {}

  /**
   * Resolves to the refusal, or undefined once `req` may go on (its credential then removed).
   * Never rejects.
   */
  async authorize(req: IncomingMessage): Promise<AuthError | undefined> {
    const result = await this.authenticator.authenticate(req, endpointOf(req));
    if (!result.ok) return result.error;
    removeCredential(req, result.credential);
    return undefined;
  }

  /** The proxy port's request handler, behind auth: `next` runs only for an authorised request. */
  request(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    void this.authorize(req).then((error) => (error ? sendAuthError(res, error) : next()));
  }

  /** The upgrade handler, behind auth: a refused upgrade gets a plain 401 response, never a 101. */
  upgrade(socket: Duplex, req: IncomingMessage, next: () => void): void {
    // The client may reset while the token is verified, or while the handler answers it; Node
    // leaves no 'error' listener on an upgrade's socket, and an unhandled one ends the process.
    // The forwarders add their own once they take the socket; this one stays as a floor.
    socket.on('error', () => undefined);
    void this.authorize(req).then((error) => {
      if (socket.destroyed) return;
      if (error) sendRawAuthError(socket, error);
      else next();
    });
  }
}

/** The endpoint the request is for, as the proxy routes it; undefined when it has none (or a bad one). */
function endpointOf(req: IncomingMessage): string | undefined {
  const tcp = TCP_ROUTE.exec(req.url ?? '');
  const endpointId = tcp ? tcp[1] : endpointIdFromHeaders(req.headers);
  return endpointId && isValidEndpointId(endpointId) ? endpointId : undefined;
}
