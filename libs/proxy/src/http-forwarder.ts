import { request, type Agent, type ClientRequest, type IncomingMessage, type RequestOptions, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExchangeObserver } from '@piko/inspect';
import { type Logger, stripQuery } from '@piko/observability';
import { sendError } from './error-response';
import { type ForwardingOptions, forwardedRequestHeaders, forwardedResponseHeaders } from './forwarded-headers';
import { MAX_INTERIM_RESPONSES, relayInterimResponse } from './interim-response';
import { bodyUnread, closeAfterResponse, endCutShort } from './unread-body';
import { watchBodyIdle } from './body-idle-timer';
import type { UpstreamChoice } from './upstream-dialer';
import { StreamDialError, type StreamRequestOptions, type UpstreamStreamAgent } from './upstream-stream-agent';

/**
 * Where reused streams come from (see HttpForwarder.forwardOn): the pool, a way to pick an
 * upstream again for a retry, and who answers when no stream could be opened.
 */
export interface StreamReuse {
  agent: UpstreamStreamAgent;
  /** Picks the upstream for the endpoint again (UpstreamDialer.choose). */
  choose(endpointId: string): UpstreamChoice | undefined;
  /** Opening a stream failed (`cause` as UpstreamDialer.dial rejects, undefined: no upstream): answer the client. */
  onDialError(res: ServerResponse, endpointId: string, cause: unknown): void;
}

/** RFC 9110 §9.2.2: a request that may be sent again without changing the outcome. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export interface HttpForwarderOptions extends ForwardingOptions {
  /** `proxy.timeout`: how long to wait for the upstream's response headers; 0 waits forever. */
  timeoutMs: number;
  /**
   * `proxy.http.max_response_header_bytes`: the most bytes of an upstream response's head
   * (interim heads included) Node's parser reads; beyond it the client gets 502
   * `{"error":"upstream response header too large"}`.
   */
  maxResponseHeaderBytes: number;
  /**
   * `proxy.http.body_idle_timeout` in ms: the longest the client's request body may send nothing
   * while the proxy is ready to read it; then 408 `{"error":"request body idle timeout"}` (or a
   * cut connection once a response began). 0 = no limit.
   */
  bodyIdleTimeoutMs: number;
  /**
   * Given the raw header list of each response before it is written, when the access log may
   * record it (ProxyAccessLog.noteResponseHeaders); undefined: nobody needs it.
   */
  noteResponseHeaders?: (res: ServerResponse, rawHeaders: string[]) => void;
}

/**
 * Sends one client request down a stream to the upstream and streams the response back. Bodies
 * are piped both ways, so backpressure reaches from the client through the multiplexer's windows
 * to the upstream, and nothing holds a whole body. The timeout covers only the wait for response
 * headers after the request was sent: an upload, a long download or an event stream is never cut.
 *
 * The response is relayed whenever it comes, also while the request body is still being sent
 * (a service refusing an upload from its headers, RFC 9110 §15.5.2/§15.5.14). Once that response
 * is complete the rest of the body is no longer forwarded, and the client's connection is closed
 * after the response (`Connection: close`), as Go's net/http server does for a body it did not
 * read. The request head is sent at once, also for a request with `Expect: 100-continue`, whose
 * `100` only the upstream gives (ProxyServer handles 'checkContinue' so Node does not).
 */
export class HttpForwarder {
  constructor(
    private readonly options: HttpForwarderOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends the request on `stream`, one stream per request (`Connection: close`), as Go Piko does.
   * `observer`: traffic inspection's capture of this exchange, or null (inspection off: nothing observed).
   */
  forward(req: IncomingMessage, res: ServerResponse, stream: Duplex, endpointId: string, observer: ExchangeObserver | null = null): void {
    const upstreamReq = this.request(req, { createConnection: () => stream as never }, true);
    new Exchange(req, res, upstreamReq, endpointId, this.options, this.logger, observer).start();
  }

  /**
   * Sends the request to the chosen upstream on one of its idle streams, or a new one (see
   * UpstreamStreamAgent), with HTTP/1.1 keep-alive. A request on a reused stream that fails before
   * any byte of response (the agent ended the stream as the request went out) and has no body
   * and an idempotent method is sent once more, to an upstream picked again, as Go's Transport
   * retries on a reused connection; nothing of it could have been processed twice.
   */
  forwardOn(
    req: IncomingMessage,
    res: ServerResponse,
    choice: UpstreamChoice,
    endpointId: string,
    reuse: StreamReuse,
    observer: ExchangeObserver | null = null,
    retried = false,
  ): void {
    // Node's client takes any object with addRequest as its agent (see UpstreamStreamAgent).
    const options: StreamRequestOptions & RequestOptions = { agent: reuse.agent as unknown as Agent, upstreamKey: choice.key, openStream: choice.open };
    const upstreamReq = this.request(req, options, false);
    const exchange = new Exchange(req, res, upstreamReq, endpointId, this.options, this.logger, observer);
    exchange.onDialError = (cause) => reuse.onDialError(res, endpointId, cause);
    if (!retried && retryableOnKeptStream(req)) {
      exchange.retry = () => {
        const again = reuse.choose(endpointId);
        if (!again) return false;
        this.logger.debug('reused upstream stream closed before a response; retrying', { endpointId, method: req.method });
        this.forwardOn(req, res, again, endpointId, reuse, observer, true);
        return true;
      };
    }
    exchange.start();
  }

  private request(req: IncomingMessage, connection: RequestOptions, close: boolean): ClientRequest {
    const headers = forwardedRequestHeaders(req, this.options, false);
    // One stream per request: a fresh stream can never carry a half-read previous response.
    if (close) headers.push('Connection', 'close');
    // Node's client chunks a body only for methods that usually have one; a chunked GET or
    // DELETE must stay chunked, so the field goes on (refuseRequestHead let through only one
    // field of exactly `chunked`; Node's server hands over the body de-chunked, ours re-chunks it).
    const transferEncoding = req.headers['transfer-encoding'];
    if (transferEncoding !== undefined) {
      headers.push('Transfer-Encoding', transferEncoding);
      // The trailers the client announced follow the chunked body (as Go's Transport re-declares
      // Request.Trailer); `Trailer` is otherwise hop-by-hop.
      if (req.headers.trailer !== undefined) headers.push('Trailer', req.headers.trailer);
    }
    // A request without a body goes without one. Node's client would send `Transfer-Encoding:
    // chunked` and an empty last chunk for every method but GET, HEAD, DELETE, OPTIONS, TRACE and
    // CONNECT (services refusing chunked uploads answer 411); those get `Content-Length: 0`, as
    // Go's Transport sends for POST, PUT and PATCH (shouldSendContentLength, transfer.go). Go sends
    // no field for the rest (PROPFIND, LOCK…); Node fixes its framing when the request is made
    // (array headers), so they get `Content-Length: 0` too: the same message, one field more.
    if (hasNoBody(req) && req.headers['content-length'] === undefined && !NODE_UNCHUNKED_METHODS.has(req.method ?? '')) headers.push('Content-Length', '0');
    const upstreamReq = request({
      ...connection,
      method: req.method,
      path: req.url,
      headers,
      setHost: false,
      // Node's default is 16 KiB, far below Go's 10 MiB (Transport's MaxResponseHeaderBytes).
      maxHeaderSize: this.options.maxResponseHeaderBytes,
    });
    // Bytes are bounded (maxHeaderSize); Node's count limit (2000) would drop headers silently.
    upstreamReq.maxHeadersCount = 0;
    return upstreamReq;
  }
}

/** One request and its response, between the client's connection and the upstream's stream. */
class Exchange {
  private timer: NodeJS.Timeout | undefined;
  private response: IncomingMessage | undefined;
  /** The request body is still being forwarded (set while piping). */
  private forwardingBody = false;
  /** Stops the body idle timer (proxy.http.body_idle_timeout) once the body is no longer read. */
  private stopBodyIdle: () => void = () => undefined;
  /** Pooled streams: no stream could be opened (see StreamDialError). */
  onDialError: ((cause: unknown) => void) | undefined;
  /** Pooled streams: sends the request again on another stream; false when it could not. */
  retry: (() => boolean) | undefined;
  /** The client's connection closed before its response was written whole. */
  private clientGone = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly upstreamReq: ClientRequest,
    private readonly endpointId: string,
    private readonly options: HttpForwarderOptions,
    private readonly logger: Logger,
    private readonly observer: ExchangeObserver | null,
  ) {}

  start(): void {
    const { req, res, upstreamReq } = this;
    // Like Go's ResponseHeaderTimeout: the clock starts once the whole request (body included)
    // reached the stream, so a slow upload is never mistaken for a slow upstream.
    // 'on', not 'once', for the events Node emits once per request or response: no wrapper to
    // allocate and remove per request.
    if (this.options.timeoutMs > 0) upstreamReq.on('finish', () => this.startTimer());
    let interim = 0;
    upstreamReq.on('information', (info) => {
      if (this.response) return;
      if (++interim > MAX_INTERIM_RESPONSES) return this.refuseResponse('upstream sent too many interim (1xx) responses', { limit: MAX_INTERIM_RESPONSES });
      relayInterimResponse(req, res, info);
    });
    upstreamReq.on('response', (upstreamRes: IncomingMessage) => this.onResponse(upstreamRes));
    upstreamReq.on('upgrade', (upgradeRes: IncomingMessage, stream: Duplex) => this.onUnaskedUpgrade(upgradeRes, stream));
    upstreamReq.on('error', (err: NodeJS.ErrnoException) => this.onUpstreamError(err));

    // The client went away before the response finished: stop the upstream's work too.
    res.on('close', () => {
      clearTimeout(this.timer);
      if (res.writableFinished) return;
      this.clientGone = true;
      upstreamReq.destroy();
    });

    // Most requests have no body: end the upstream request at once instead of piping an empty
    // stream (a pipe costs half a dozen listeners set up and torn down per request).
    if (hasNoBody(req)) return void upstreamReq.end();
    // The head goes out now, not with the first body byte: a client waiting for `100 Continue`
    // sends no body until the upstream answers, and the upstream must see the head to answer.
    upstreamReq.flushHeaders();
    this.forwardingBody = true;
    req.pipe(upstreamReq, { end: false });
    this.observer?.requestBody(req);
    if (this.options.bodyIdleTimeoutMs > 0) this.stopBodyIdle = watchBodyIdle(req, this.options.bodyIdleTimeoutMs, () => this.onBodyIdle());
    req.once('end', () => {
      if (!this.forwardingBody) return;
      this.forwardingBody = false;
      this.stopBodyIdle();
      // A chunked body's trailers go on after it, as Go's ReverseProxy passes them.
      if (req.rawTrailers.length > 0) upstreamReq.addTrailers(pairs(req.rawTrailers));
      upstreamReq.end();
    });
  }

  private startTimer(): void {
    // A response that came while the body was still being sent needs no timer.
    if (this.response) return;
    this.timer = setTimeout(() => {
      this.logger.warn('upstream timeout', { endpointId: this.endpointId, method: this.req.method, path: stripQuery(this.req.url) });
      this.stopForwardingBody();
      sendError(this.res, 504, 'upstream timeout');
      this.upstreamReq.destroy();
    }, this.options.timeoutMs);
  }

  private onResponse(upstreamRes: IncomingMessage): void {
    const { req, res } = this;
    clearTimeout(this.timer);
    // A transfer coding other than `chunked` alone (`gzip, chunked`): Node de-chunks it and the
    // field is hop-by-hop, so the client would get gzip bytes labelled as plain content. Go's
    // client refuses such a response ("unsupported transfer encoding", transfer.go): 502 here too.
    const transferEncoding = upstreamRes.headers['transfer-encoding'];
    if (transferEncoding !== undefined && transferEncoding.toLowerCase() !== 'chunked') {
      return this.refuseResponse('upstream response with an unsupported transfer encoding', { transferEncoding });
    }
    this.response = upstreamRes;
    if (res.headersSent || res.destroyed) {
      upstreamRes.destroy();
      return;
    }
    const headers = forwardedResponseHeaders(upstreamRes.rawHeaders);
    // The body is not read to its end yet: like Go's server, close the connection after this
    // response, since what follows on it is the rest of a body nobody will read.
    if (bodyUnread(req)) headers.push('Connection', 'close');
    // Trailers (RFC 9112 §7.1.2) need a chunked response: announce them only when this one will
    // be (Node refuses a Trailer header otherwise). Go's ReverseProxy announces them the same way.
    const trailer = upstreamRes.headers.trailer;
    if (trailer !== undefined && willBeChunked(req, upstreamRes)) headers.push('Trailer', trailer);
    res.sendDate = !upstreamRes.headers.date;
    // Node drops keep-alive after any final status to an `Expect: 100-continue` request that got
    // no 100 ("they may put extra bytes on the wire"); with the body read whole there are none,
    // and Go's server keeps such a connection (curl sends Expect for uploads over 1 MB).
    if (req.complete) (res as ServerResponse & { _expect_continue?: boolean })._expect_continue = false;
    this.options.noteResponseHeaders?.(res, headers);
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, headers);
    // A streamed response (event stream, or no length: chunked until the upstream closes) may
    // keep the client waiting for its first body byte, so its head goes out now. A response of
    // known length sends its head with the body instead: one write, not two (as Go's
    // ReverseProxy, which flushes at once only for these same two cases).
    if (isStreamed(upstreamRes)) res.flushHeaders();
    // The body by hand rather than pipe(): the same backpressure (pause until the client's socket
    // drains) without pipe's half-dozen listeners set up and torn down per response. The client
    // going away is handled by res 'close' (start), which destroys the upstream request.
    upstreamRes.on('data', (chunk: Buffer) => {
      if (res.write(chunk) || res.destroyed || upstreamRes.isPaused()) return;
      upstreamRes.pause();
      res.once('drain', () => upstreamRes.resume());
    });
    this.observer?.response(upstreamRes);
    upstreamRes.on('error', () => undefined);
    upstreamRes.on('end', () => this.onResponseEnd(upstreamRes));
    // The upstream closed before the body's end: the client gets what came, then the connection
    // ends short of the framing (Content-Length or last chunk), as it would directly.
    upstreamRes.on('close', () => {
      if (!upstreamRes.complete) this.cutShort();
    });
  }

  /**
   * A 101 to a request that did not ask to upgrade (Node hands it over as 'upgrade', never as a
   * response): 502 at once, as Go's ReverseProxy ("backend tried to switch protocol"), instead of
   * waiting out proxy.timeout for a response that cannot come.
   */
  private onUnaskedUpgrade(upgradeRes: IncomingMessage, stream: Duplex): void {
    stream.destroy();
    clearTimeout(this.timer);
    this.refuseResponse('upstream switched protocols for a request that did not ask to upgrade', { upgrade: upgradeRes.headers.upgrade });
  }

  /** A response the client must not get: the exchange ends with 502 (unless the client left or was answered). */
  private refuseResponse(why: string, fields: Record<string, unknown>): void {
    const { req, res } = this;
    this.stopForwardingBody();
    this.upstreamReq.destroy();
    if (this.clientGone || res.headersSent || res.writableEnded) return;
    this.logger.warn(why, { endpointId: this.endpointId, method: req.method, path: stripQuery(req.url), ...fields });
    sendError(res, 502, 'upstream response malformed');
  }

  /**
   * The client sent no body byte for proxy.http.body_idle_timeout: the request is over. Before a
   * response, 408 with `Connection: close` (sendError: the rest of the body is never read); after
   * one began, the connection is cut, the only signal left. The upstream request is reset.
   */
  private onBodyIdle(): void {
    const { req, res } = this;
    this.logger.info('request body idle timeout', {
      endpointId: this.endpointId,
      method: req.method,
      path: req.url?.split('?', 1)[0],
      limit: 'proxy.http.body_idle_timeout',
      limitMs: this.options.bodyIdleTimeoutMs,
    });
    this.stopForwardingBody();
    clearTimeout(this.timer);
    if (res.headersSent) res.destroy();
    else sendError(res, 408, 'request body idle timeout');
    this.upstreamReq.destroy();
  }

  /** No more of the client's body goes upstream (what is left is the client connection's to discard). */
  private stopForwardingBody(): void {
    if (!this.forwardingBody) return;
    this.forwardingBody = false;
    this.stopBodyIdle();
    this.req.unpipe(this.upstreamReq);
  }

  /** The response ended early: stop the request, and end the client connection after what was sent. */
  private cutShort(): void {
    this.stopForwardingBody();
    this.upstreamReq.destroy();
    endCutShort(this.res);
  }

  /** The whole response arrived: stop forwarding the request body if it is still flowing. */
  private onResponseEnd(upstreamRes: IncomingMessage): void {
    const { req, res } = this;
    // The response came before the whole body was sent: the stream carries half a request, so
    // it must not be reused (Node would hold it for the request's end forever): close it.
    if (this.forwardingBody) setImmediate(() => this.upstreamReq.destroy());
    this.stopForwardingBody();
    if (bodyUnread(req)) closeAfterResponse(req);
    // Sent only on a chunked response; otherwise the client cannot take them, and Node drops them.
    if (upstreamRes.rawTrailers.length > 0) res.addTrailers(pairs(upstreamRes.rawTrailers));
    res.end();
  }

  private onUpstreamError(err: NodeJS.ErrnoException): void {
    const { res } = this;
    clearTimeout(this.timer);
    // The client left and the request was reset for it (start): nobody waits for an answer, so it
    // is not sent again, and the upstream is not reported unreachable for it.
    if (this.clientGone) return this.stopForwardingBody();
    if (err instanceof StreamDialError && this.onDialError) {
      this.stopForwardingBody();
      if (!res.headersSent && !res.writableEnded) this.onDialError(err.dialCause);
      return;
    }
    // A kept stream the agent closed as this request went out (the keep-alive race): nothing of
    // the request was processed, so it may go again on a fresh pick (see HttpForwarder.forwardOn).
    // Not after a parse error (HPE_*): bytes of an answer came, so the service had the request.
    const answered = err.code?.startsWith('HPE_') === true;
    if (this.upstreamReq.reusedSocket && !answered && !this.response && !res.headersSent && !res.writableEnded && this.retry) {
      const retry = this.retry;
      this.retry = undefined;
      if (retry()) return;
    }
    // A response that already arrived whole stands: an error after it (the upstream closing
    // while the rest of an unread upload was still on its way) changes nothing the client gets.
    if (this.response?.complete) return;
    if (this.response) return this.cutShort();
    // Answered already (a timeout's 504): a later error of the abandoned request changes nothing.
    if (res.writableEnded) return;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.stopForwardingBody();
    const context = { endpointId: this.endpointId, method: this.req.method, path: stripQuery(this.req.url), err: err.message };
    // Node's HTTP parser (llhttp) names what it could not parse with an HPE_ code: the upstream
    // answered, so saying it was unreachable would send whoever debugs it the wrong way.
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      const limit = { limit: 'proxy.http.max_response_header_bytes', limitBytes: this.options.maxResponseHeaderBytes };
      this.logger.warn('upstream response header too large', { ...context, ...limit });
      return sendError(res, 502, 'upstream response header too large');
    }
    if (err.code?.startsWith('HPE_')) {
      this.logger.warn('upstream response malformed', { ...context, code: err.code });
      return sendError(res, 502, 'upstream response malformed');
    }
    this.logger.warn('upstream unreachable', context);
    sendError(res, 502, 'upstream unreachable');
  }
}

/** Node's raw trailer list as the [name, value] pairs addTrailers() takes. */
function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

/**
 * Whether Node will send this response to the client chunked, the only framing that carries
 * trailers: a body of unknown length, to an HTTP/1.1 client (RFC 9112 §7).
 */
function willBeChunked(req: IncomingMessage, upstreamRes: IncomingMessage): boolean {
  const status = upstreamRes.statusCode ?? 0;
  if (req.method === 'HEAD' || status === 204 || status === 304) return false;
  if (upstreamRes.headers['content-length'] !== undefined) return false;
  return req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1);
}

function isStreamed(res: IncomingMessage): boolean {
  if (res.headers['content-length'] === undefined) return true;
  const type = res.headers['content-type'];
  return type !== undefined && type.startsWith('text/event-stream');
}

/**
 * A request forwardOn sends again when its kept stream fails before a response: an idempotent
 * method (RFC 9110 §9.2.2) and no body (nothing of it was consumed that could not be sent again).
 */
export function retryableOnKeptStream(req: IncomingMessage): boolean {
  return IDEMPOTENT.has(req.method ?? '') && hasNoBody(req);
}

/** Methods Node's client sends without framing when they have no body (ClientRequest's `useChunkedEncodingByDefault`). */
const NODE_UNCHUNKED_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

/** HTTP/1.1 framing (RFC 9112 §6.3): a request without Content-Length or Transfer-Encoding has no body. */
function hasNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}
