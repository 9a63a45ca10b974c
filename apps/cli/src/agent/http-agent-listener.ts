import * as http from 'http';
import type { Duplex } from 'stream';
import type { Listener, Logger, Upstream } from '@piko/client';
import { serveHttp } from '@piko/client';
import { HttpReverseProxy } from './http-reverse-proxy';
import { parseTargetUrl } from './target-url';

export interface HttpAgentListenerOptions {
  endpointId: string;
  /** The local service: a port, host:port or http(s) URL. */
  addr: string;
  accessLog: boolean;
  /** Milliseconds to wait for the service's response headers; 0 = no limit. */
  timeoutMs: number;
  logger: Logger;
}

/**
 * `piko agent http` for one endpoint: registers the endpoint with Piko and serves every stream
 * Piko opens with a local Node HTTP server that reverse-proxies to the configured service.
 */
export class HttpAgentListener {
  private readonly proxy: HttpReverseProxy;
  private readonly server: http.Server;
  private readonly logger: Logger;
  private listener: Listener | undefined;
  private closing = false;
  // Requests in flight per stream, so a graceful close can end idle keep-alive streams at once
  // and busy ones right after their response.
  private readonly busy = new Map<Duplex, number>();

  constructor(
    private readonly options: HttpAgentListenerOptions,
    private readonly upstream: Upstream,
  ) {
    this.logger = options.logger.child({ endpointId: options.endpointId, protocol: 'http' });
    const target = parseTargetUrl(options.addr);
    this.proxy = new HttpReverseProxy(target, {
      timeoutMs: options.timeoutMs,
      accessLog: options.accessLog,
      logger: this.logger,
    });
    this.server = http.createServer(
      {
        // A proxied upload or download may legitimately take longer than Node's 5-minute default.
        requestTimeout: 0,
      },
      (req, res) => this.onRequest(req, res),
    );
    // A proxy may half-close its side of the stream once the request is sent; by default Node
    // would then abort the request. Instead answer it and close after the response.
    (this.server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      // The stream now belongs to the splice; it is no longer an HTTP connection to manage.
      this.busy.delete(socket);
      this.proxy.handleUpgrade(req, socket, head);
    });
    this.server.on('connection', (stream: Duplex) => {
      this.busy.set(stream, 0);
      stream.once('close', () => this.busy.delete(stream));
    });
    this.server.on('clientError', (err: Error, socket: Duplex) => {
      this.logger.debug('bad request from proxy', { err: err.message });
      if (!socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    });
  }

  get endpointId(): string {
    return this.options.endpointId;
  }

  /** Connects to Piko; resolves once the endpoint is registered (see Upstream.listen). */
  async start(signal?: AbortSignal): Promise<void> {
    this.listener = await this.upstream.listen(this.options.endpointId, { signal });
    serveHttp(this.listener, this.server);
    this.listener.on('error', (err: Error) => this.logger.error('listener failed', { err: err.message }));
    this.logger.info('forwarding endpoint', { addr: this.options.addr });
  }

  /**
   * Graceful: Piko stops sending new streams, idle keep-alive streams are closed, in-flight
   * requests (and open WebSockets) run to completion, then the connection to Piko closes.
   */
  async close(): Promise<void> {
    this.closing = true;
    const closed = this.listener?.close();
    for (const [stream, inFlight] of this.busy) if (inFlight === 0) stream.end();
    await closed;
    this.proxy.close();
  }

  /** Drops everything now. */
  shutdown(): void {
    this.closing = true;
    this.listener?.shutdown();
    this.proxy.close();
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const stream = req.socket as Duplex;
    this.busy.set(stream, (this.busy.get(stream) ?? 0) + 1);
    if (this.closing) res.shouldKeepAlive = false;
    res.once('close', () => {
      const left = (this.busy.get(stream) ?? 1) - 1;
      if (!this.busy.has(stream)) return;
      this.busy.set(stream, left);
      if (this.closing && left === 0) stream.end();
    });
    this.proxy.handleRequest(req, res);
  }
}
