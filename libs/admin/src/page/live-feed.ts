import type { Logger } from '@piko/observability';
import type { LiveHello, LiveProblem, LiveSnapshot } from './live-event';
import type { LiveSource } from './live-source';
import { RateHistory } from './rate-history';

export interface LiveFeedOptions {
  /** Milliseconds between readings (`admin.page.refresh_interval`). */
  intervalMs: number;
  /** How far back the chart reaches, in milliseconds (`admin.page.history`). */
  historyMs: number;
  /** Endpoints named on the chart, at most (`admin.page.chart_endpoints`). */
  chartEndpoints: number;
  /** Streams open at once, at most (`admin.page.max_streams`). */
  maxStreams: number;
  /**
   * Streams one client address may have open at once, at most; 0: no limit beyond `maxStreams`
   * (`admin.page.max_streams_per_client`). Enforced by EventsController.
   */
  maxStreamsPerClient: number;
  /**
   * Milliseconds a stream may stay backed up (its socket not draining what was written) before it
   * is closed (`admin.page.stalled_stream_timeout`). Enforced by EventsController.
   */
  stalledStreamTimeoutMs: number;
}

/** What a subscriber receives: the event's name and its data. */
export type LiveEvent = { name: 'snapshot'; data: LiveSnapshot } | { name: 'problem'; data: LiveProblem };
export type LiveListener = (event: LiveEvent) => void;

/**
 * One reader of the cluster shared by every open page: it reads the source every `intervalMs`
 * while at least one page listens (so ten open pages cost one reading, and none cost nothing),
 * and hands each reading to every listener. A reading still running when the next is due is not
 * overlapped: that tick is skipped. The chart's history is kept across quiet periods (it shows a
 * gap where nobody was watching).
 */
export class LiveFeed {
  private readonly listeners = new Set<LiveListener>();
  private readonly history: RateHistory;
  private timer?: NodeJS.Timeout;
  private reading = false;
  private lastProblem?: string;

  constructor(
    private readonly source: LiveSource,
    readonly options: LiveFeedOptions,
    /** The page's logger (admin.page's subsystem), also EventsController's. */
    readonly logger: Logger,
  ) {
    this.history = new RateHistory(options.historyMs, options.chartEndpoints);
  }

  /**
   * Adds a listener; it gets a snapshot at once and then one per interval.
   * @returns the function that removes it, or undefined when `maxStreams` are already open
   */
  subscribe(listener: LiveListener): (() => void) | undefined {
    if (this.listeners.size >= this.options.maxStreams) return undefined;
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    }
    void this.tick();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** The chart's settings and the points kept so far (the `hello` event). */
  hello(): LiveHello {
    return { intervalMs: this.options.intervalMs, historyMs: this.options.historyMs, points: this.history.list() };
  }

  /** Stops reading (on shutdown); listeners stay registered but receive nothing more. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const at = Date.now();
      const reading = await this.source.read();
      const point = reading.ratesKnown ? this.history.add(at, reading.endpoints) : undefined;
      const { ratesKnown: _ratesKnown, ...shown } = reading;
      this.emit({ name: 'snapshot', data: { at, ...shown, ...(point ? { point } : {}) } });
      if (this.lastProblem) this.logger.info('live status feed recovered');
      this.lastProblem = undefined;
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      // One log line per distinct problem, not one per second.
      if (error !== this.lastProblem) this.logger.warn('live status feed cannot read the cluster', { error });
      this.lastProblem = error;
      this.emit({ name: 'problem', data: { at: Date.now(), error } });
    } finally {
      this.reading = false;
    }
  }

  private emit(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
