import type { Duplex } from 'stream';
import type { ConnectionOptions } from 'tls';
import { isValidEndpointId, webSocketDuplex } from '@piko/protocol';
import { InvalidEndpointIdError } from './errors';
import { tcpDialUrl } from './piko-url';
import { connectWebSocket } from './websocket-connect';

export interface DialerOptions {
  /** URL of Piko's proxy port, e.g. `http://localhost:8000`; a path is kept as a prefix. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` on each dial (the proxy port's `proxy.auth`). */
  token?: string;
  tls?: ConnectionOptions;
  /** Milliseconds allowed for the connect handshake; default 60000. */
  handshakeTimeout?: number;
}

/**
 * Opens raw TCP-like connections to an endpoint through Piko's proxy port (the client side of
 * `piko forward tcp`): one WebSocket per connection, its binary messages forming the byte stream.
 */
export class Dialer {
  constructor(private readonly options: DialerOptions) {
    tcpDialUrl(options.url, 'x');
  }

  /**
   * Rejects with UnauthorizedError, ConnectError or AbortError like Upstream.listen(), without
   * retrying. The Duplex behaves like a TCP socket with allowHalfOpen: end() half-closes (the
   * reply still arrives), destroy() before both sides ended resets the far end.
   */
  async dial(endpointId: string, options: { signal?: AbortSignal } = {}): Promise<Duplex> {
    if (!isValidEndpointId(endpointId)) throw new InvalidEndpointIdError(endpointId);
    return connectWebSocket(
      tcpDialUrl(this.options.url, endpointId),
      {
        token: this.options.token,
        tls: this.options.tls,
        handshakeTimeout: this.options.handshakeTimeout,
        signal: options.signal,
        port: 'proxy',
      },
      // Wrapped inside the 'open' event: the far end may speak first (see connectWebSocket).
      (ws) => webSocketDuplex(ws, { halfClose: true }),
    );
  }
}
