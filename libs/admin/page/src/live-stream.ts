import { createParser } from 'eventsource-parser';
import type { LiveHello, LiveProblem, LiveSnapshot } from '../../src/page/live-event';
import { authHeaders } from './admin-token';
import type { ExchangeSummary } from './exchange-types';

/** What the stream reports to the page. */
export interface LiveStreamHandlers {
  hello(hello: LiveHello): void;
  snapshot(snapshot: LiveSnapshot): void;
  problem(problem: LiveProblem): void;
  /** A new capture (`event: request`; again, with the same ID, when a stream closes). */
  request(summary: ExchangeSummary): void;
  /** The connection's state: live, stale (no event for a while), unauthorized, error (with why). */
  state(state: 'connecting' | 'live' | 'stale' | 'unauthorized' | 'error', detail?: string): void;
}

const RETRY_MS = [1_000, 2_000, 5_000, 10_000];

/**
 * Reads `GET /api/v1/events` (server-sent events) with fetch() rather than EventSource, because
 * EventSource cannot send an Authorization header; reconnects with backoff when the stream ends,
 * and after 401/403 waits for a new token (restart()). A stream silent for three intervals is
 * treated as dead and reopened.
 */
export class LiveStream {
  private controller?: AbortController;
  private retry = 0;
  private retryTimer?: number;
  private watchdog?: number;
  private intervalMs = 1_000;

  constructor(
    private readonly handlers: LiveStreamHandlers,
    private readonly token: () => string,
    /** The endpoint whose `request` events the page wants (`?endpoint=`; the server drops the rest), or '' for none chosen. */
    private readonly endpoint: () => string = () => '',
  ) {}

  /** (Re)opens the stream now, e.g. after the user gave a token. */
  restart(): void {
    this.controller?.abort();
    window.clearTimeout(this.retryTimer);
    this.retry = 0;
    void this.open();
  }

  private async open(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    this.handlers.state('connecting');
    try {
      const endpoint = this.endpoint();
      const url = endpoint ? `/api/v1/events?endpoint=${encodeURIComponent(endpoint)}` : '/api/v1/events';
      const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...authHeaders(this.token()) }, signal: controller.signal, cache: 'no-store' });
      if (res.status === 401 || res.status === 403) {
        this.handlers.state('unauthorized', await errorOf(res));
        return; // until the user gives a token
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}: ${await errorOf(res)}`);
      await this.read(res.body, controller);
      if (!controller.signal.aborted) throw new Error('the stream ended');
    } catch (err) {
      if (controller !== this.controller) return; // replaced by restart()
      // Aborted by the watchdog: it has said why already.
      if (!controller.signal.aborted) this.handlers.state('error', err instanceof Error ? err.message : String(err));
    } finally {
      window.clearTimeout(this.watchdog);
    }
    if (controller === this.controller) this.scheduleRetry();
  }

  private async read(body: ReadableStream<Uint8Array>, controller: AbortController): Promise<void> {
    const parser = createParser({
      onEvent: (message) => {
        this.retry = 0;
        this.armWatchdog(controller);
        const data: unknown = JSON.parse(message.data);
        if (message.event === 'hello') {
          this.intervalMs = (data as LiveHello).intervalMs;
          this.handlers.hello(data as LiveHello);
        } else if (message.event === 'snapshot') {
          this.handlers.state('live');
          this.handlers.snapshot(data as LiveSnapshot);
        } else if (message.event === 'problem') {
          this.handlers.problem(data as LiveProblem);
        } else if (message.event === 'request') {
          this.handlers.request(data as ExchangeSummary);
        }
      },
    });
    const reader = body.getReader();
    const decoder = new TextDecoder();
    this.armWatchdog(controller);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  }

  private armWatchdog(controller: AbortController): void {
    window.clearTimeout(this.watchdog);
    this.watchdog = window.setTimeout(() => {
      this.handlers.state('stale', 'no update for a while; reconnecting');
      controller.abort();
    }, this.intervalMs * 3 + 2_000);
  }

  private scheduleRetry(): void {
    const delay = RETRY_MS[Math.min(this.retry, RETRY_MS.length - 1)];
    this.retry++;
    this.retryTimer = window.setTimeout(() => void this.open(), delay);
  }
}

/** The `error` of a JSON error body, or the status text. */
async function errorOf(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON
  }
  return text || res.statusText;
}
