import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { headTimeoutOptions } from './head-timeout';
import { createPortServer } from './tls/http-server';
import type { ServerTls } from './tls/server-tls';

/** What a Nest-served port (admin, ops) takes from its config. */
export interface PortServerSettings {
  /** `<port>.tls`: HTTPS with this (reloading) certificate; undefined = plain HTTP. */
  tls?: ServerTls;
  /** `<port>.read_header_timeout` in ms (0: no limit); see headTimeoutOptions. */
  readHeaderTimeoutMs: number;
}

/**
 * Nest's Express adapter whose server is made by createPortServer, as the proxy and upstream
 * ports are: TLS from ServerTls (reloaded, failed handshakes closed) and a head timeout. Nest's own
 * makes a plain `http`/`https` server with Node's defaults (60 s for a head, 120 s for a TLS
 * handshake, nothing closing failed ones). Pass it to NestFactory.create instead of httpsOptions.
 * `forceCloseConnections` is not supported (ExpressAdapter keeps its tracking private).
 */
export class PortServerAdapter extends ExpressAdapter {
  constructor(private readonly settings: PortServerSettings) {
    super();
  }

  override initHttpServer(_options: NestApplicationOptions): void {
    this.httpServer = createPortServer(headTimeoutOptions(this.settings.readHeaderTimeoutMs), this.settings.tls, this.getInstance());
  }
}
