import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Inject } from '@nestjs/common';
import { type OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { atTime } from '@piko/auth';
import { ENDPOINT_PROTOCOL_HEADER, parseEndpointProtocol, Session, webSocketDuplex } from '@piko/protocol';
import { flatString, type Logger } from '@piko/observability';
import type { GatewayOptions } from './gateway-options';
import { GatewayMetrics } from './gateway-metrics';
import { GATEWAY_LOGGER, GATEWAY_METRICS, GATEWAY_OPTIONS } from './gateway.tokens';
import { type UpstreamConnection, UpstreamPool } from './upstream-pool';
import { upgradeParams } from './upstream-ws.adapter';
import { upstreamToken } from './upstream-auth';
import { retireUpstreams } from './retire-upstream';

export const UPSTREAM_PATH = '/piko/v1/upstream/:endpointId';

/**
 * Accepts upstream WebSockets and runs the multiplexer's server side on each: the gateway opens
 * one stream per proxied connection, as Go Piko's server does, so a Go Piko agent works unchanged.
 */
@WebSocketGateway({ path: UPSTREAM_PATH })
export class UpstreamGateway implements OnGatewayConnection {
  constructor(
    private readonly pool: UpstreamPool,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
    @Inject(GATEWAY_METRICS) private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {}

  handleConnection(ws: WebSocket, request: IncomingMessage): void {
    const { endpointId } = upgradeParams(request);
    // Kept for the session's life: stored flat (flatString), not as the pieces they were built from.
    const remoteAddr = flatString(`${request.socket.remoteAddress}:${request.socket.remotePort}`);
    const token = upstreamToken(request);
    const protocol = parseEndpointProtocol(request.headers[ENDPOINT_PROTOCOL_HEADER]);
    const logger = this.logger.child({ endpointId, remoteAddr, ...(token?.tenantId ? { tenantId: token.tenantId } : {}), ...(protocol ? { protocol } : {}) });
    // A stream the upstream opens towards us has no meaning in Piko's protocol: each SYN is
    // answered with RST without allocating a stream, so a flood of them costs little.
    const session = new Session(webSocketDuplex(ws), { client: false, ...this.options.mux, refuseInboundStreams: true, logger });
    const connection: UpstreamConnection = {
      id: flatString(randomUUID()),
      endpointId,
      remoteAddr,
      connectedAt: new Date(),
      session,
      protocol,
      userAgent: request.headers['user-agent'],
      transport: request.socket,
    };
    // As Go Piko: the session ends when the token that opened it expires (unless
    // disable_disconnect_on_expiry), in-flight streams included; the upstream must reconnect with a fresh token.
    const cancelExpiry =
      token?.disconnectAt === undefined
        ? undefined
        : atTime(token.disconnectAt, () => {
            logger.info('upstream token expired');
            void session.goAway();
            session.close();
          });
    session.once('close', (err?: Error) => {
      cancelExpiry?.();
      this.pool.remove(connection);
      this.metrics.disconnected(err);
      logger.info('upstream disconnected', err ? { reason: err.message } : {});
    });
    this.pool.add(connection);
    this.metrics.connectsTotal.inc();
    logger.info('upstream connected');
  }

  /** Graceful stop: every upstream is retired (see retireUpstreams) by the deadline. */
  async drain(deadline: number): Promise<void> {
    await retireUpstreams(this.pool, this.pool.connections(), deadline);
  }
}
