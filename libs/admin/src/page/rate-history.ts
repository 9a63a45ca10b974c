import type { EndpointRates, RatePoint } from './live-event';
import type { EndpointCounters } from './live-source';

/** The series that sums every endpoint beyond the busiest `maxSeries` of a point. */
export const OTHERS_SERIES = '(others)';

/**
 * The chart's memory: per-second rates per endpoint computed from two successive cumulative
 * counter readings, kept for `historyMs`. A counter that went down (an upstream session, and its
 * counts, went away) counts as 0 for that interval rather than a negative rate. Each point keeps
 * the `maxSeries` busiest endpoints and sums the rest as OTHERS_SERIES, so memory is bounded by
 * (historyMs / interval) × (maxSeries + 1) entries however many endpoints there are.
 */
export class RateHistory {
  private readonly points: RatePoint[] = [];
  private last?: { at: number; counters: EndpointCounters };

  /**
   * @param historyMs how far back points are kept, in milliseconds
   * @param maxSeries endpoints kept by name in each point (admin.page.chart_endpoints)
   */
  constructor(
    private readonly historyMs: number,
    private readonly maxSeries: number,
  ) {}

  /**
   * Records a reading taken at `at` (unix ms); returns the point it completes, or undefined for
   * the first reading (or one without counters, which also restarts the series).
   */
  add(at: number, counters: EndpointCounters | undefined): RatePoint | undefined {
    const previous = this.last;
    this.last = counters ? { at, counters } : undefined;
    if (!counters || !previous || at <= previous.at) return undefined;
    const seconds = (at - previous.at) / 1000;
    const all = Object.entries(counters).map(([endpoint, now]) => {
      const before = previous.counters[endpoint] ?? { requests: 0, errors: 0 };
      const rate = { requests: Math.max(0, now.requests - before.requests) / seconds, errors: Math.max(0, now.errors - before.errors) / seconds };
      return [endpoint, rate] as const;
    });
    all.sort((a, b) => b[1].requests + b[1].errors - (a[1].requests + a[1].errors) || a[0].localeCompare(b[0]));
    const rates: EndpointRates = Object.fromEntries(all.slice(0, this.maxSeries));
    const rest = all.slice(this.maxSeries);
    if (rest.length > 0) {
      rates[OTHERS_SERIES] = rest.reduce((sum, [, r]) => ({ requests: sum.requests + r.requests, errors: sum.errors + r.errors }), { requests: 0, errors: 0 });
    }
    const point = { at, rates };
    this.points.push(point);
    while (this.points.length > 0 && this.points[0].at < at - this.historyMs) this.points.shift();
    return point;
  }

  /** The points kept, oldest first (a copy). */
  list(): RatePoint[] {
    return [...this.points];
  }
}
