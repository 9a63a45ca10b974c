/**
 * @piko/client: register endpoints with Piko from any Node application.
 *
 *   const upstream = new Upstream({ url: 'http://localhost:8001', token });
 *   const listener = await upstream.listen('my-endpoint');
 *   serveHttp(listener, http.createServer(app));     // or: listener.on('connection', (s) => ...)
 *   ...
 *   await listener.close();                           // graceful: finish in-flight, then disconnect
 *
 *   await upstream.listenAndForward('db', 'localhost:5432');      // raw TCP forwarding
 *   const conn = await new Dialer({ url: 'http://localhost:8000' }).dial('db');  // the other end
 */
export { Upstream, type UpstreamOptions, type ListenOptions, type MuxOptions } from './upstream';
export { Listener } from './listener';
export { Dialer, type DialerOptions } from './dialer';
export { serveHttp } from './serve-http';
export { backoffDelay } from './backoff';
export { parseHostPort, type HostPort } from './host-port';
export { forwardConnection } from './forward-connection';
export {
  PikoClientError,
  ConnectError,
  UnauthorizedError,
  InvalidEndpointIdError,
  AbortError,
  ListenerClosedError,
} from './errors';
export { noopLogger, type Logger } from './logger';
export { createCachedLookup } from './cached-lookup';
export { describeTlsFailure } from './connect-cause';
