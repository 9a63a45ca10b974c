import net, { type AddressInfo } from 'node:net';
import tls, { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import {
  EndpointBusyError,
  RateLimitedLog,
  RelayStatus,
  Session,
  encodeRelayResponse,
  isValidEndpointId,
  RelayHandshakeError,
  relayServerHandshake,
  readRelayRequest,
  type RelayHeaderError,
  type YamuxStream,
} from '@piko/protocol';
import type { Logger } from '@piko/observability';
import { listen } from '@piko/runtime';
import type { Registry } from 'prom-client';
import { RelayServerMetrics, type RelayStreamResult } from './relay-server-metrics';
import type { RelayServerOptions } from './relay-server-options';
import { spliceStreams } from './splice-streams';
import { KeptRelayStream, UpstreamSessionWatch } from './kept-relay-stream';
import { HandshakeSlots } from './handshake-slots';

/** Where relay streams go: the gateway's UpstreamPool (structurally, so tests and wiring stay simple). */
export interface RelayUpstreams {
  /**
   * A new stream to a local upstream of the endpoint, or undefined if this gateway has none
   * (none that takes raw TCP, with `rawTcp`).
   */
  /** Throws EndpointBusyError when it has upstreams but every one is at its stream limit. */
  /** `countRequest: false`: a stream opened ahead of a request (a kept relay stream's), not counted as one. */
  dial(endpointId: string, options?: { rawTcp?: boolean; countRequest?: boolean }): Duplex | undefined;
  /** True when every local upstream of the endpoint declared HTTP (a raw TCP stream gets HTTP_ONLY); absent = never. */
  servesOnlyHttp?(endpointId: string): boolean;
  /**
   * With both of these, KEEP_ALIVE streams are served as kept relay streams (KeptRelayStream);
   * without, they are answered ACCEPTED and spliced (the proxy then sends one request on each).
   */
  hasUsable?(endpointId: string): boolean;
  /** How many upstreams of the endpoint here take new streams (absent: as if one). */
  usableCount?(endpointId: string): number;
  countKeptRequest?(endpointId: string, session: unknown): void;
}

const RESULT_FOR_STATUS: Record<RelayStatus, RelayStreamResult> = {
  [RelayStatus.Accepted]: 'accepted',
  [RelayStatus.NoUpstream]: 'no_upstream',
  [RelayStatus.Draining]: 'draining',
  [RelayStatus.BadRequest]: 'bad_request',
  [RelayStatus.HttpOnly]: 'http_only',
  [RelayStatus.Busy]: 'busy',
  [RelayStatus.AcceptedKeepAlive]: 'accepted',
};

/**
 * The gateway's relay port. Each proxy keeps one TCP connection here carrying a yamux session (the
 * proxy is the client); each stream the proxy opens starts with a relay header naming an endpoint
 * (see relay-header.ts in @piko/protocol). The server answers before any byte goes further: a
 * refusal (no local upstream, draining, bad header) lets the proxy try another gateway at no cost;
 * on acceptance the relay stream is spliced onto a fresh stream to a local upstream, bytes
 * unparsed, half-closes and resets carried over; or, for a stream the proxy keeps for HTTP
 * requests (KEEP_ALIVE), each request is sent to an upstream on its own (KeptRelayStream).
 */
export class RelayServer {
  private readonly server: net.Server;
  private readonly sessions = new Set<Session>();
  /** Connections still proving themselves (TLS and relay handshakes): no session yet. */
  private readonly slots: HandshakeSlots;
  /**
   * With relay TLS: the TCP socket of each connection still in its TLS handshake, by remote
   * address:port (the TLS socket Node makes from it has the same address), to free its slot later.
   */
  private readonly tlsArrivals = new Map<string, net.Socket>();
  private refusedSinceWarning = 0;
  private lastRefusalWarning = 0;
  private draining = false;
  /** Streams between 'stream' and the end of their splice (or refusal). */
  private active = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly metrics?: RelayServerMetrics;
  /** Kept relay streams being served (KEEP_ALIVE), for drain. */
  private readonly kept = new Set<KeptRelayStream>();
  private readonly upstreamSessions = new UpstreamSessionWatch();
  /** Set once every proxy has read the relay sessions' go-away (drain): kept streams end between exchanges. */
  private keptEnding = false;

  /** With a `registry`, the relay metrics (streams by result, sessions, active streams) are registered in it. */
  /**
   * Throws TypeError when the options leave the link unauthenticated (no `secret` and no mutual
   * `tls`): the relay port would splice any connection onto any upstream.
   */
  constructor(
    private readonly upstreams: RelayUpstreams,
    private readonly options: RelayServerOptions,
    private readonly logger: Logger,
    registry?: Registry,
  ) {
    if (!options.secret && !options.tls?.mutual) {
      throw new TypeError('relay server needs a secret or mutual TLS: an unauthenticated relay port accepts anyone');
    }
    if (registry) this.metrics = new RelayServerMetrics(registry);
    const maxHandshakes = options.maxHandshakes ?? 256;
    const maxPerAddress = options.maxHandshakesPerAddress ?? 16;
    this.slots = new HandshakeSlots(maxHandshakes, maxPerAddress, (socket, why) => {
      this.metrics?.handshakeFailed('overload');
      const reason = why === 'total_limit'
        ? `evicted: the longest waiting of ${maxHandshakes} connections in the handshake (relay.max_handshakes)`
        : `evicted: the longest waiting of ${maxPerAddress} connections from its address in the handshake (relay.max_handshakes_per_address)`;
      this.warnRefused(connectionKey(socket), new Error(reason));
    });
    if (options.tls) {
      // The TLS handshake gets relay.header_timeout as each step of the relay's own does; a
      // connection that fails it is closed by ServerTls.attach.
      const server = tls.createServer({ ...options.tls.serverOptions(), handshakeTimeout: options.headerTimeoutMs, noDelay: true }, (socket) => {
        const key = connectionKey(socket);
        const tcp = this.tlsArrivals.get(key);
        this.tlsArrivals.delete(key);
        if (!tcp) return void socket.destroy(); // its slot was taken back while in TLS
        this.onConnection(socket, tcp);
      });
      server.on('connection', (socket: net.Socket) => this.onTlsArrival(socket));
      options.tls.attach(server);
      this.server = server;
    } else {
      this.server = net.createServer({ noDelay: true }, (socket) => {
        this.slots.acquire(socket);
        this.onConnection(socket, socket);
      });
    }
  }

  async listen(): Promise<AddressInfo> {
    const address = await listen(this.server, this.options.host, this.options.port);
    this.server.on('error', (err) => this.logger.error('relay server error', { err: err.message }));
    this.logger.info('relay server listening', { addr: `${address.address}:${address.port}`, tls: this.options.tls !== undefined });
    return address;
  }

  get address(): AddressInfo | undefined {
    return (this.server.address() as AddressInfo | null) ?? undefined;
  }

  /** Streams currently in their header exchange or spliced onto an upstream. */
  get activeStreams(): number {
    return this.active;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * From now on every new relay stream is refused with DRAINING (the proxy goes to another
   * gateway); streams already accepted carry on. The port stays open so proxies get that clear
   * answer instead of a connection error.
   */
  stopAccepting(): void {
    if (this.draining) return;
    this.draining = true;
    this.logger.info('relay server draining: refusing new streams', { activeStreams: this.active });
  }

  /**
   * stopAccepting(), then ends kept relay streams without racing a request (below), waits for the
   * active streams to finish until `deadline` (epoch ms), then close().
   *
   * Kept streams: each relay session is told go-away first. A proxy that reads it keeps none of
   * that session's streams any more (it closes its idle ones and drops busy ones once their
   * response is in). Once the go-away's fence is up (Session.goAway: every frame the proxy sent
   * before it read it has arrived) no new request can start on an idle kept stream, so those that
   * are left are ended here, and busy ones after their response.
   */
  async drain(deadline: number): Promise<void> {
    this.stopAccepting();
    if (this.kept.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      });
      await Promise.race([Promise.all([...this.sessions].map((session) => session.goAway())), expired]);
      clearTimeout(timer);
      this.keptEnding = true;
      for (const kept of [...this.kept]) kept.drain();
    }
    if (this.active > 0) {
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      });
      await Promise.race([idle, expired]);
      clearTimeout(timer);
      if (this.active > 0) this.logger.warn('relay drain deadline reached, cutting streams', { activeStreams: this.active });
    }
    await this.close();
  }

  /** Closes the port and every relay session (streams still open are reset). */
  async close(): Promise<void> {
    this.draining = true;
    const closed = this.server.listening
      ? new Promise<void>((resolve) => this.server.close(() => resolve()))
      : Promise.resolve();
    for (const session of this.sessions) session.close();
    this.slots.destroyAll();
    await closed;
    this.options.tls?.detach(this.server);
  }

  /** A TCP connection to the TLS relay port, before its TLS handshake: it holds a slot from now on. */
  private onTlsArrival(socket: net.Socket): void {
    this.slots.acquire(socket);
    const key = connectionKey(socket);
    this.tlsArrivals.set(key, socket);
    socket.once('close', () => {
      if (this.tlsArrivals.get(key) === socket) this.tlsArrivals.delete(key);
    });
  }

  /**
   * A new connection (holding a slot, and with TLS past its TLS handshake; `tcp` is its TCP
   * socket, `socket` itself without TLS) proves itself (relay-handshake.ts) before a session
   * exists: until then no yamux frame is read, so no stream can reach an upstream.
   */
  private onConnection(socket: net.Socket, tcp: net.Socket): void {
    const remoteAddr = connectionKey(socket);
    const logger = this.logger.child({ remoteAddr });
    // Errors during the handshake reject it; afterwards the session owns the socket's errors.
    const onError = (err: Error): void => logger.debug('relay connection error during handshake', { err: err.message });
    socket.on('error', onError);
    const peerVerified = socket instanceof TLSSocket && socket.authorized;
    relayServerHandshake(socket, { secret: this.options.secret, peerVerified }, this.options.headerTimeoutMs).then(
      () => {
        socket.off('error', onError);
        // Evicted just as it finished: the socket is already closed.
        if (!this.slots.release(tcp)) return void socket.destroy();
        if (this.draining && !this.server.listening) return void socket.destroy();
        this.startSession(socket, logger);
      },
      (err: RelayHandshakeError) => {
        // Evicted (counted as overload then): not a failure of its own.
        if (!this.slots.release(tcp)) return void socket.destroy();
        const reason = err.code === 'ERR_RELAY_AUTH_BAD_HELLO' ? 'bad_hello' : err.code === 'ERR_RELAY_AUTH_METHOD' ? 'method' : err.code === 'ERR_RELAY_AUTH_PROOF' ? 'proof' : 'error';
        this.metrics?.handshakeFailed(reason);
        this.warnRefused(remoteAddr, err);
        // A refusal was answered and the socket ended: give the answer a moment to leave, then cut.
        if (err instanceof RelayHandshakeError && err.status !== undefined) setTimeout(() => socket.destroy(), 1_000).unref();
        else socket.destroy();
      },
    );
  }

  /** At most one warning per 10 s: a scanner must not flood the log (the metric counts them all). */
  private warnRefused(remoteAddr: string, err: Error): void {
    const now = Date.now();
    if (now - this.lastRefusalWarning < 10_000) {
      this.refusedSinceWarning++;
      return;
    }
    this.logger.warn('relay connection refused before its session: not authenticated', {
      remoteAddr,
      err: err.message,
      ...(this.refusedSinceWarning > 0 ? { alsoRefusedSinceLastWarning: this.refusedSinceWarning } : {}),
    });
    this.refusedSinceWarning = 0;
    this.lastRefusalWarning = now;
  }

  private startSession(socket: net.Socket, logger: Logger): void {
    const session = new Session(socket, { ...this.options.mux, client: false, logger });
    this.sessions.add(session);
    this.metrics?.sessions.inc();
    logger.info('relay session opened');
    // A proxy (or anything that reaches this port) can cause a warning per stream: rate-limited.
    const warnings = new RateLimitedLog(logger);
    session.on('stream', (stream: YamuxStream) => this.onStream(stream, logger, warnings));
    session.once('close', (err?: Error) => {
      warnings.flush();
      this.sessions.delete(session);
      this.metrics?.sessions.dec();
      this.metrics?.sessionClosed(err);
      logger.info('relay session closed', err ? { reason: err.message } : {});
    });
  }

  private onStream(stream: YamuxStream, logger: Logger, warnings: RateLimitedLog): void {
    // Errors here are resets from the proxy or a failed session; the splice and the header
    // reader act on them, this listener only keeps them from being unhandled.
    stream.on('error', (err: Error) => logger.debug('relay stream error', { streamId: stream.id, err: err.message }));
    this.active++;
    if (this.draining) return this.refuse(stream, RelayStatus.Draining);
    readRelayRequest(stream, this.options.headerTimeoutMs).then(
      ({ endpointId, rawTcp, keepAlive }) => this.route(stream, endpointId, rawTcp, keepAlive, logger, warnings),
      (err: RelayHeaderError) => {
        if (err.code === 'ERR_RELAY_VERSION') {
          warnings.warn('relay stream refused: bad header', { streamId: stream.id, err: err.message });
          return this.refuse(stream, RelayStatus.BadRequest);
        }
        logger.debug('relay stream failed before its header', { streamId: stream.id, err: err.message });
        this.metrics?.stream('error');
        stream.destroy();
        this.streamDone();
      },
    );
  }

  private route(stream: YamuxStream, endpointId: string, rawTcp: boolean, keepAlive: boolean, logger: Logger, warnings: RateLimitedLog): void {
    if (!isValidEndpointId(endpointId)) {
      warnings.warn('relay stream refused: invalid endpoint id', { streamId: stream.id });
      return this.refuse(stream, RelayStatus.BadRequest);
    }
    // Checked again: the server may have started draining while the header was on its way.
    if (this.draining) return this.refuse(stream, RelayStatus.Draining);
    let upstream: Duplex | undefined;
    try {
      upstream = this.upstreams.dial(endpointId, { rawTcp });
    } catch (err) {
      if (!(err instanceof EndpointBusyError)) throw err;
      warnings.warn('relay stream refused: every upstream at its stream limit', { endpointId, limit: 'upstream.mux.max_streams' });
      return this.refuse(stream, RelayStatus.Busy);
    }
    if (!upstream) {
      if (rawTcp && this.upstreams.servesOnlyHttp?.(endpointId)) {
        logger.debug('relay stream refused: raw tcp to an http endpoint', { streamId: stream.id, endpointId });
        return this.refuse(stream, RelayStatus.HttpOnly);
      }
      logger.debug('relay stream refused: no upstream', { streamId: stream.id, endpointId });
      return this.refuse(stream, RelayStatus.NoUpstream);
    }
    this.metrics?.stream('accepted');
    this.metrics?.activeStreams.inc();
    const upstreams = this.upstreams;
    if (keepAlive && !rawTcp && upstreams.hasUsable && upstreams.countKeptRequest) {
      stream.write(encodeRelayResponse(RelayStatus.AcceptedKeepAlive));
      const kept: KeptRelayStream = new KeptRelayStream(
        stream,
        endpointId,
        {
          dial: (id, { countRequest }) => upstreams.dial(id, { countRequest }),
          hasUsable: (id) => upstreams.hasUsable?.(id) ?? false,
          usableCount: (id) => upstreams.usableCount?.(id) ?? 1,
          countRequest: (id, session) => upstreams.countKeptRequest?.(id, session),
        },
        this.upstreamSessions,
        logger,
        (err) => {
          this.kept.delete(kept);
          this.metrics?.activeStreams.dec();
          if (err) logger.debug('kept relay stream ended with an error', { endpointId, err: err.message });
          this.streamDone();
        },
        () => this.keptEnding,
        upstream,
      );
      this.kept.add(kept);
      return;
    }
    // The status goes out in the same tick's frames as anything the upstream side sends back.
    stream.write(encodeRelayResponse(RelayStatus.Accepted));
    spliceStreams(stream, upstream, (err) => {
      this.metrics?.activeStreams.dec();
      if (err) logger.debug('relay splice ended with an error', { endpointId, err: err.message });
      this.streamDone();
    });
  }

  /**
   * Answers with a refusal and half-closes: a FIN, not a reset, because a reset may overtake the
   * status byte at the proxy and turn a clean "try elsewhere" into a connection error.
   */
  private refuse(stream: YamuxStream, status: RelayStatus): void {
    this.metrics?.stream(RESULT_FOR_STATUS[status]);
    stream.resume(); // nothing should follow the header; whatever does is dropped
    stream.end(encodeRelayResponse(status));
    // Done as far as draining goes: the proxy resets the stream once it read the status, and
    // close() flushes the status before it closes the session.
    this.streamDone();
  }

  private streamDone(): void {
    if (--this.active > 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** A connection's remote `address:port`: the same for a TCP socket and the TLS socket made from it. */
function connectionKey(socket: net.Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
