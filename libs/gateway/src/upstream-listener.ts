import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { errorBody } from '@piko/protocol';
import type { Logger } from '@piko/observability';
import { createPortServer, headTimeoutOptions, listen } from '@piko/runtime';
import type { GatewayOptions } from './gateway-options';
import { GATEWAY_LOGGER, GATEWAY_OPTIONS } from './gateway.tokens';

/** `upstream.read_header_timeout`'s default (ms), for options built without config (tests, embedders). */
const DEFAULT_READ_HEADER_TIMEOUT_MS = 10_000;

/**
 * The upstream port's HTTP server. Upstreams only ever upgrade to WebSocket here (see
 * UpstreamWsAdapter); any plain request is answered 404 with Go Piko's JSON error body.
 */
@Injectable()
export class UpstreamListener {
  readonly server: Server;

  constructor(
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {
    this.server = createPortServer(headTimeoutOptions(options.readHeaderTimeoutMs ?? DEFAULT_READ_HEADER_TIMEOUT_MS), options.tls, (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end(errorBody('not found'));
    });
  }

  async listen(): Promise<AddressInfo> {
    const address = await listen(this.server, this.options.host, this.options.port);
    this.logger.info('upstream server listening', { addr: `${address.address}:${address.port}`, tls: this.options.tls !== undefined });
    return address;
  }

  /** Stops accepting connections; the WebSockets already upgraded are closed by the gateway's drain. */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.options.tls?.detach(this.server);
  }
}
