import type { EndpointSummary } from '../api';
import { OTHERS_SERIES, RateHistory } from './rate-history';

const endpoint = (id: string, requestsPerSecond: number, errorsPerSecond = 0): EndpointSummary => ({ id, upstreams: 1, gatewayCount: 1, requestsPerSecond, errorsPerSecond });

describe('RateHistory', () => {
  it('keeps the busiest endpoints by name and sums the rest as (others)', () => {
    const history = new RateHistory(60_000, 2);
    const point = history.add(1_000, [endpoint('quiet', 1), endpoint('busy', 50, 2), endpoint('mid', 10), endpoint('idle', 0, 3)]);
    expect(point.rates).toEqual({
      busy: { requests: 50, errors: 2 },
      mid: { requests: 10, errors: 0 },
      [OTHERS_SERIES]: { requests: 1, errors: 3 },
    });
  });

  it('has no (others) series when every endpoint fits', () => {
    const history = new RateHistory(60_000, 8);
    expect(Object.keys(history.add(1_000, [endpoint('a', 1), endpoint('b', 2)]).rates).sort()).toEqual(['a', 'b']);
  });

  it('forgets points older than the history window', () => {
    const history = new RateHistory(10_000, 8);
    for (const at of [0, 5_000, 10_000, 15_000, 20_000]) history.add(at, [endpoint('a', at / 1000)]);
    expect(history.list().map((p) => p.at)).toEqual([10_000, 15_000, 20_000]);
  });

  it('returns copies: a caller cannot change what is kept', () => {
    const history = new RateHistory(10_000, 8);
    history.add(0, [endpoint('a', 1)]);
    history.list().pop();
    expect(history.list()).toHaveLength(1);
  });
});
