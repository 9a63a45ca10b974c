import type { EndpointSummary } from '../api';
import type { EndpointRates, RatePoint } from './live-event';

/** The series that sums every endpoint beyond the busiest `maxSeries` of a point. */
export const OTHERS_SERIES = '(others)';

/**
 * The chart's memory: one point per reading with the endpoints' request and error rates, kept for
 * `historyMs`. Each point names the `maxSeries` busiest endpoints and sums the rest as
 * OTHERS_SERIES, so memory is bounded by (historyMs / interval) × (maxSeries + 1) entries however
 * many endpoints there are.
 */
export class RateHistory {
  private readonly points: RatePoint[] = [];

  /**
   * @param historyMs how far back points are kept, in milliseconds
   * @param maxSeries endpoints kept by name in each point (admin.page.chart_endpoints)
   */
  constructor(
    private readonly historyMs: number,
    private readonly maxSeries: number,
  ) {}

  /** Records the rates read at `at` (unix ms) and returns the point. */
  add(at: number, endpoints: EndpointSummary[]): RatePoint {
    const busiest = [...endpoints].sort(
      (a, b) => b.requestsPerSecond + b.errorsPerSecond - (a.requestsPerSecond + a.errorsPerSecond) || a.id.localeCompare(b.id),
    );
    const rates: EndpointRates = {};
    for (const e of busiest.slice(0, this.maxSeries)) rates[e.id] = { requests: e.requestsPerSecond, errors: e.errorsPerSecond };
    const rest = busiest.slice(this.maxSeries);
    if (rest.length > 0) {
      rates[OTHERS_SERIES] = {
        requests: rest.reduce((sum, e) => sum + e.requestsPerSecond, 0),
        errors: rest.reduce((sum, e) => sum + e.errorsPerSecond, 0),
      };
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
