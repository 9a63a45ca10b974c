import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { ExchangeObserver } from '@piko/inspect';
import { EndpointBusyError, isValidEndpointId, RateLimitedLog, TcpToHttpEndpointError, websocketOriginAllowed } from '@piko/protocol';
import type { Logger } from '@piko/observability';
import { createPortServer, HEAD_TIMEOUT_CHECK_INTERVAL_MS, listen } from '@piko/runtime';
import { endpointIdFromHeaders } from './endpoint-id';
import { EndpointRequestStats } from './endpoint-request-stats';
import { ProxyAccessLog } from './access-log';
import { sendError, sendRawError } from './error-response';
import { closingAfterResponse } from './unread-body';
import { HttpForwarder, retryableOnKeptStream, type StreamReuse } from './http-forwarder';
import { UpstreamStreamAgent } from './upstream-stream-agent';
import { TCP_ROUTE, TcpForwarder, type TcpOutcome } from './tcp-forwarder';
import { approximateRequestSize, type ProxyMetrics } from './proxy-metrics';
import type { ProxyOptions } from './proxy-options';
import { PROXY_LOGGER, PROXY_METRICS, PROXY_OPTIONS } from './proxy.tokens';
import { UPSTREAM_DIALER, type UpstreamDialer } from './upstream-dialer';
import { returnToHttpServer } from './connection-handback';
import { UpgradeForwarder, type UpgradeOutcome } from './upgrade-forwarder';
import { headerCountLimit, normaliseRequestTarget, refuseRequestHead } from './request-head';
import { isReservedPath } from './reserved-path';
import { OwedResponses } from './owed-responses';
import { originalClientAddress } from './client-address';
import { ClientStreamLimit } from './client-stream-limit';
import { PipelineGate } from './pipeline-gate';

/** What Go's server reads past `MaxHeaderBytes` before refusing a head (`initialReadLimitSize`). */
const GO_HEADER_SLOP_BYTES = 4096;

/**
 * The proxy port: finds the endpoint of each request, opens a stream to one of its upstreams and
 * hands the request to the HTTP or upgrade forwarder. A plain Node HTTP server rather than a Nest
 * controller: this is the hot path, and a framework's routing and middleware would run per request
 * for nothing (the only route is "everything").
 */
@Injectable()
export class ProxyServer {
  private readonly server: Server;
  private readonly forwarder: HttpForwarder;
  private readonly accessLog: ProxyAccessLog;
  private readonly tcpForwarder = new TcpForwarder();
  private readonly upgradeForwarder: UpgradeForwarder;
  private readonly upgraded = new Set<Duplex>();
  private inFlight = 0;
  private readonly owed = new OwedResponses();
  /** Connections whose parser failed: answered once (Node reports every later chunk again). */
  private readonly failedConnections = new WeakSet<Duplex>();
  /** Per-endpoint request and error counts, read by the admin API (request-stats). */
  readonly requestStats = new EndpointRequestStats();
  private readonly pipeline: PipelineGate;
  private readonly clientStreams: ClientStreamLimit;
  /** A flood triggers these per request: rate-limited. */
  private readonly limitWarnings: RateLimitedLog;
  /** Idle streams kept per upstream (proxy.http.upstream_max_idle_streams), when the dialer can choose upstreams. */
  private readonly reuse: StreamReuse | undefined;

  constructor(
    @Inject(PROXY_OPTIONS) private readonly options: ProxyOptions,
    @Inject(UPSTREAM_DIALER) private readonly dialer: UpstreamDialer,
    @Inject(PROXY_METRICS) private readonly metrics: ProxyMetrics,
    @Inject(PROXY_LOGGER) private readonly logger: Logger,
  ) {
    this.accessLog = new ProxyAccessLog(options.accessLog, logger.child({ subsystem: 'proxy.access' }));
    const accessLog = this.accessLog;
    this.forwarder = new HttpForwarder(
      {
        timeoutMs: options.timeoutMs,
        tls: options.tls !== undefined,
        trustedProxies: options.trustedProxies,
        maxResponseHeaderBytes: options.maxResponseHeaderBytes,
        bodyIdleTimeoutMs: options.bodyIdleTimeoutMs,
        noteResponseHeaders: accessLog.recordsResponses ? (res, headers) => accessLog.noteResponseHeaders(res, headers) : undefined,
      },
      logger,
    );
    this.limitWarnings = new RateLimitedLog(logger);
    const maxIdle = options.upstreamMaxIdleStreams ?? 128;
    if (maxIdle > 0 && dialer.choose) {
      const choose = dialer.choose.bind(dialer);
      this.reuse = {
        agent: new UpstreamStreamAgent(maxIdle, options.upstreamIdleTimeoutMs ?? 15_000),
        choose,
        onDialError: (res, endpointId, cause) => this.onDialError(res, endpointId, cause),
      };
    }
    this.clientStreams = new ClientStreamLimit(options.maxStreamsPerClient);
    this.pipeline = new PipelineGate(options.maxPipelinedRequests, options.readHeaderTimeoutMs, (socket, queued) =>
      this.limitWarnings.warn('too many pipelined requests, closing connection', {
        clientAddr: socket.remoteAddress,
        queued,
        limit: 'proxy.http.max_pipelined_requests',
      }),
    );
    this.upgradeForwarder = new UpgradeForwarder({ timeoutMs: options.timeoutMs, tls: options.tls !== undefined, trustedProxies: options.trustedProxies });
    metrics.readInFlightFrom(() => this.inFlight);
    this.server = createPortServer(
      {
        // Go's server reads MaxHeaderBytes plus 4096 bytes of slop (initialReadLimitSize, server.go)
        // before it answers 431: a head Go Piko takes must not be refused here.
        maxHeaderSize: options.maxHeaderBytes + GO_HEADER_SLOP_BYTES,
        headersTimeout: options.readHeaderTimeoutMs,
        // Node checks those every 30 s by default: a 10 s limit held idle connections 10-40 s.
        connectionsCheckingInterval: HEAD_TIMEOUT_CHECK_INTERVAL_MS,
        // 0 by default: a body may stream for as long as it needs (a 1 GiB upload).
        requestTimeout: options.readTimeoutMs,
        keepAliveTimeout: options.idleTimeoutMs,
        noDelay: true,
        // refuseRequestHead answers a missing Host with Go Piko's JSON body (Node's is empty).
        requireHostHeader: false,
      },
      options.tls,
      (req, res) => this.admit(req, res),
    );
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.pipeline.admitUpgrade(socket, () => this.acceptUpgrade(req, socket, head)),
    );
    // Head size is bounded by maxHeaderSize; the count by proxy.http.max_header_count, checked
    // in refuseRequestHead (Node's own limit would drop the headers beyond it silently).
    this.server.maxHeadersCount = headerCountLimit(options.maxHeaderCount);
    // `Expect: 100-continue` is the upstream's to answer: without this listener Node's server
    // sends `100 Continue` itself, and the client uploads a body the upstream may refuse.
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => this.admit(req, res));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.handleClientError(err, socket));
    // Node hands CONNECT over apart from requests, and without a listener closes the connection
    // with no answer at all. It is not forwarded (a tunnel to an arbitrary authority is not an
    // endpoint's request): 501 with Go Piko's JSON body, then closed.
    this.server.on('connect', (req: IncomingMessage, socket: Duplex) => {
      this.logger.debug('request refused', { status: 501, method: 'CONNECT', target: req.url });
      sendRawError(socket, 501, 'method not implemented');
    });
  }

  async listen(): Promise<AddressInfo> {
    const address = await listen(this.server, this.options.host, this.options.port);
    this.logger.info('proxy server listening', { addr: `${address.address}:${address.port}`, tls: this.options.tls !== undefined });
    return address;
  }

  /** Stops taking connections, lets requests in flight finish until the deadline, then cuts the rest. */
  async close(deadline: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    this.server.closeAllConnections();
    for (const socket of this.upgraded) socket.destroy();
    this.reuse?.agent.close();
    await closed;
    this.options.tls?.detach(this.server);
  }

  /**
   * A request as Node's parser hands it over: owed to its connection at once (OwedResponses), then
   * accepted when the connection's earlier requests are answered (PipelineGate: one at a time).
   */
  private admit(req: IncomingMessage, res: ServerResponse): void {
    // Read behind a body left unread after `Connection: close`: never processed, never answered.
    if (closingAfterResponse(req.socket)) return void req.resume();
    this.owed.add(req.socket, res);
    this.pipeline.admitRequest(req, res, () => this.accept(req, res));
  }

  /**
   * Every request starts here (after the pipeline gate): a head breaking the proxy's rules (see refuseRequestHead) is
   * refused (logged and counted like any answered request), the target is normalised (see
   * normaliseRequestTarget), then proxy.auth (proxy-auth.ts) runs before the handler, as Go
   * Piko's middleware before its routes.
   */
  private accept(req: IncomingMessage, res: ServerResponse): void {
    // Queued behind a response that closed the connection: as in admit, never processed.
    if (closingAfterResponse(req.socket)) return void req.resume();
    const refusal = refuseRequestHead(req, this.options.maxHeaderCount);
    if (refusal) {
      this.track(req, res);
      this.logger.debug('request refused', { status: refusal.status, err: refusal.message, headers: req.rawHeaders.length / 2 });
      // A head that breaks the rules may mean the two ends disagree on framing: as Go's server
      // does for a bad request, answer and close rather than read on.
      res.shouldKeepAlive = false;
      return sendError(res, refusal.status, refusal.message);
    }
    normaliseRequestTarget(req);
    // A replay the admin API asked this proxy to send (Inspector.isReplay) was authorised there.
    if (this.options.auth && !this.options.inspector?.isReplay(req)) this.options.auth.request(req, res, () => this.handle(req, res));
    else this.handle(req, res);
  }

  /** The same rules for an upgrade request (WebSocket, the TCP route) before its handler. */
  private acceptUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = refuseRequestHead(req, this.options.maxHeaderCount);
    if (refusal) {
      this.logUpgrade('upgrade', req, undefined, performance.now(), { result: 'failed', status: refusal.status, closeReason: refusal.message });
      return sendRawError(socket, refusal.status, refusal.message);
    }
    normaliseRequestTarget(req);
    if (this.options.auth) this.options.auth.upgrade(socket, req, () => this.handleUpgrade(req, socket, head));
    else this.handleUpgrade(req, socket, head);
  }

  /** Counts the request in the metrics and writes its access-log record when its response is over. */
  private track(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    this.inFlight++;
    // Response bytes: what the client's socket was sent meanwhile (head and body). A pipelined
    // request arriving while the previous response is still being written counts its tail too.
    const socket = req.socket;
    const writtenBefore = socket.bytesWritten;
    // proxy.http.write_timeout, Go's WriteTimeout: a deadline for the whole response, off by default.
    const deadline = this.options.writeTimeoutMs > 0 ? setTimeout(() => res.destroy(), this.options.writeTimeoutMs) : undefined;
    res.once('close', () => {
      clearTimeout(deadline);
      this.inFlight--;
      // Only a status the client was sent: a response that never began logs 0, not Node's default 200.
      const status = res.headersSent ? res.statusCode : 0;
      const durationMs = performance.now() - started;
      this.metrics.observe({
        method: req.method ?? '',
        status,
        durationMs,
        requestBytes: approximateRequestSize(req.method ?? '', req.url ?? '', req.httpVersion, req.rawHeaders, req.headers['content-length']),
        responseBytes: socket.bytesWritten - writtenBefore,
      });
      this.accessLog.request(req, res, durationMs);
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.track(req, res);
    // Piko's own paths, on the normalised path (normaliseRequestTarget): never a service's.
    if (isReservedPath(req.url ?? '/')) return sendError(res, 404, 'not found');
    const endpointId = this.endpointId(req);
    if (typeof endpointId !== 'string') return sendError(res, 400, endpointId.error);
    // A replay (it skipped proxy.auth) reaches only its original's endpoint, whatever Host it was given.
    if (this.options.inspector?.replayElsewhere(req, endpointId)) return sendError(res, 403, 'a replay may only reach the endpoint of the request it replays');
    // Traffic inspection (proxy.inspect): null unless this endpoint is captured.
    const capture = this.options.inspector?.http(req, res, endpointId) ?? null;
    const release = this.acquireClientStream(req, endpointId);
    if (!release) return sendError(res, 503, 'endpoint busy');
    res.once('close', release);

    if (this.reuse) {
      const choice = this.reuse.choose(endpointId);
      if (!choice) {
        this.logger.warn('no available upstreams', { endpointId });
        return sendError(res, 502, 'no available upstreams');
      }
      if (choice.reusable !== false && (!choice.reuseRetryableOnly || retryableOnKeptStream(req))) {
        this.requestStats.watch(endpointId, res);
        return this.forwarder.forwardOn(req, res, choice, endpointId, this.reuse, capture);
      }
      // A stream of its own, to the upstream just chosen: `dial` would pick one all over again.
      return this.forwardOnNewStream(req, res, endpointId, choice.open(), capture);
    }
    this.forwardOnNewStream(req, res, endpointId, this.dialer.dial(endpointId), capture);
  }

  /** Forwards the request on a stream of its own (`Connection: close`) once `stream` is open, or answers why not. */
  private forwardOnNewStream(
    req: IncomingMessage,
    res: ServerResponse,
    endpointId: string,
    stream: Promise<Duplex | undefined>,
    capture: ExchangeObserver | null,
  ): void {
    stream.then(
      (opened) => {
        if (!opened) {
          this.logger.warn('no available upstreams', { endpointId });
          return sendError(res, 502, 'no available upstreams');
        }
        if (res.destroyed) return void opened.destroy();
        this.requestStats.watch(endpointId, res);
        this.forwarder.forward(req, res, opened, endpointId, capture);
      },
      (err: Error) => {
        if (err instanceof EndpointBusyError) return sendError(res, 503, this.endpointBusy(endpointId, 'upstream'));
        this.logger.warn('upstream unreachable', { endpointId, err: err.message });
        // The endpoint has routes (none would resolve undefined): a failure worth counting.
        this.requestStats.record(endpointId, true);
        sendError(res, 502, 'upstream unreachable');
      },
    );
  }

  /** No stream could be opened for a request on the reuse path: the answers `dial`'s outcomes get. */
  private onDialError(res: ServerResponse, endpointId: string, cause: unknown): void {
    if (cause === undefined) {
      this.logger.warn('no available upstreams', { endpointId });
      return sendError(res, 502, 'no available upstreams');
    }
    if (cause instanceof EndpointBusyError) return sendError(res, 503, this.endpointBusy(endpointId, 'upstream'));
    this.logger.warn('upstream unreachable', { endpointId, err: cause instanceof Error ? cause.message : String(cause) });
    sendError(res, 502, 'upstream unreachable');
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const started = performance.now();
    const tcp = TCP_ROUTE.exec(req.url ?? '');
    const kind = tcp ? 'tcp' : 'upgrade';
    /** Answers with Go Piko's JSON error, closes the connection, and logs the attempt. */
    const refuse = (status: number, message: string, endpointId?: string): void => {
      this.logUpgrade(kind, req, endpointId, started, { result: 'failed', status, closeReason: message });
      sendRawError(socket, status, message);
    };
    // /_piko is Piko's own for upgrades too (on the normalised path); its one upgrade route is the TCP one.
    if (!tcp && isReservedPath(req.url ?? '/')) return refuse(404, 'not found');
    // Not URL-decoded: a valid endpoint ID has no characters that need escaping.
    const endpointId = tcp ? tcp[1] : this.endpointId(req);
    if (typeof endpointId !== 'string') return refuse(400, endpointId.error);
    if (tcp && !isValidEndpointId(endpointId)) return refuse(400, 'invalid endpoint id');
    // Piko's own WebSocket: a page in a browser must not open TCP tunnels from a foreign origin.
    if (tcp && !websocketOriginAllowed(req, this.options.tcpAllowedOrigins ?? [])) return refuse(403, 'origin not allowed', endpointId);
    const release = this.acquireClientStream(req, endpointId);
    if (!release) return refuse(503, 'endpoint busy', endpointId);
    // Held until the exchange is over: for a declined upgrade whose connection goes back to the
    // HTTP server that is its response's end (done), otherwise the connection's close.
    socket.once('close', release);
    this.dialer.dial(endpointId, tcp ? { rawTcp: true } : undefined).then(
      (stream) => {
        if (!stream) {
          this.logger.warn('no available upstreams', { endpointId, upgrade: true });
          return refuse(502, 'no available upstreams', endpointId);
        }
        if (socket.destroyed) {
          this.logUpgrade(kind, req, endpointId, started, { result: 'failed', status: 0, closeReason: 'client closed before the upstream was reached' });
          return void stream.destroy();
        }
        this.upgraded.add(socket);
        socket.once('close', () => this.upgraded.delete(socket));
        this.requestStats.record(endpointId, false);
        const capture = this.options.inspector?.connection(req, endpointId, tcp ? 'tcp' : 'websocket') ?? null;
        capture?.servedBy(stream);
        if (tcp) {
          this.metrics.tcpConnectionsTotal.inc();
          this.tcpForwarder.forward(req, socket, head, stream, (outcome) => {
            capture?.close(outcome);
            this.logUpgrade('tcp', req, endpointId, started, outcome);
          });
          return;
        }
        this.upgradeForwarder.forward({
          req,
          socket,
          head,
          stream,
          mayKeepAlive: () => this.server.listening,
          handBack: (client, leftover) => {
            this.upgraded.delete(client);
            returnToHttpServer(this.server, client, leftover, this.options.idleTimeoutMs);
          },
          done: (outcome) => {
            capture?.close(outcome);
            release();
            if (outcome.result === 'upgraded') this.metrics.upgradesTotal.inc();
            this.logUpgrade('upgrade', req, endpointId, started, outcome);
          },
        });
      },
      (err: Error) => {
        // Raw bytes to an HTTP service would skip every rule this proxy applies to requests.
        if (err instanceof TcpToHttpEndpointError) return refuse(403, 'tcp connections to an http endpoint are not allowed', endpointId);
        if (err instanceof EndpointBusyError) return refuse(503, this.endpointBusy(endpointId, 'upstream'), endpointId);
        this.logger.warn('upstream unreachable', { endpointId, err: err.message, upgrade: true });
        refuse(502, 'upstream unreachable', endpointId);
      },
    );
  }

  /**
   * The access-log line (`proxy.access_log`: its level and disable apply, a 5xx at warn at least;
   * see ProxyAccessLog) of an upgrade request (`upgrade`: WebSocket, h2c…, switched, declined or
   * refused) or a TCP connection (`tcp connection`, /_piko/v1/tcp/:id), written when it is over:
   * endpoint, result and status, bytes each way after the request head, duration (ms) and why it
   * closed. Never headers; the query string only as `proxy.access_log.query` says (stripped by
   * default: tokens ride there for browsers, which cannot set headers on a WebSocket).
   */
  private logUpgrade(
    kind: 'upgrade' | 'tcp',
    req: IncomingMessage,
    endpointId: string | undefined,
    started: number,
    outcome: Partial<UpgradeOutcome> | TcpOutcome,
  ): void {
    // A TCP connection that got this far was switched (101); a refused one carries its status.
    const status = 'status' in outcome && outcome.status !== undefined ? outcome.status : 101;
    this.accessLog.write(kind === 'tcp' ? 'tcp connection' : 'upgrade', status, {
      endpointId,
      ...(kind === 'upgrade' ? { method: req.method, path: this.accessLog.target(req.url), host: req.headers.host, upgrade: req.headers.upgrade } : {}),
      ...outcome,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  }

  /**
   * One of the client's `proxy.max_streams_per_client` slots (the client as originalClientAddress
   * finds it: the peer, or behind `proxy.trusted_proxies` the address they forwarded), or
   * undefined, after a rate-limited warning, when it has none left: the caller answers 503.
   */
  private acquireClientStream(req: IncomingMessage, endpointId: string): (() => void) | undefined {
    const address = originalClientAddress(req, this.options.trustedProxies);
    const release = this.clientStreams.acquire(address);
    if (!release) this.endpointBusy(endpointId, 'client', address);
    return release;
  }

  /**
   * Logs (rate-limited) why a request got 503 "endpoint busy", naming the limit to raise: the
   * client's (`proxy.max_streams_per_client`) or the upstreams' (all their streams in use:
   * `upstream.mux.max_streams`). Returns the message for the client.
   */
  private endpointBusy(endpointId: string, which: 'client' | 'upstream', clientAddr?: string): string {
    if (which === 'client') {
      this.limitWarnings.warn('endpoint busy: client address at its stream limit', { endpointId, clientAddr, limit: 'proxy.max_streams_per_client' });
    } else {
      this.limitWarnings.warn('endpoint busy: every upstream at its stream limit', { endpointId, limit: 'upstream.mux.max_streams' });
    }
    return 'endpoint busy';
  }

  private endpointId(req: IncomingMessage): string | { error: string } {
    const endpointId = endpointIdFromHeaders(req.headers);
    if (!endpointId) return { error: 'missing endpoint id' };
    if (!isValidEndpointId(endpointId)) return { error: 'invalid endpoint id' };
    return endpointId;
  }

  /**
   * Malformed requests get a JSON answer where the socket still allows one (Node's default is
   * bodyless), and the connection closes. The answer waits until every response still owed to a
   * request read whole (one streaming, pipelined ones queued behind it) is over, so it never
   * lands inside one, as Go's server reads (and refuses) the next request only after the previous
   * response; where a response had begun for the request the error is about, the connection is
   * cut instead. Reading stops meanwhile: nothing more from this client is parsed.
   */
  private handleClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    // Only the HTTP parser's errors and its timeout can be answered. A socket error, or a TLS
    // handshake that failed or timed out (https.Server reports those here too), leaves no channel
    // to answer on: a 400 written into a connection without TLS never leaves, and the connection
    // stayed open for as long as the client liked (one client held every descriptor).
    if (!isHttpParseError(err)) return void socket.destroy();
    // Time the gate held reading is not the client's: see PipelineGate.excuseHeaderTimeout.
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' && this.pipeline.excuseHeaderTimeout(socket)) return;
    if (this.failedConnections.has(socket)) return;
    this.failedConnections.add(socket);
    this.logger.debug('bad client request', { code: err.code, err: err.message });
    socket.pause();
    this.owed.afterComplete(socket, () => {
      // Still owed now: the response of a request cut short by the error (a timeout), begun already.
      if (!socket.writable || this.owed.anyStarted(socket)) return void socket.destroy();
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      // It closes the socket too (reading had stopped): a request whose body failed to parse after
      // its head was forwarded ends only then (its exchange, its per-client stream slot); left
      // half-open, 256 of them locked the client's address out of every endpoint.
      sendRawError(socket, status, (STATUS_CODES[status] ?? 'bad request').toLowerCase());
    });
  }
}

/** An error of Node's HTTP parser (llhttp's `HPE_*`) or its head/request timeout: one the client's bytes caused, answered with a status. */
function isHttpParseError(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || (err.code?.startsWith('HPE_') ?? false);
}
