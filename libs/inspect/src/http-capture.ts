import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BodyCapture, type MemoryClaim } from './body-capture';
import { type CapturedExchange, headBytes } from './captured-exchange';
import type { ExchangeObserver } from './exchange-observer';
import type { ExchangeStore } from './exchange-store';
import type { HeaderRedactor } from './redact-headers';

/** What an HttpCapture needs from its Inspector: one object per Inspector, shared by every capture. */
export interface HttpCaptureContext {
  store: ExchangeStore;
  bodyBytes: number;
  redactor: HeaderRedactor;
  /** Whether a body of this content type is never kept (`proxy.inspect.omit_content_types`). */
  omitted(contentType: string | undefined): boolean;
  /** The answer Piko made itself for `res` (sendError), if it did. */
  errorOf(res: ServerResponse): { status: number; cause: string } | undefined;
  /** The gateway a dialed stream goes to, if known (InspectHooks.gatewayOf). */
  gatewayOf?(stream: Duplex): string | undefined;
}

/**
 * Captures one HTTP exchange as it is forwarded (the ExchangeObserver the forwarder is given):
 * the request head at once (redacted), its body as it is piped, the response head and body as
 * they are piped back, and the outcome when the client's response closes. An event stream
 * (`text/event-stream`) is recorded as a connection: kind `sse`, bytes counted, none kept.
 * Per exchange it adds one listener to the response ('close') and one 'data' listener to each
 * body that is piped; everything else waits until the record is read.
 */
export class HttpCapture implements ExchangeObserver {
  private readonly started = performance.now();
  /** Claims memory for this exchange's kept bytes (both bodies). */
  readonly claim: MemoryClaim;

  constructor(
    readonly exchange: CapturedExchange,
    private readonly res: ServerResponse,
    private readonly context: HttpCaptureContext,
    /** Called once when the exchange is over (replays wait for it). */
    private readonly onDone?: (exchange: CapturedExchange) => void,
  ) {
    this.claim = claimFor(context.store, exchange);
    // 'on', not 'once': a response closes once, and once() would wrap the listener in two more objects.
    res.on('close', () => this.finish());
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
    if (upstreamRes.socket && context.gatewayOf) {
      const gateway = context.gatewayOf(upstreamRes.socket);
      if (gateway !== undefined) exchange.gatewayNode = gateway;
    }
    const head = context.redactor.redact(upstreamRes.rawHeaders);
    exchange.responseHead = context.store.claim(exchange, headBytes(head)) ? head : [];
    const type = upstreamRes.headers['content-type'];
    const stream = type !== undefined && type.toLowerCase().startsWith('text/event-stream');
    if (stream) exchange.kind = 'sse';
    const omitted = stream ? 'stream' : context.omitted(type) ? 'content_type' : undefined;
    const body = new BodyCapture(context.bodyBytes, this.claim, omitted);
    exchange.responseBody = body;
    // No 'end' listener: only a request body's end matters (replayable), and only its bytes are kept.
    upstreamRes.on('data', (chunk: Buffer) => body.add(chunk));
    // A stream is listed while open (total_ms null), and again when it closes.
    if (stream) context.store.changed(exchange);
  }

  private finish(): void {
    const { exchange, res, context } = this;
    exchange.totalMs = performance.now() - this.started;
    exchange.status = res.headersSent ? res.statusCode : 0;
    // What the client's status line said: the service's phrase as forwarded, or Node's for Piko's own.
    exchange.reason = res.headersSent ? res.statusMessage : '';
    const error = context.errorOf(res);
    if (error) {
      exchange.error = error;
      if (exchange.ttfbMs === null) exchange.ttfbMs = exchange.totalMs;
      if (!exchange.responseHead) {
        // Piko's own answer (sendError): its head and JSON body, as the client got them.
        const head = Object.entries(res.getHeaders()).flatMap(([name, value]) => [name, String(value)]);
        const body = new BodyCapture(context.bodyBytes, this.claim);
        body.add(JSON.stringify({ error: error.cause }));
        body.complete = true;
        exchange.responseHead = context.store.claim(exchange, headBytes(head)) ? head : [];
        exchange.responseBody = body;
      }
    }
    context.store.changed(exchange);
    this.onDone?.(exchange);
  }
}

/**
 * The memory claim of one exchange's kept bytes, a closure over the store and the record alone.
 * Made inside the constructor, it shared V8's context with the 'close' listener there, which
 * holds `this`: every kept record then kept its ServerResponse and IncomingMessage alive
 * (~4.4 KB a record where `max_memory` counted ~0.9 KB; 32 MiB counted held ~150 MB of heap).
 */
function claimFor(store: ExchangeStore, exchange: CapturedExchange): MemoryClaim {
  return (bytes) => store.claim(exchange, bytes);
}
