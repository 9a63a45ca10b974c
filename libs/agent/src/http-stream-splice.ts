import * as net from 'net';
import type { Duplex } from 'stream';
import * as tls from 'tls';
import { createCachedLookup, type Logger } from '@piko/client';
import type { AgentAccessLog } from './access-log';
import { HeadTap } from './head-tap';
import { rawHttpResponse } from './raw-http-response';
import { FinalStatusProbe, RequestLine, hasPathPrefix } from './request-line';
import { targetHost, targetPort } from './target-url';
import { tolerateWriteErrors } from './tolerate-write-errors';

export interface HttpStreamSpliceOptions {
  /** The local service's base URL (see parseTargetUrl); a path or query becomes a prefix. */
  target: URL;
  /** Milliseconds without a response byte, counted from the last request byte, before a 504; 0 = none. */
  timeoutMs: number;
  /**
   * `max_request_line_bytes`: bytes held waiting for the end of the first request line; a longer
   * line gets `400 {"error":"request line too long"}`.
   */
  maxRequestLineBytes: number;
  accessLog: AgentAccessLog;
  logger: Logger;
  /** `http_client.keep_alive_timeout`: TCP keep-alive probe interval on the service connection, ms; 0 = system default. */
  keepAliveMs?: number;
  /** The listener's `tls` (CA, client certificate, insecure_skip_verify) for an https:// service. */
  tls?: tls.ConnectionOptions;
}

// Go Piko's agent error bodies (json.Encoder adds the trailing newline).
const UNREACHABLE = '{"error":"upstream unreachable"}\n';
const TIMEOUT = '{"error":"upstream timeout"}\n';
const LINE_TOO_LONG = '{"error":"request line too long"}\n';
const SPLICED = Buffer.alloc(0);
// One lookup of the local service's host per 30 s, not one per proxied request.
const lookup = createCachedLookup();

/**
 * Joins one stream from Piko to a new TCP (or TLS) connection to the local service, byte for
 * byte: the proxy in front already parsed the request and sends exactly one per stream with
 * `Connection: close`, so the agent does not parse HTTP again. It only reads the first request
 * line (to rewrite the path for a target with a prefix, and for the access log) and the status
 * line of the final response (for the log's status; interim 1xx heads are skipped). Everything after, including WebSocket frames after a 101,
 * passes through untouched with backpressure both ways.
 *
 * Half-close travels both ways; a reset from Piko's side resets the service's connection. A
 * service that closes or resets its connection after it began answering (an upload refused from
 * its headers, a body cut short) never costs the client what it sent: a failed write does not
 * destroy the socket (tolerateWriteErrors), the response bytes are read to the end and the stream
 * ends after them (FIN), and the rest of the request is drained and discarded. If the service
 * refuses the connection, resets it before a response byte, or sends nothing for timeoutMs after
 * the last request byte, the agent answers 502 or 504 itself. A client that reuses the stream for further requests
 * (Piko's proxies never do) gets them passed through too, but only the first is logged.
 */
export function spliceHttpStream(stream: Duplex, options: HttpStreamSpliceOptions): void {
  new HttpStreamSplice(stream, options);
}

class HttpStreamSplice {
  private readonly started = performance.now();
  private readonly socket: net.Socket;
  private readonly timer: NodeJS.Timeout | undefined;
  // Request bytes held until the first request line is complete.
  private held: Buffer[] = [];
  private heldBytes = 0;
  // The request head to write once connected: the held bytes, the first line rewritten if need be.
  private head: Buffer | undefined;
  private requestLine: RequestLine | undefined;
  private connected = false;
  private spliced = false;
  // Set once the agent answered on the service's behalf (400/502/504): the service is out of it.
  private answered = false;
  private awaitingResponse = true;
  // Reads the final status from the response bytes (interim 1xx skipped), until it is known.
  private statusProbe: FinalStatusProbe | undefined = new FinalStatusProbe();
  private status = 0;
  // Why an upgraded (101) connection ended: the first end or error seen, for the access log.
  private closeReason = '';
  private bytesIn = 0;
  private bytesOut = 0;
  // Copies of the request and response heads, for the access log's headers only.
  private readonly requestHead: HeadTap | undefined;
  private readonly responseHead: HeadTap | undefined;

  constructor(
    private readonly stream: Duplex,
    private readonly options: HttpStreamSpliceOptions,
  ) {
    const { target, timeoutMs } = options;
    const host = targetHost(target);
    const port = targetPort(target);
    const secure = target.protocol === 'https:';
    // allowHalfOpen is honoured by tls.connect (passed on to the TLSSocket) though not in its typings.
    const tlsOptions: tls.ConnectionOptions & { allowHalfOpen: boolean } = {
      ...options.tls,
      host,
      port,
      servername: net.isIP(host) ? undefined : host,
      ALPNProtocols: ['http/1.1'],
      allowHalfOpen: true,
      lookup,
    };
    this.socket = secure ? tls.connect(tlsOptions) : net.connect({ host, port, allowHalfOpen: true, lookup });
    this.socket.setNoDelay(true);
    tolerateWriteErrors(this.socket, (err) => this.onServiceStoppedReading(err));
    if (options.keepAliveMs) this.socket.setKeepAlive(true, options.keepAliveMs);
    if (options.accessLog.wantsHeaders) {
      this.requestHead = new HeadTap();
      this.responseHead = new HeadTap();
    }
    this.timer = timeoutMs > 0 ? setTimeout(() => this.onTimeout(), timeoutMs) : undefined;

    this.socket.once(secure ? 'secureConnect' : 'connect', () => this.onConnect());
    this.socket.once('error', (err: Error) => {
      this.closeReason ||= `service error: ${err.message}`;
      this.onSocketError(err);
    });
    this.socket.once('end', () => (this.closeReason ||= 'service closed'));
    this.socket.once('close', () => {
      if (this.answered || this.stream.destroyed || (this.socket.readableEnded && this.socket.writableFinished)) return;
      // The service already answered: what it sent is on its way; end the stream after it rather
      // than reset it (a reset would drop the response bytes still queued behind the window).
      if (this.bytesOut > 0) this.finishAfterServiceClosed();
      else this.stream.destroy();
    });
    this.stream.on('data', (chunk: Buffer) => this.onRequestData(chunk));
    this.stream.once('end', () => {
      this.closeReason ||= 'client closed';
      // A stream that ended before a full request line: pass on what came, untouched.
      if (!this.head && !this.answered) this.holdComplete(Buffer.concat(this.held));
    });
    this.stream.once('error', (err: Error) => {
      this.closeReason ||= `piko stream error: ${err.message}`;
      options.logger.debug('stream error', { err: err.message });
      this.abortSocket();
    });
    this.stream.once('close', () => this.onStreamClose());
  }

  private onRequestData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    this.requestHead?.push(chunk);
    // Counted from the last request byte, so an upload never times out while it flows.
    if (this.awaitingResponse) this.timer?.refresh();
    if (this.head || this.answered) return;
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    const held = this.held.length === 1 ? chunk : Buffer.concat(this.held);
    this.held = [held];
    const limit = this.options.maxRequestLineBytes;
    const line = RequestLine.parse(held.length > limit ? held.subarray(0, limit) : held);
    if (line) {
      this.requestLine = line;
      this.holdComplete(hasPathPrefix(this.options.target) ? line.rewrite(held, this.options.target) : held);
    } else if (this.heldBytes >= limit) {
      this.options.logger.warn('request line too long', { bytes: this.heldBytes, limit: 'max_request_line_bytes', limitBytes: limit });
      this.answer(400, LINE_TOO_LONG);
    }
  }

  private holdComplete(head: Buffer): void {
    this.head = head;
    this.held = [];
    // Nothing more is read until the service can take it: pipe() resumes the stream.
    this.stream.pause();
    this.maybeSplice();
  }

  private onConnect(): void {
    this.connected = true;
    this.socket.on('data', (chunk: Buffer) => this.onResponseData(chunk));
    this.socket.pipe(this.stream);
    this.maybeSplice();
  }

  private maybeSplice(): void {
    if (!this.connected || !this.head || this.spliced || this.answered) return;
    this.spliced = true;
    if (this.head.length > 0) this.socket.write(this.head);
    // Written: keep the marker, not the bytes, for the rest of a possibly long session.
    this.head = SPLICED;
    this.stream.pipe(this.socket);
  }

  private onResponseData(chunk: Buffer): void {
    if (this.awaitingResponse) {
      // The service answered: from here on nothing is timed, so an event stream, a long download
      // or a WebSocket session runs as long as both ends want.
      this.awaitingResponse = false;
      clearTimeout(this.timer);
    }
    this.bytesOut += chunk.length;
    this.responseHead?.push(chunk);
    if (this.statusProbe) {
      const status = this.statusProbe.feed(chunk);
      if (status !== undefined) {
        this.status = status;
        this.statusProbe = undefined;
      }
    }
  }

  private onTimeout(): void {
    if (!this.awaitingResponse) return;
    this.options.logger.warn('upstream timeout', { timeoutMs: this.options.timeoutMs });
    this.answer(504, TIMEOUT);
  }

  private onSocketError(err: Error): void {
    if (this.answered) {
      this.options.logger.debug('upstream connection error', { err: err.message });
    } else if (this.bytesOut === 0) {
      // Refused, unresolvable, TLS handshake failed, or reset before a single response byte:
      // the client can still be told, with a status.
      this.options.logger.warn('upstream unreachable', { addr: this.options.target.host, err: err.message });
      this.answer(502, UNREACHABLE);
    } else {
      // The service answered and then closed or reset the connection: typically a service that
      // answered an upload from its headers (401, 413) and closed without reading the rest. Its
      // answer is already queued on the stream, so end the stream after it (the proxy judges from
      // the response's framing whether it is whole) and stop forwarding the request.
      this.options.logger.debug('upstream connection closed after answering', { err: err.message });
      this.finishAfterServiceClosed();
    }
  }

  /**
   * A write to the service failed (EPIPE, ECONNRESET): it closed its connection, typically after
   * answering an upload from its headers. Its answer may still be unread in the socket, so the
   * socket keeps being read (see tolerateWriteErrors) and the response goes to the stream as
   * usual; the rest of the request is drained from the stream and discarded. Once the service's
   * side has ended, the socket is closed.
   */
  private onServiceStoppedReading(err: Error): void {
    this.options.logger.debug('upstream stopped reading the request', { err: err.message, bytesIn: this.bytesIn });
    this.stream.unpipe(this.socket);
    this.stream.resume();
    if (this.socket.readableEnded) this.socket.destroy();
    else this.socket.once('end', () => this.socket.destroy());
  }

  /**
   * The service closed (or reset) its connection after sending response bytes: end the stream's
   * write side after those bytes, and keep reading what is left of the request from the stream,
   * discarding it, so the proxy's sending side never blocks on a window nobody reads.
   */
  private finishAfterServiceClosed(): void {
    this.stream.unpipe(this.socket);
    this.socket.unpipe(this.stream);
    this.stream.resume();
    if (!this.stream.destroyed && !this.stream.writableEnded) this.stream.end();
  }

  /** Answers the request in the service's place and ends the stream; the service is dropped. */
  private answer(status: number, body: string): void {
    if (this.answered) return;
    this.answered = true;
    this.awaitingResponse = false;
    clearTimeout(this.timer);
    this.status = status;
    this.stream.unpipe(this.socket);
    this.socket.unpipe(this.stream);
    this.socket.destroy();
    if (this.stream.destroyed || this.stream.writableEnded) return;
    const response = rawHttpResponse(status, body);
    this.bytesOut += response.length;
    this.stream.end(response);
    // Drain what is left of the request so the stream's read side can finish and the stream close.
    this.stream.resume();
  }

  /** A reset from the proxy's side becomes a TCP reset, so the service sees the abort. */
  private abortSocket(): void {
    if (this.socket.destroyed) return;
    // resetAndDestroy() needs a connected TCP handle; TLS sockets and pending connects just close.
    if (this.socket.connecting || this.socket instanceof tls.TLSSocket) this.socket.destroy();
    else this.socket.resetAndDestroy();
  }

  private onStreamClose(): void {
    clearTimeout(this.timer);
    // A stream destroyed without an error (the listener shut down) must not leave the socket open.
    if (!this.socket.destroyed && !(this.stream.readableEnded && this.stream.writableFinished)) this.socket.destroy();
    const { logger, accessLog } = this.options;
    if (!this.requestLine && this.bytesIn === 0) {
      logger.debug('stream closed without a request');
      return;
    }
    accessLog.request(
      logger,
      {
        method: this.requestLine?.method ?? '',
        path: accessLog.path(this.requestLine?.target),
        status: this.status,
        durationMs: performance.now() - this.started,
        bytesIn: this.bytesIn,
        bytesOut: this.bytesOut,
        ...(this.status === 101 ? { upgrade: true, closeReason: this.closeReason || 'closed' } : {}),
      },
      this.requestHead?.headers(),
      this.responseHead?.headers(),
    );
  }
}
