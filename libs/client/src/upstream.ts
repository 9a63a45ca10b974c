import type { ConnectionOptions } from 'tls';
import { Session, isValidEndpointId, webSocketDuplex, type EndpointProtocol } from '@piko/protocol';
import { InvalidEndpointIdError } from './errors';
import { forwardConnection } from './forward-connection';
import { parseHostPort } from './host-port';
import { Listener } from './listener';
import { noopLogger, type Logger } from './logger';
import { logSafeUrl, upstreamUrl } from './piko-url';
import { connectWebSocket } from './websocket-connect';

/** Multiplexer settings passed through to the protocol Session (`client` is always true here). */
export type MuxOptions = Omit<ConstructorParameters<typeof Session>[1], 'client'>;

export interface UpstreamOptions {
  /** URL of Piko's upstream port, e.g. `http://localhost:8001`; a path is kept as a prefix. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` on every connect. */
  token?: string;
  /**
   * Tenant whose keys verify `token` on the server (`upstream.tenants`), sent as
   * `x-piko-tenant-id` on every connect (Go Piko's client.Upstream.TenantID).
   */
  tenantId?: string;
  /** TLS options for `https:`/`wss:` URLs (CA, client certificate, servername, ...). */
  tls?: ConnectionOptions;
  /** Milliseconds; default 100. */
  minReconnectBackoff?: number;
  /** Milliseconds; default 15000. */
  maxReconnectBackoff?: number;
  /** Milliseconds allowed for one connect handshake; default 60000 (as Go Piko). */
  handshakeTimeout?: number;
  /**
   * Sent as `User-Agent` on every connect; the admin API lists it per session (and reads an
   * agent version from `piko-agent/<version>`). Default: none (ws sends no User-Agent).
   */
  userAgent?: string;
  logger?: Logger;
  mux?: MuxOptions;
}

export interface ListenOptions {
  /** Cancels the initial connect (including its retries). Has no effect once listen() resolved. */
  signal?: AbortSignal;
  /**
   * What the service behind this listener speaks, told to Piko on every connect. With `'http'`
   * (serveHttp, the agent's HTTP listeners) Piko never sends this listener a raw TCP connection
   * from its `/_piko/v1/tcp/:id` route, so every byte it gets is an HTTP request the proxy
   * checked. Unset: both kinds, as Go Piko (whose servers ignore the header).
   */
  protocol?: EndpointProtocol;
}

/**
 * Registers endpoints with Piko over outbound-only connections: one WebSocket (carrying one
 * multiplexed session) per listener.
 */
export class Upstream {
  private readonly logger: Logger;

  constructor(private readonly options: UpstreamOptions) {
    // Fail on a bad URL now rather than on the first listen.
    upstreamUrl(options.url, 'x');
    this.logger = options.logger ?? noopLogger;
  }

  /**
   * Listens on `endpointId`. Resolves once the first connection is up. Network errors and
   * HTTP 408/429/5xx retry with backoff until `options.signal` aborts (AbortError); 401/403
   * reject at once with UnauthorizedError, any other refusal with a non-retryable ConnectError.
   */
  async listen(endpointId: string, options: ListenOptions = {}): Promise<Listener> {
    const listener = this.createListener(endpointId, options.protocol);
    await listener.start(options.signal);
    return listener;
  }

  /**
   * Like listen(), and forwards every accepted connection to the TCP address `addr`
   * (`host:port`, `:port` or a port number; the host defaults to localhost).
   */
  async listenAndForward(endpointId: string, addr: string | number, options: ListenOptions = {}): Promise<Listener> {
    const target = parseHostPort(addr);
    const listener = this.createListener(endpointId, options.protocol);
    const logger = this.logger.child({ endpointId });
    listener.on('connection', (stream) => forwardConnection(stream, target, logger));
    await listener.start(options.signal);
    return listener;
  }

  private createListener(endpointId: string, protocol: EndpointProtocol | undefined): Listener {
    if (!isValidEndpointId(endpointId)) throw new InvalidEndpointIdError(endpointId);
    const url = upstreamUrl(this.options.url, endpointId);
    return new Listener(endpointId, {
      // For log lines only: connect() below uses the URL as given.
      url: logSafeUrl(url),
      minReconnectBackoff: this.options.minReconnectBackoff ?? 100,
      maxReconnectBackoff: this.options.maxReconnectBackoff ?? 15_000,
      logger: this.logger,
      connect: async (signal) => {
        this.logger.debug('connecting', { endpointId, url: logSafeUrl(url) });
        return connectWebSocket(
          url,
          {
            token: this.options.token,
            tenantId: this.options.tenantId,
            protocol,
            userAgent: this.options.userAgent,
            tls: this.options.tls,
            handshakeTimeout: this.options.handshakeTimeout,
            signal,
            port: 'upstream',
          },
          // Inside the 'open' event, so a frame sent right behind the 101 is not lost (see connectWebSocket).
          (ws) =>
            new Session(webSocketDuplex(ws), {
              logger: this.logger.child({ endpointId, subsystem: 'mux' }),
              ...this.options.mux,
              client: true,
            }),
        );
      },
    });
  }
}
