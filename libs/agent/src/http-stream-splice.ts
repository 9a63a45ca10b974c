import * as net from 'net';
import type { Duplex } from 'stream';
import * as tls from 'tls';
import { createCachedLookup, type Logger } from '@piko/client';
import type { AgentAccessLog } from './access-log';
import { MAX_LOGGED_HEAD_BYTES } from './head-tap';
import { Http1Framer } from '@piko/protocol';
import { rawHttpResponse } from './raw-http-response';
import { RequestLine, hasPathPrefix } from './request-line';
import { targetHost, targetPort } from './target-url';
import { tolerateWriteErrors } from './tolerate-write-errors';

export interface HttpStreamSpliceOptions {
  /** The local service's base URL (see parseTargetUrl); a path or query becomes a prefix. */
  target: URL;
  /** Milliseconds without a response byte, counted from the last request byte, before a 504; 0 = none. */
  timeoutMs: number;
  /**
   * `max_request_line_bytes`: the longest line of a request head (request line, header field,
   * chunk size) the agent reads; a longer request line gets `400 {"error":"request line too long"}`.
   */
  maxRequestLineBytes: number;
  accessLog: AgentAccessLog;
  logger: Logger;
  /** `http_client.keep_alive_timeout`: TCP keep-alive probe interval on the service connection, ms; 0 = system default. */
  keepAliveMs?: number;
  /**
   * `http_client.idle_conn_timeout` in ms: a service connection that carried no byte for this long
   * between requests is closed (the stream stays; its next request connects again); 0 = none.
   */
  idleConnTimeoutMs?: number;
  /** The listener's `tls` (CA, client certificate, insecure_skip_verify) for an https:// service. */
  tls?: tls.ConnectionOptions;
  /** Counts requests in flight (Go's piko_agent_requests_in_flight): one `started` and one `ended` per request. */
  inFlight?: { started(): void; ended(): void };
}

/** What the listener keeps of a splice: a way to end it gracefully. */
export interface SplicedStream {
  /**
   * Graceful end (the listener closes, or its session was told go-away): an idle stream ends now,
   * a busy one after its current response; an upgraded connection runs on.
   */
  drain(): void;
}

// Go Piko's agent error bodies (json.Encoder adds the trailing newline).
const UNREACHABLE = '{"error":"upstream unreachable"}\n';
const TIMEOUT = '{"error":"upstream timeout"}\n';
const LINE_TOO_LONG = '{"error":"request line too long"}\n';
const HEADER_LINE_TOO_LONG = '{"error":"request header too large"}\n';
// One lookup of the local service's host per 30 s, not one per proxied request.
const lookup = createCachedLookup();
/** A request replayed on a fresh connection (see onServiceGone) is held up to this many bytes. */
const MAX_REPLAY_BYTES = 64 * 1024;
/** RFC 9110 §9.2.2: requests that may be sent again without changing the outcome. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** One request on the stream and its response, for the access log and the metrics. */
class Exchange {
  readonly started = performance.now();
  status = 0;
  /** Stream positions: request start and end (bytes from Piko), response start and end (bytes to Piko). */
  inEnd = -1;
  outStart = -1;
  outEnd = -1;
  requestEnded = false;
  upgrade = false;
  logged = false;
  /** Bytes of an answer the agent gave itself (400/502/504). */
  answerBytes = -1;
  requestHeaders: [string, string][] | undefined;
  responseHeaders: [string, string][] | undefined;
  headerBytes = 0;
  /** The request's bytes as written, while it may still be replayed on a new connection. */
  replay: Buffer[] | undefined;
  replayBytes = 0;
  retried = false;

  constructor(
    readonly line: RequestLine,
    readonly inStart: number,
  ) {}
}

/**
 * Joins one stream from Piko to a TCP (or TLS) connection to the local service, byte for byte, for
 * as many requests as the stream carries (HTTP/1.1 keep-alive: Piko's proxy reuses idle streams).
 * A stream keeps its service connection between requests, so a reused stream is a reused
 * connection (Go Piko's agent gets the same from its Transport's pool); when the service closed
 * it meanwhile (its keep-alive timeout, `Connection: close`) the next request connects again.
 *
 * The agent does not parse HTTP again beyond framing (Http1Framer): it finds where each request
 * and response begins and ends, to log each request (method, path, status, bytes, duration),
 * count it in the metrics, and prefix every request line for a target with a path (Go's
 * NewSingleHostReverseProxy). Every other byte, WebSocket frames after a 101 included, passes
 * through untouched with backpressure both ways.
 *
 * Half-close travels both ways; a reset from Piko's side resets the service's connection. A
 * service that closes or resets its connection after it began answering never costs the client
 * what it sent (tolerateWriteErrors): its response is read to the end and the stream ends after
 * it. A service that closes a reused connection before a byte of response (the keep-alive race:
 * it timed the connection out as the request arrived) gets an idempotent request of at most
 * 64 KiB again on a new connection, once, as Go's Transport retries; otherwise the agent answers
 * 502. If the service refuses the connection or sends nothing for timeoutMs after the last
 * request byte, the agent answers 502 or 504 itself and ends the stream.
 */
export function spliceHttpStream(stream: Duplex, options: HttpStreamSpliceOptions): SplicedStream {
  return new HttpStreamSplice(stream, options);
}

class HttpStreamSplice implements SplicedStream {
  private socket: net.Socket | undefined;
  /** Requests written on the current service connection (0: a fresh one). */
  private socketUses = 0;
  private readonly requests: Http1Framer;
  private readonly responses: Http1Framer;
  /** Requests whose response is not over, oldest first: [0] is the one being answered. */
  private readonly queue: Exchange[] = [];
  /** The request whose bytes are arriving (also in the queue). */
  private receiving: Exchange | undefined;
  /** An upgraded (101) or CONNECT exchange: both sides are a tunnel now. */
  private tunnel: Exchange | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  /** queue[0] has had no response byte yet: the timeout runs. */
  private awaitingResponse = false;
  // Set once the agent answered on the service's behalf (400/502/504): the service is out of it.
  private answered = false;
  /** The stream's write side ended (or is about to): nothing more goes to the service. */
  private finished = false;
  private draining = false;
  private streamEnded = false;
  private serviceStoppedReading = false;
  private inTotal = 0;
  private outTotal = 0;
  /** Any request bytes before the first request line parsed (logged if the stream ends there). */
  private anyRequest = false;
  private closeReason = '';
  private readonly prefix: boolean;
  private streamPaused = false;
  private socketPaused = false;

  constructor(
    private readonly stream: Duplex,
    private readonly options: HttpStreamSpliceOptions,
  ) {
    this.prefix = hasPathPrefix(options.target);
    const wantsHeaders = options.accessLog.wantsHeaders;
    this.requests = new Http1Framer('request', options.maxRequestLineBytes, {
      startLine: (line, position) => this.onRequestStart(line, position),
      header: (name, value) => this.onHeader(this.receiving, 'requestHeaders', name, value),
      headEnd: () => undefined,
      messageEnd: (position) => this.onRequestEnd(position),
      data: (bytes) => this.writeService(bytes),
      lost: (reason, inStartLine, inHeaderLine) => this.onRequestFramingLost(reason, inStartLine, inHeaderLine),
    });
    this.requests.collectHeaders = wantsHeaders;
    this.responses = new Http1Framer(
      'response',
      // A response head is the service's: bounded only to keep a line in memory (Go's Transport: 1 MiB head).
      Math.max(options.maxRequestLineBytes, 1024 * 1024),
      {
        startLine: (line, position) => this.onResponseStart(line, position),
        header: (name, value) => this.onHeader(this.queue[0], 'responseHeaders', name, value),
        headEnd: () => undefined,
        messageEnd: (position) => this.onResponseEnd(position),
        lost: (reason) => options.logger.debug('response framing lost; passing bytes through', { reason }),
      },
      () => this.queue[0]?.line.method ?? '',
    );
    this.responses.collectHeaders = wantsHeaders;
    this.timer = options.timeoutMs > 0 ? setTimeout(() => this.onTimeout(), options.timeoutMs) : undefined;
    this.awaitingResponse = false;

    stream.on('data', (chunk: Buffer) => this.onRequestData(chunk));
    stream.once('end', () => this.onStreamEnd());
    stream.once('error', (err: Error) => {
      this.closeReason ||= `piko stream error: ${err.message}`;
      options.logger.debug('stream error', { err: err.message });
      this.abortSocket();
    });
    stream.once('close', () => this.onStreamClose());
  }

  drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.endIfIdle();
  }

  // ---- Piko → service -------------------------------------------------------------------------

  private onRequestData(chunk: Buffer): void {
    this.inTotal += chunk.length;
    this.anyRequest = true;
    // Counted from the last request byte, so an upload never times out while it flows.
    if (this.awaitingResponse) this.timer?.refresh();
    if (this.answered || this.finished) return;
    const socket = this.socket;
    socket?.cork();
    this.requests.push(chunk);
    socket?.uncork();
  }

  private onRequestStart(text: Buffer, position: number): Buffer | undefined {
    if (this.answered || this.finished) return undefined;
    const line = RequestLine.of(text.toString('latin1'));
    const exchange = new Exchange(line, position);
    if (this.options.accessLog.wantsHeaders) {
      exchange.requestHeaders = [];
      exchange.responseHeaders = [];
    }
    this.receiving = exchange;
    this.queue.push(exchange);
    this.options.inFlight?.started();
    this.ensureSocket();
    // A request on a reused connection may meet the service closing it: keep it to send again.
    if (this.socketUses > 0 && IDEMPOTENT.has(line.method)) exchange.replay = [];
    this.socketUses++;
    if (this.queue.length === 1) this.startAwaiting();
    return this.prefix ? line.rewritten(this.options.target) : undefined;
  }

  private onRequestEnd(position: number): void {
    const exchange = this.receiving;
    if (!exchange) return;
    exchange.inEnd = position;
    exchange.requestEnded = true;
    this.receiving = undefined;
  }

  private onRequestFramingLost(reason: string, inStartLine: boolean, inHeaderLine: boolean): void {
    const limit = this.options.maxRequestLineBytes;
    if (inStartLine && reason.startsWith('line longer')) {
      this.options.logger.warn('request line too long', { bytes: this.inTotal, limit: 'max_request_line_bytes', limitBytes: limit });
      this.answer(400, LINE_TOO_LONG);
      return;
    }
    // A header line longer than the limit: 431, as Go Piko's agent (Go's server past its header
    // limit), and the stream ends. Passed on unparsed, it left the stream a tunnel whose later
    // requests skipped the path prefix and the access log (found by an agent attack trial).
    if (inHeaderLine && reason.startsWith('line longer')) {
      this.options.logger.warn('request header line too long', { bytes: this.inTotal, limit: 'max_request_line_bytes', limitBytes: limit });
      this.answer(431, HEADER_LINE_TOO_LONG);
      return;
    }
    // Bytes the proxy never sends (it re-frames every request); pass them on, tracking stops.
    this.options.logger.debug('request framing lost; passing bytes through', { reason });
  }

  private writeService(bytes: Buffer): void {
    if (this.answered || this.finished || bytes.length === 0) return;
    const exchange = this.receiving;
    if (exchange?.replay) {
      exchange.replayBytes += bytes.length;
      if (exchange.replayBytes > MAX_REPLAY_BYTES) exchange.replay = undefined;
      else exchange.replay.push(bytes);
    }
    const socket = this.ensureSocket();
    if (this.serviceStoppedReading) return;
    if (!socket.write(bytes) && !this.streamPaused) {
      this.streamPaused = true;
      this.stream.pause();
      socket.once('drain', () => {
        this.streamPaused = false;
        if (!this.answered) this.stream.resume();
      });
    }
  }

  private onStreamEnd(): void {
    this.streamEnded = true;
    this.closeReason ||= 'client closed';
    if (this.answered || this.finished) return;
    // A request line that never ended: pass on what came, untouched.
    if (!this.requests.atMessageBoundary && !this.requests.tunnel) this.requests.switchToTunnel();
    if (this.socket) this.socket.end();
    else if (this.queue.length === 0) this.finish();
  }

  // ---- service → Piko -------------------------------------------------------------------------

  /** The connection to the service for the next bytes: the current one, or a new one. */
  private ensureSocket(): net.Socket {
    if (this.socket) return this.socket;
    const { target } = this.options;
    const host = targetHost(target);
    const port = targetPort(target);
    const secure = target.protocol === 'https:';
    // allowHalfOpen is honoured by tls.connect (passed on to the TLSSocket) though not in its typings.
    const tlsOptions: tls.ConnectionOptions & { allowHalfOpen: boolean } = {
      ...this.options.tls,
      host,
      port,
      servername: net.isIP(host) ? undefined : host,
      ALPNProtocols: ['http/1.1'],
      allowHalfOpen: true,
      lookup,
    };
    const socket = secure ? tls.connect(tlsOptions) : net.connect({ host, port, allowHalfOpen: true, lookup });
    this.socket = socket;
    this.socketUses = 0;
    this.serviceStoppedReading = false;
    socket.setNoDelay(true);
    tolerateWriteErrors(socket, (err) => this.onServiceStoppedReading(socket, err));
    if (this.options.keepAliveMs) socket.setKeepAlive(true, this.options.keepAliveMs);
    if (this.options.idleConnTimeoutMs) {
      socket.setTimeout(this.options.idleConnTimeoutMs, () => {
        if (socket === this.socket && this.idle) this.dropSocket();
      });
    }
    socket.on('data', (chunk: Buffer) => {
      if (socket === this.socket) this.onResponseData(socket, chunk);
    });
    socket.once('error', (err: Error) => {
      if (socket !== this.socket) return;
      this.closeReason ||= `service error: ${err.message}`;
      this.onServiceGone(socket, err);
    });
    socket.once('end', () => {
      if (socket !== this.socket) return;
      this.closeReason ||= 'service closed';
      this.onServiceGone(socket, undefined);
    });
    socket.once('close', () => {
      if (socket === this.socket) this.onServiceGone(socket, undefined);
    });
    return socket;
  }

  private onResponseData(socket: net.Socket, chunk: Buffer): void {
    if (this.answered) return;
    if (this.awaitingResponse) {
      // The service answered: from here on nothing is timed, so an event stream, a long download
      // or a WebSocket session runs as long as both ends want.
      this.awaitingResponse = false;
    }
    this.outTotal += chunk.length;
    // Written before it is parsed: a response's end may end the stream (drain, close-delimited).
    if (!this.stream.destroyed && !this.stream.writableEnded && !this.stream.write(chunk) && !this.socketPaused) {
      this.socketPaused = true;
      socket.pause();
      this.stream.once('drain', () => {
        this.socketPaused = false;
        socket.resume();
      });
    }
    this.responses.push(chunk);
  }

  private onResponseStart(text: Buffer, position: number): Buffer | undefined {
    const exchange = this.queue[0];
    if (!exchange) return undefined;
    if (exchange.outStart < 0) exchange.outStart = position;
    // `HTTP/1.1 200 OK`: interim 1xx heads come first; the final one's status stays.
    const status = Number(text.toString('latin1', 9, 12));
    exchange.status = Number.isInteger(status) ? status : 0;
    if (exchange.responseHeaders) {
      exchange.responseHeaders = [];
      exchange.headerBytes = 0;
    }
    return undefined;
  }

  private onResponseEnd(position: number): void {
    const exchange = this.queue.shift();
    if (!exchange) return;
    exchange.outEnd = position;
    const status = exchange.status;
    if (status === 101 || (exchange.line.method === 'CONNECT' && status >= 200 && status < 300)) {
      // Both sides speak another protocol now: bytes pass through, logged when the stream closes.
      exchange.upgrade = status === 101;
      this.tunnel = exchange;
      this.requests.switchToTunnel();
      return;
    }
    this.log(exchange);
    if (this.queue.length > 0) this.startAwaiting();
    else this.awaitingResponse = false;
    this.endIfIdle();
  }

  private onHeader(exchange: Exchange | undefined, which: 'requestHeaders' | 'responseHeaders', name: string, value: string): void {
    const headers = exchange?.[which];
    if (!exchange || !headers) return;
    exchange.headerBytes += name.length + value.length;
    // As HeadTap did: a head beyond 64 KiB is not kept for the log.
    if (exchange.headerBytes > MAX_LOGGED_HEAD_BYTES) headers.length = 0;
    else headers.push([name, value]);
  }

  private startAwaiting(): void {
    this.awaitingResponse = true;
    this.timer?.refresh();
  }

  private onTimeout(): void {
    if (!this.awaitingResponse || this.answered) return;
    this.options.logger.warn('upstream timeout', { timeoutMs: this.options.timeoutMs });
    this.answer(504, TIMEOUT);
  }

  /**
   * The service's connection ended (FIN, reset, or closed). Between responses that costs nothing:
   * the next request connects again. After a response that runs until close, that is its end, and
   * the stream ends after it. Before any byte of the response it answers (a reused connection's
   * idempotent request is sent again instead); in the middle of one the stream ends after what came.
   */
  private onServiceGone(socket: net.Socket, err: Error | undefined): void {
    if (socket !== this.socket) return;
    const closeDelimited = this.responses.untilClose;
    this.responses.end();
    if (this.answered || this.finished) return this.dropSocket();
    if (this.tunnel) {
      if (err) this.options.logger.debug('upstream connection error', { err: err.message });
      this.socket = undefined;
      // The upgraded connection's service side is done: end (or reset) the stream's side too.
      if (err && this.outTotal === 0) this.stream.destroy();
      else this.finish();
      return;
    }
    if (closeDelimited) return this.finishAfterServiceClosed();
    const exchange = this.queue[0];
    if (!exchange && this.requests.atMessageBoundary) {
      // An idle connection the service closed: the stream stays; the next request connects again.
      this.dropSocket();
      if (this.streamEnded) this.finish();
      return;
    }
    if (exchange && exchange.outStart < 0 && this.responses.atMessageBoundary) {
      if (exchange.replay && exchange.requestEnded && !exchange.retried && this.queue.length === 1 && !this.receiving) {
        this.options.logger.debug('service closed a reused connection before answering; sending the request again', {
          method: exchange.line.method,
          err: err?.message,
        });
        const replay = exchange.replay;
        exchange.replay = undefined;
        exchange.retried = true;
        this.dropSocket();
        const fresh = this.ensureSocket();
        this.socketUses = 1;
        for (const bytes of replay) fresh.write(bytes);
        if (this.streamEnded) fresh.end();
        return;
      }
      // Refused, unresolvable, TLS handshake failed, or closed or reset before a single response
      // byte: the client can still be told, with a status.
      this.options.logger.warn('upstream unreachable', {
        addr: this.options.target.host,
        err: err?.message ?? 'connection closed before a response',
        ...(isUntrustedCertificate(err) && { hint: UNTRUSTED_CERTIFICATE_HINT }),
      });
      return this.answer(502, UNREACHABLE);
    }
    // The service answered and then closed or reset the connection: typically a service that
    // answered an upload from its headers (401, 413) and closed without reading the rest. Its
    // answer is already queued on the stream, so end the stream after it (the proxy judges from
    // the response's framing whether it is whole) and stop forwarding the request.
    if (err) this.options.logger.debug('upstream connection closed after answering', { err: err.message });
    this.finishAfterServiceClosed();
  }

  /**
   * A write to the service failed (EPIPE, ECONNRESET): it closed its connection, typically after
   * answering an upload from its headers. Its answer may still be unread in the socket, so the
   * socket keeps being read (see tolerateWriteErrors) and the response goes to the stream as
   * usual; the rest of the request is drained from the stream and discarded. Once the service's
   * side has ended, the socket is closed.
   */
  private onServiceStoppedReading(socket: net.Socket, err: Error): void {
    if (socket !== this.socket) return;
    this.options.logger.debug('upstream stopped reading the request', { err: err.message, bytesIn: this.inTotal });
    this.serviceStoppedReading = true;
    if (this.streamPaused) {
      this.streamPaused = false;
      this.stream.resume();
    }
    if (socket.readableEnded) socket.destroy();
    else socket.once('end', () => socket.destroy());
  }

  /**
   * The service closed (or reset) its connection after sending response bytes: end the stream's
   * write side after those bytes, and keep reading what is left of the request from the stream,
   * discarding it, so the proxy's sending side never blocks on a window nobody reads.
   */
  private finishAfterServiceClosed(): void {
    this.dropSocket();
    this.finish();
  }

  /** Ends the stream's write side; whatever else comes from Piko is read and dropped. */
  private finish(): void {
    this.finished = true;
    this.awaitingResponse = false;
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.end();
    this.stream.resume();
  }

  /** No request or response under way: the stream could carry the next request now. */
  private get idle(): boolean {
    return this.queue.length === 0 && !this.tunnel && this.requests.atMessageBoundary && this.responses.atMessageBoundary;
  }

  private endIfIdle(): void {
    // A stream that has carried no request yet was opened for one that is on its way (the proxy
    // or gateway opened it before it read our go-away, and its bytes follow the SYN): serve that
    // one first. Ending it now would answer that request with a bare FIN (a 502 at the proxy).
    if (!this.draining || !this.idle || this.finished || !this.anyRequest) return;
    this.socket?.end();
    this.finish();
  }

  /** Forgets the current service connection (closing it if it is still open). */
  private dropSocket(): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = undefined;
    if (this.socketPaused) this.socketPaused = false;
    socket.destroy();
  }

  /** Answers the request in the service's place and ends the stream; the service is dropped. */
  private answer(status: number, body: string): void {
    if (this.answered) return;
    this.answered = true;
    this.awaitingResponse = false;
    const exchange = this.queue[0] ?? this.receiving ?? this.placeholder();
    exchange.status = status;
    this.dropSocket();
    if (this.stream.destroyed || this.stream.writableEnded) return;
    const response = rawHttpResponse(status, body);
    exchange.answerBytes = response.length;
    this.stream.end(response);
    // Drain what is left of the request so the stream's read side can finish and the stream close.
    this.stream.resume();
  }

  /** An exchange for bytes that never made a request line (answered 400, or cut short). */
  private placeholder(): Exchange {
    const exchange = new Exchange(RequestLine.of(''), 0);
    this.queue.push(exchange);
    this.options.inFlight?.started();
    return exchange;
  }

  /** A reset from the proxy's side becomes a TCP reset, so the service sees the abort. */
  private abortSocket(): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    // resetAndDestroy() needs a connected TCP handle; TLS sockets and pending connects just close.
    if (socket.connecting || socket instanceof tls.TLSSocket) socket.destroy();
    else socket.resetAndDestroy();
  }

  private onStreamClose(): void {
    clearTimeout(this.timer);
    // A stream destroyed without an error (the listener shut down) must not leave the socket open.
    const socket = this.socket;
    if (socket && !socket.destroyed) {
      if (this.idle && this.stream.readableEnded && this.stream.writableFinished) socket.end();
      else socket.destroy();
    }
    if (this.tunnel) this.log(this.tunnel);
    for (const exchange of this.queue.splice(0)) this.log(exchange);
    if (!this.anyRequest && this.inTotal === 0) this.options.logger.debug('stream closed without a request');
    else if (this.receivedNothingLogged()) this.log(this.placeholder());
  }

  private logs = 0;

  /** Bytes came but never a request line, and nothing was logged for them. */
  private receivedNothingLogged(): boolean {
    return this.logs === 0 && this.inTotal > 0;
  }

  private log(exchange: Exchange): void {
    if (exchange.logged) return;
    exchange.logged = true;
    this.logs++;
    this.options.inFlight?.ended();
    const { logger, accessLog } = this.options;
    const inEnd = exchange.inEnd >= 0 && !exchange.upgrade ? exchange.inEnd : this.inTotal;
    let bytesOut: number;
    if (exchange.answerBytes >= 0) bytesOut = exchange.answerBytes + (exchange.outStart >= 0 ? this.outTotal - exchange.outStart : 0);
    else if (exchange.outStart < 0) bytesOut = 0;
    else bytesOut = (exchange.outEnd >= 0 && !exchange.upgrade ? exchange.outEnd : this.outTotal) - exchange.outStart;
    accessLog.request(
      logger,
      {
        method: exchange.line.method,
        path: accessLog.path(exchange.line.target || undefined),
        status: exchange.status,
        durationMs: performance.now() - exchange.started,
        bytesIn: inEnd - exchange.inStart,
        bytesOut,
        ...(exchange.upgrade ? { upgrade: true, closeReason: this.closeReason || 'closed' } : {}),
      },
      exchange.requestHeaders,
      exchange.responseHeaders,
    );
  }
}

/** Node's codes for a service certificate that does not verify against the trusted CAs. */
const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);
const UNTRUSTED_CERTIFICATE_HINT = "trust the service's CA with the listener's tls.root_cas (YAML: piko agent start --config.path)";

/** Whether `err` says the https service's certificate is not trusted (self-signed, unknown CA). */
function isUntrustedCertificate(err: Error | undefined): boolean {
  return UNTRUSTED_CERTIFICATE_CODES.has((err as NodeJS.ErrnoException | undefined)?.code ?? '');
}
