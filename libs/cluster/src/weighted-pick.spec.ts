import { weightedPick } from './weighted-pick';

const routes = [
  { nodeId: 'a', relayAddr: 'a:1', count: 1 },
  { nodeId: 'b', relayAddr: 'b:1', count: 3 },
];

describe('weightedPick', () => {
  it('maps the random point onto the cumulative counts', () => {
    expect(weightedPick(routes, new Set(), () => 0)?.nodeId).toBe('a');
    expect(weightedPick(routes, new Set(), () => 0.24)?.nodeId).toBe('a');
    expect(weightedPick(routes, new Set(), () => 0.25)?.nodeId).toBe('b');
    expect(weightedPick(routes, new Set(), () => 0.999999)?.nodeId).toBe('b');
  });

  it('skips excluded nodes', () => {
    expect(weightedPick(routes, new Set(['b']), () => 0.99)?.nodeId).toBe('a');
    expect(weightedPick(routes, new Set(['a']), () => 0)?.nodeId).toBe('b');
  });

  it('returns undefined when every node is excluded or there are no routes', () => {
    expect(weightedPick(routes, new Set(['a', 'b']))).toBeUndefined();
    expect(weightedPick([])).toBeUndefined();
  });

  it('ignores routes with a zero count', () => {
    expect(weightedPick([{ nodeId: 'z', relayAddr: 'z:1', count: 0 }, routes[0]], new Set(), () => 0)?.nodeId).toBe('a');
  });

  it('spreads picks in proportion to counts', () => {
    const picks = { a: 0, b: 0 };
    for (let i = 0; i < 4000; i++) picks[weightedPick(routes, new Set(), () => i / 4000)?.nodeId as 'a' | 'b']++;
    expect(picks).toEqual({ a: 1000, b: 3000 });
  });
});
