import { request, ServerResponse, STATUS_CODES, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorBody } from '@piko/protocol';
import { type ForwardingOptions, forwardedRequestHeaders, forwardedResponseHeaders } from './forwarded-headers';
import { MAX_INTERIM_RESPONSES } from './interim-response';

export interface UpgradeForwarderOptions extends ForwardingOptions {
  /** `proxy.timeout` in ms: how long to wait for the upstream's response head (101 or not); 0 waits forever. */
  timeoutMs: number;
}

/** How one upgrade request ended, for the access log and metrics. */
export interface UpgradeOutcome {
  /**
   * `upgraded`: the upstream answered 101 and bytes were spliced until one side closed.
   * `declined`: the upstream answered with an ordinary response, forwarded as one.
   * `failed`: no upstream response (unreachable, timeout, client gone); `status` is what the proxy sent, or 0.
   */
  result: 'upgraded' | 'declined' | 'failed';
  /** The status the client got: 101, the upstream's own, 502/504 from the proxy, or 0 for none. */
  status: number;
  /** Bytes from the client after its request head (body and, once upgraded, the new protocol's bytes). */
  bytesIn: number;
  /** Bytes to the client after the response head (the declined response's body, or everything after the 101). */
  bytesOut: number;
  /** Which side ended the connection and how, e.g. `client closed`, `upstream error: ...`. */
  closeReason: string;
  /** After a declined upgrade: the client connection went back to the HTTP server for further requests. */
  keptAlive: boolean;
}

export interface UpgradeExchange {
  req: IncomingMessage;
  /** The client's socket, handed over by the HTTP server's 'upgrade' event. */
  socket: Duplex;
  /** Bytes the HTTP server read past the request head. */
  head: Buffer;
  /** A fresh stream to the upstream (one per upgrade request). */
  stream: Duplex;
  /**
   * May the client connection be reused once a declined response is sent? False when the server is
   * closing. The forwarder adds its own conditions (see forward()).
   */
  mayKeepAlive: () => boolean;
  /** Gives a client connection back to the HTTP server after a declined upgrade; `leftover` are bytes already read. */
  handBack: (socket: Duplex, leftover: Buffer) => void;
  /** Called once, when the exchange is over (connection closed, or handed back). */
  done: (outcome: UpgradeOutcome) => void;
}

/**
 * Forwards an HTTP/1.1 upgrade request (WebSocket, h2c, anything with `Upgrade`) the way Go's
 * httputil.ReverseProxy does: the request (with its `Connection`/`Upgrade` headers and any
 * Content-Length body) goes upstream through Node's HTTP client, and the connection is spliced
 * only if the upstream answers `101 Switching Protocols` (RFC 9110 §15.2.2, §7.8). Any other
 * answer is an ordinary response: it is forwarded as one (hop-by-hop headers removed, framed for
 * the client) and the client's connection stays HTTP, so a later request on it is parsed, routed
 * and sanitised like any other. Bytes the client sent after its request are held, never passed
 * to the upstream, until the 101 arrives.
 *
 * Keep-alive after a declined upgrade: only for a body-less HTTP/1.1 request without
 * `Connection: close`; then the socket and the bytes read past the request go back to the HTTP
 * server through `handBack`. With a body (Content-Length) the response carries `Connection: close`
 * and the connection closes after it: the proxy would otherwise have to keep reading and
 * discarding a body the upstream ignored. A chunked request body on an upgrade is refused with 501
 * (Node hands upgrade requests over unparsed; a WebSocket or h2c handshake never has one).
 *
 * No `proxy.timeout` once switched: an upgraded connection lives as long as its two ends want.
 */
export class UpgradeForwarder {
  constructor(private readonly options: UpgradeForwarderOptions) {}

  forward(exchange: UpgradeExchange): void {
    new UpgradeExchangeRun(exchange, this.options).start();
  }
}

class UpgradeExchangeRun {
  private readonly req: IncomingMessage;
  private readonly socket: Duplex;
  private readonly stream: Duplex;
  private upstreamReq: ClientRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Bytes the client sent past the request (and its body): the new protocol's, or a next request. */
  private leftover: Buffer = Buffer.alloc(0);
  private readonly bodyLength: number;
  private answered = false;
  private finished = false;
  /** Interim (1xx) responses relayed so far (at most MAX_INTERIM_RESPONSES). */
  private interimResponses = 0;
  private readonly outcome: UpgradeOutcome = { result: 'failed', status: 0, bytesIn: 0, bytesOut: 0, closeReason: '', keptAlive: false };

  constructor(
    private readonly exchange: UpgradeExchange,
    private readonly options: UpgradeForwarderOptions,
  ) {
    this.req = exchange.req;
    this.socket = exchange.socket;
    this.stream = exchange.stream;
    this.bodyLength = Number(this.req.headers['content-length'] ?? 0);
  }

  start(): void {
    const { req, socket } = this;
    if (req.headers['transfer-encoding'] !== undefined) {
      this.stream.destroy();
      return this.fail(501, 'chunked upgrade request bodies are not supported', 'refused: chunked body');
    }
    // A client that resets or errors before the answer: drop the upstream side too. Nothing is read
    // from the socket here, so bytes it sends meanwhile wait in its buffer.
    socket.on('error', this.onEarlyClientClose);
    socket.on('close', this.onEarlyClientClose);

    const upstreamReq = request({
      method: req.method,
      path: req.url,
      headers: forwardedRequestHeaders(req, this.options, true),
      setHost: false,
      createConnection: () => this.stream as never,
    });
    this.upstreamReq = upstreamReq;
    if (this.options.timeoutMs > 0) {
      // As for plain requests (Go's ResponseHeaderTimeout): counted once the whole request was sent.
      upstreamReq.once('finish', () => {
        this.timer = setTimeout(() => this.onTimeout(), this.options.timeoutMs);
      });
    }
    upstreamReq.on('information', (info) => this.onInformation(info));
    upstreamReq.once('upgrade', (res: IncomingMessage, upstream: Duplex, upstreamHead: Buffer) => this.onSwitched(res, upstream, upstreamHead));
    upstreamReq.once('response', (res: IncomingMessage) => this.onDeclined(res));
    upstreamReq.on('error', (err: Error) => this.onUpstreamError(err));
    this.sendBody(upstreamReq);
  }

  /** Sends exactly Content-Length body bytes (from `head`, then the socket) and keeps what follows them. */
  private sendBody(upstreamReq: ClientRequest): void {
    const { head, socket } = this.exchange;
    let remaining = this.bodyLength;
    const take = (chunk: Buffer): boolean => {
      const body = chunk.length <= remaining ? chunk : chunk.subarray(0, remaining);
      remaining -= body.length;
      this.outcome.bytesIn += body.length;
      if (body.length < chunk.length) this.leftover = Buffer.concat([this.leftover, chunk.subarray(body.length)]);
      return body.length === 0 || upstreamReq.write(body);
    };
    if (head.length > 0) take(head);
    if (remaining === 0) return void upstreamReq.end();
    const onData = (chunk: Buffer): void => {
      if (!take(chunk)) {
        socket.pause();
        upstreamReq.once('drain', () => socket.resume());
      }
      if (remaining === 0) {
        socket.off('data', onData);
        socket.pause();
        upstreamReq.end();
      }
    };
    socket.on('data', onData);
  }

  private readonly onEarlyClientClose = (err?: Error | boolean): void => {
    if (this.answered) return;
    this.answered = true;
    clearTimeout(this.timer);
    this.upstreamReq?.destroy();
    this.stream.destroy();
    this.finish({ closeReason: err instanceof Error ? `client error: ${err.message}` : 'client closed before the response' });
  };

  /** 1xx interim responses (100 Continue, 103 Early Hints) pass through as they come. */
  private onInformation(info: { statusCode: number; statusMessage: string; rawHeaders: string[] }): void {
    if (this.answered || !this.socket.writable) return;
    if (++this.interimResponses > MAX_INTERIM_RESPONSES) {
      clearTimeout(this.timer);
      this.upstreamReq?.destroy();
      return this.fail(502, 'upstream response malformed', `more than ${MAX_INTERIM_RESPONSES} interim (1xx) responses`);
    }
    this.socket.write(responseHead(info.statusCode, info.statusMessage, info.rawHeaders));
  }

  private onSwitched(res: IncomingMessage, upstream: Duplex, upstreamHead: Buffer): void {
    clearTimeout(this.timer);
    if (this.answered) return void upstream.destroy();
    this.answered = true;
    const { socket } = this;
    socket.off('error', this.onEarlyClientClose);
    socket.off('close', this.onEarlyClientClose);
    this.outcome.result = 'upgraded';
    this.outcome.status = 101;

    // The upstream's 101 goes out with all its headers (Connection and Upgrade belong to it), as
    // Go's ReverseProxy writes it; then whatever followed it, then the client's held bytes upstream.
    socket.write(responseHead(101, res.statusMessage, res.rawHeaders));
    if (upstreamHead.length > 0) {
      this.outcome.bytesOut += upstreamHead.length;
      socket.write(upstreamHead);
    }
    if (this.leftover.length > 0) {
      this.outcome.bytesIn += this.leftover.length;
      upstream.write(this.leftover);
    }

    socket.on('data', (chunk: Buffer) => (this.outcome.bytesIn += chunk.length));
    upstream.on('data', (chunk: Buffer) => (this.outcome.bytesOut += chunk.length));
    socket.pipe(upstream);
    upstream.pipe(socket);
    socket.resume();
    // An error or reset on either side ends both; 'close' covers ends without an error.
    let reason = '';
    const teardown = (side: string) => (err?: Error | boolean) => {
      if (!reason) reason = err instanceof Error ? `${side} error: ${err.message}` : `${side} closed`;
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', teardown('client'));
    upstream.on('error', teardown('upstream'));
    socket.on('close', teardown('client'));
    upstream.on('close', teardown('upstream'));
    let closed = 0;
    const onClosed = (): void => {
      if (++closed === 2) this.finish({ closeReason: reason });
    };
    socket.once('close', onClosed);
    upstream.once('close', onClosed);
  }

  private onDeclined(upstreamRes: IncomingMessage): void {
    clearTimeout(this.timer);
    if (this.answered) return void upstreamRes.destroy();
    this.answered = true;
    const { req, socket } = this;
    socket.off('error', this.onEarlyClientClose);
    socket.off('close', this.onEarlyClientClose);
    this.outcome.result = 'declined';
    this.outcome.status = upstreamRes.statusCode ?? 502;

    const keepAlive = this.bodyLength === 0 && clientWantsKeepAlive(req) && this.exchange.mayKeepAlive();
    const res = new ServerResponse(req);
    res.shouldKeepAlive = keepAlive;
    res.sendDate = !upstreamRes.headers.date;
    res.assignSocket(socket as Socket);
    res.writeHead(this.outcome.status, upstreamRes.statusMessage, forwardedResponseHeaders(upstreamRes.rawHeaders));
    upstreamRes.on('data', (chunk: Buffer) => (this.outcome.bytesOut += chunk.length));
    upstreamRes.pipe(res);

    let reason = '';
    upstreamRes.once('close', () => {
      // The upstream broke mid-body: cut the client so it cannot take a truncated body for a whole one.
      if (!upstreamRes.complete) {
        reason ||= 'upstream closed mid-response';
        socket.destroy();
      }
    });
    const onClientError = (err: Error): void => void (reason ||= `client error: ${err.message}`);
    const onClientClose = (): void => this.finish({ closeReason: reason || 'client closed' });
    socket.on('error', onClientError);
    socket.once('close', onClientClose);
    res.once('finish', () => {
      socket.off('error', onClientError);
      socket.off('close', onClientClose);
      res.detachSocket(socket as Socket);
      // The stream carried one exchange; the upstream's connection ends with it.
      this.upstreamReq?.destroy();
      this.stream.destroy();
      if (!keepAlive || socket.destroyed) {
        closeQuietly(socket);
        return this.finish({ closeReason: reason || 'response complete, connection closed' });
      }
      this.finish({ closeReason: 'response complete, connection kept for further requests', keptAlive: true });
      this.exchange.handBack(socket, this.leftover);
    });
  }

  private onUpstreamError(err: Error): void {
    clearTimeout(this.timer);
    if (this.answered) return;
    this.fail(502, 'upstream unreachable', `upstream error: ${err.message}`);
  }

  private onTimeout(): void {
    if (this.answered) return;
    this.upstreamReq?.destroy();
    this.fail(504, 'upstream timeout', 'upstream timeout');
  }

  /** Answers with Go Piko's JSON error and closes the client connection. */
  private fail(status: number, message: string, closeReason: string): void {
    this.answered = true;
    this.socket.off('error', this.onEarlyClientClose);
    this.socket.off('close', this.onEarlyClientClose);
    const body = errorBody(message);
    closeQuietly(
      this.socket,
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\n` +
        `x-content-type-options: nosniff\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    this.finish({ status, closeReason });
  }

  private finish(fields: Partial<UpgradeOutcome>): void {
    if (this.finished) return;
    this.finished = true;
    this.exchange.done({ ...this.outcome, ...fields });
  }
}

/** Ends the socket after `last`; a late error (the peer reset meanwhile) just destroys it instead of going unhandled. */
function closeQuietly(socket: Duplex, last?: string): void {
  socket.on('error', () => socket.destroy());
  socket.end(last);
}

/** A raw response head (status line and headers as the upstream spelled them). */
function responseHead(status: number, message: string | undefined, rawHeaders: string[]): string {
  let text = `HTTP/1.1 ${status} ${message || STATUS_CODES[status] || ''}\r\n`;
  for (let i = 0; i < rawHeaders.length; i += 2) text += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return `${text}\r\n`;
}

/** RFC 9112 §9.3: HTTP/1.1 is persistent unless `Connection: close`; HTTP/1.0 is not unless `keep-alive`, which we do not offer. */
function clientWantsKeepAlive(req: IncomingMessage): boolean {
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor < 1) return false;
  const connection = req.headers.connection ?? '';
  return !connection.split(',').some((token) => token.trim().toLowerCase() === 'close');
}
