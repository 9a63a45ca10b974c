import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@piko/observability';
import { sendError } from './error-response';
import { forwardedRequestHeaders, forwardedResponseHeaders } from './forwarded-headers';

export interface HttpForwarderOptions {
  /** `proxy.timeout`: how long to wait for the upstream's response headers; 0 waits forever. */
  timeoutMs: number;
  tls: boolean;
}

/**
 * Sends one client request down a stream to the upstream and streams the response back. Bodies
 * are piped both ways, so backpressure reaches from the client through the multiplexer's windows
 * to the upstream, and nothing holds a whole body. The timeout covers only the wait for response
 * headers after the request was sent: an upload, a long download or an event stream is never cut.
 */
export class HttpForwarder {
  constructor(
    private readonly options: HttpForwarderOptions,
    private readonly logger: Logger,
  ) {}

  forward(req: IncomingMessage, res: ServerResponse, stream: Duplex, endpointId: string): void {
    const headers = forwardedRequestHeaders(req, this.options.tls, false);
    // One stream per request, as Go Piko does: opening a stream is one frame, and a fresh
    // stream can never carry a half-read previous response.
    headers.push('Connection', 'close');
    const upstreamReq = request({
      method: req.method,
      path: req.url,
      headers,
      setHost: false,
      createConnection: () => stream as never,
    });

    // Like Go's ResponseHeaderTimeout: the clock starts once the whole request (body included)
    // reached the stream, so a slow upload is never mistaken for a slow upstream.
    let timer: NodeJS.Timeout | undefined;
    if (this.options.timeoutMs > 0) {
      upstreamReq.once('finish', () => {
        timer = setTimeout(() => {
          this.logger.warn('upstream timeout', { endpointId, method: req.method, path: req.url });
          sendError(res, 504, 'upstream timeout');
          upstreamReq.destroy();
        }, this.options.timeoutMs);
      });
    }

    upstreamReq.on('response', (upstreamRes: IncomingMessage) => {
      clearTimeout(timer);
      if (res.headersSent || res.destroyed) {
        upstreamRes.destroy();
        return;
      }
      res.sendDate = !upstreamRes.headers.date;
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, forwardedResponseHeaders(upstreamRes.rawHeaders));
      // A streamed response (event stream, or no length: chunked until the upstream closes) may
      // keep the client waiting for its first body byte, so its head goes out now. A response of
      // known length sends its head with the body instead: one write, not two (as Go's
      // ReverseProxy, which flushes at once only for these same two cases).
      if (isStreamed(upstreamRes)) res.flushHeaders();
      upstreamRes.pipe(res);
      // The upstream stream broke mid-body: cut the client's connection so it cannot mistake a
      // truncated body for a whole one.
      upstreamRes.on('close', () => {
        if (!upstreamRes.complete) res.destroy();
      });
    });

    upstreamReq.on('error', (err) => {
      clearTimeout(timer);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (res.writableEnded) return;
      this.logger.warn('upstream unreachable', { endpointId, method: req.method, path: req.url, err: err.message });
      sendError(res, 502, 'upstream unreachable');
    });

    // The client went away before the response finished: stop the upstream's work too.
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) upstreamReq.destroy();
    });

    // Most requests have no body: end the upstream request at once instead of piping an empty
    // stream (a pipe costs half a dozen listeners set up and torn down per request).
    if (hasNoBody(req)) upstreamReq.end();
    else req.pipe(upstreamReq);
  }
}

function isStreamed(res: IncomingMessage): boolean {
  if (res.headers['content-length'] === undefined) return true;
  const type = res.headers['content-type'];
  return type !== undefined && type.startsWith('text/event-stream');
}

/** HTTP/1.1 framing (RFC 9112 §6.3): a request without Content-Length or Transfer-Encoding has no body. */
function hasNoBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}
