import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import type { Duplex } from 'stream';
import * as tls from 'tls';
import type { Logger } from '@piko/client';
import { logAccess, pathOf } from './access-log';
import { endToEndHeaders } from './hop-by-hop';
import { joinTargetPath, targetHost, targetPort } from './target-url';

export interface HttpReverseProxyOptions {
  /** Milliseconds to wait for response headers (or the upgrade's TCP connect); 0 = no limit. */
  timeoutMs: number;
  accessLog: boolean;
  logger: Logger;
}

class UpstreamTimeoutError extends Error {
  readonly code = 'PIKO_UPSTREAM_TIMEOUT';
  override readonly name = 'UpstreamTimeoutError';
  constructor(timeoutMs: number) {
    super(`no response headers within ${timeoutMs} ms`);
  }
}

// Go Piko's agent error bodies (json.Encoder adds the trailing newline).
const UNREACHABLE = '{"error":"upstream unreachable"}\n';
const TIMEOUT = '{"error":"upstream timeout"}\n';

/**
 * Forwards requests arriving from Piko to the local service. Bodies stream both ways through
 * pipe() (so backpressure reaches the far end), connections to the service are kept alive and
 * reused, and WebSocket (or any) upgrades become a raw byte splice after the request head.
 */
export class HttpReverseProxy {
  private readonly agent: http.Agent;

  constructor(
    private readonly target: URL,
    private readonly options: HttpReverseProxyOptions,
  ) {
    this.agent = target.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = performance.now();
    const { logger, timeoutMs } = this.options;
    let bytes = 0;
    let timedOut = false;

    const headers = endToEndHeaders(req.headers, ['expect']);
    // A body of unknown length must stay one: Node only chunks by default for some methods.
    if (req.headers['transfer-encoding'] && req.headers['content-length'] === undefined) {
      headers['transfer-encoding'] = 'chunked';
    }
    const request = this.target.protocol === 'https:' ? https.request : http.request;
    const proxyReq = request({
      agent: this.agent,
      protocol: this.target.protocol,
      host: targetHost(this.target),
      port: targetPort(this.target),
      method: req.method,
      path: joinTargetPath(this.target, req.url ?? '/'),
      headers,
    });

    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            proxyReq.destroy(new UpstreamTimeoutError(timeoutMs));
          }, timeoutMs)
        : undefined;

    let logged = false;
    const done = (status: number): void => {
      if (logged) return;
      logged = true;
      logAccess(logger, this.options.accessLog, {
        method: req.method ?? '',
        path: pathOf(req.url),
        status,
        durationMs: performance.now() - started,
        bytes,
      });
    };

    proxyReq.once('response', (proxyRes) => {
      // Only the wait for headers is bounded: a long download or an event stream may take hours.
      clearTimeout(timer);
      const status = proxyRes.statusCode ?? 502;
      res.writeHead(status, proxyRes.statusMessage, endToEndHeaders(proxyRes.headers));
      // A body of unknown length may be an event stream or a long poll: its headers must reach
      // the client now, not with the first chunk. Sized bodies need no separate write.
      if (proxyRes.headers['content-length'] === undefined) res.flushHeaders();
      proxyRes.on('data', (chunk: Buffer) => (bytes += chunk.length));
      proxyRes.pipe(res);
      proxyRes.once('error', (err) => {
        logger.warn('proxy response', { err: err.message });
        res.destroy(err);
      });
      // 'close' also covers a response cut short, which still deserves its log line.
      res.once('close', () => done(status));
    });

    proxyReq.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (res.headersSent) {
        // Too late for a status: cut the stream so the client sees a truncated response, not a complete one.
        logger.warn('proxy request', { err: err.message });
        res.destroy(err);
        return;
      }
      if (res.destroyed) return;
      logger.warn('proxy request', { err: err.message });
      const status = timedOut ? 504 : 502;
      const body = timedOut ? TIMEOUT : UNREACHABLE;
      bytes = Buffer.byteLength(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-content-type-options': 'nosniff',
        'content-length': bytes,
      });
      res.end(body);
      done(status);
      // The request body may still be arriving; drain it so the connection can be reused.
      req.resume();
    });

    // The client went away (or the stream was reset) before the response completed.
    res.once('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) proxyReq.destroy();
    });
    req.once('error', (err) => proxyReq.destroy(err));
    req.pipe(proxyReq);
  }

  /**
   * Splices an upgrade request (WebSocket or other) onto a fresh connection to the service: the
   * request head is written as received, then bytes flow both ways untouched, so the service's
   * own 101 (or refusal) reaches the client as is.
   */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const started = performance.now();
    const { logger, timeoutMs } = this.options;
    const host = targetHost(this.target);
    const port = targetPort(this.target);
    const upstream: net.Socket =
      this.target.protocol === 'https:'
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host })
        : net.connect({ host, port, allowHalfOpen: true });
    let status = 0;
    let bytes = 0;
    let connected = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => upstream.destroy(new UpstreamTimeoutError(timeoutMs)), timeoutMs)
        : undefined;

    upstream.once(this.target.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      connected = true;
      upstream.setNoDelay(true);
      upstream.write(requestHead(req, joinTargetPath(this.target, req.url ?? '/')));
      if (head.length > 0) upstream.write(head);
      upstream.once('data', (chunk: Buffer) => {
        const match = /^HTTP\/1\.[01] (\d{3})/.exec(chunk.subarray(0, 16).toString('latin1'));
        status = match ? Number(match[1]) : 0;
      });
      upstream.on('data', (chunk: Buffer) => (bytes += chunk.length));
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    upstream.once('error', (err: Error) => {
      clearTimeout(timer);
      logger.warn('proxy upgrade', { err: err.message });
      if (!connected) {
        const timedOut = err instanceof UpstreamTimeoutError;
        status = timedOut ? 504 : 502;
        socket.end(rawErrorResponse(status, timedOut ? TIMEOUT : UNREACHABLE));
      } else {
        socket.destroy();
      }
    });
    socket.once('error', (err: Error) => {
      logger.debug('upgrade stream error', { err: err.message });
      upstream.destroy();
    });
    socket.once('close', () => {
      if (!upstream.destroyed && !(socket.readableEnded && socket.writableFinished)) upstream.destroy();
    });
    upstream.once('close', () => {
      clearTimeout(timer);
      if (!socket.destroyed && connected && !(upstream.readableEnded && upstream.writableFinished)) socket.destroy();
      logAccess(logger, this.options.accessLog, {
        method: req.method ?? '',
        path: pathOf(req.url),
        status,
        durationMs: performance.now() - started,
        bytes,
        upgrade: true,
      });
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function requestHead(req: http.IncomingMessage, path: string): string {
  let head = `${req.method} ${path} HTTP/1.1\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return head + '\r\n';
}

function rawErrorResponse(status: number, body: string): string {
  return (
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
    'Content-Type: application/json\r\n' +
    'X-Content-Type-Options: nosniff\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}
