import { createServer as createHttpServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { ServerTls } from './server-tls';

/**
 * An HTTP server, or an HTTPS one serving `tls`'s certificate (kept current as its files change)
 * when the port has TLS. Both are `http.Server`s to their callers: `https.Server` extends
 * `tls.Server`, whose 'request', 'upgrade' and 'clientError' events are those of `http.Server`.
 */
export function createPortServer(options: ServerOptions, tls: ServerTls | undefined, handler?: RequestListener): Server {
  if (!tls) return createHttpServer(options, handler);
  const server = createHttpsServer({ ...tls.serverOptions(), ...options }, handler);
  tls.attach(server);
  return server as unknown as Server;
}
