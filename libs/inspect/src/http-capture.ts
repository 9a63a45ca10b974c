import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BodyCapture } from './body-capture';
import { type CapturedExchange, headBytes } from './captured-exchange';
import type { ExchangeObserver } from './exchange-observer';
import type { ExchangeStore } from './exchange-store';
import { redactHeaders } from './redact-headers';

/** What an HttpCapture needs from its Inspector. */
export interface HttpCaptureContext {
  store: ExchangeStore;
  bodyBytes: number;
  redacted: ReadonlySet<string>;
  /** Whether a body of this content type is never kept (`proxy.inspect.omit_content_types`). */
  omitted(contentType: string | undefined): boolean;
  /** The answer Piko made itself for `res` (sendError), if it did. */
  errorOf(res: ServerResponse): { status: number; cause: string } | undefined;
  /** Called once when the exchange is over (replays wait for it). */
  onDone?(exchange: CapturedExchange): void;
  /** The gateway a dialed stream goes to, if known (InspectHooks.gatewayOf). */
  gatewayOf?(stream: Duplex): string | undefined;
}

/**
 * Captures one HTTP exchange as it is forwarded (the ExchangeObserver the forwarder is given):
 * the request head at once (redacted), its body as it is piped, the response head and body as
 * they are piped back, and the outcome when the client's response closes. An event stream
 * (`text/event-stream`) is recorded as a connection: kind `sse`, bytes counted, none kept.
 */
export class HttpCapture implements ExchangeObserver {
  private readonly started = performance.now();

  constructor(
    readonly exchange: CapturedExchange,
    private readonly res: ServerResponse,
    private readonly context: HttpCaptureContext,
  ) {
    res.once('close', () => this.finish());
  }

  /** The stream the exchange went on: names its gateway (`gateway_node`) where known. */
  private servedBy(stream: Duplex): void {
    const gateway = this.context.gatewayOf?.(stream);
    if (gateway !== undefined) this.exchange.gatewayNode = gateway;
  }

  requestBody(req: IncomingMessage): void {
    const body = this.exchange.requestBody;
    if (!body) return;
    req.on('data', (chunk: Buffer) => body.add(chunk));
    req.once('end', () => {
      body.complete = true;
    });
  }

  response(upstreamRes: IncomingMessage): void {
    const { exchange, context } = this;
    exchange.ttfbMs = performance.now() - this.started;
    exchange.status = upstreamRes.statusCode ?? 0;
    // The upstream stream the response came on (a fresh or a reused one): its gateway.
    if (upstreamRes.socket) this.servedBy(upstreamRes.socket);
    const headers = redactHeaders(upstreamRes.rawHeaders, context.redacted);
    exchange.responseHeaders = context.store.claim(exchange, headBytes(headers)) ? headers : [];
    const type = upstreamRes.headers['content-type'];
    const stream = type !== undefined && type.toLowerCase().startsWith('text/event-stream');
    if (stream) exchange.kind = 'sse';
    const omitted = stream ? 'stream' : context.omitted(type) ? 'content_type' : undefined;
    const body = new BodyCapture(context.bodyBytes, (bytes) => context.store.claim(exchange, bytes), omitted);
    exchange.responseBody = body;
    upstreamRes.on('data', (chunk: Buffer) => body.add(chunk));
    upstreamRes.once('end', () => {
      body.complete = true;
    });
    // A stream is listed while open (total_ms null), and again when it closes.
    if (stream) context.store.changed(exchange);
  }

  private finish(): void {
    const { exchange, res, context } = this;
    exchange.totalMs = performance.now() - this.started;
    exchange.status = res.headersSent ? res.statusCode : 0;
    const error = context.errorOf(res);
    if (error) {
      exchange.error = error;
      if (exchange.ttfbMs === null) exchange.ttfbMs = exchange.totalMs;
      if (!exchange.responseHeaders) {
        // Piko's own answer (sendError): its head and JSON body, as the client got them.
        const headers = Object.entries(res.getHeaders()).map(([name, value]): [string, string] => [name, String(value)]);
        const body = new BodyCapture(context.bodyBytes, (bytes) => context.store.claim(exchange, bytes));
        body.add(JSON.stringify({ error: error.cause }));
        body.complete = true;
        exchange.responseHeaders = context.store.claim(exchange, headBytes(headers)) ? headers : [];
        exchange.responseBody = body;
      }
    }
    context.store.changed(exchange);
    context.onDone?.(exchange);
  }
}
