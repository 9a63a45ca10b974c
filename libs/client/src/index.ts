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
