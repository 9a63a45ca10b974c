import type { NodeInfo, RegistrySnapshot } from './node-info';
import { RoutingState } from './routing-state';

const gw = (id: string): NodeInfo => ({ id, role: 'gateway', state: 'active', relayAddr: `${id}:8003`, startedAt: 0 });
const snapshot = (nodes: NodeInfo[], endpoints: Record<string, Record<string, number>>): RegistrySnapshot => ({
  nodes: new Map(nodes.map((n) => [n.id, n])),
  endpoints: new Map(Object.entries(endpoints).map(([id, owners]) => [id, new Map(Object.entries(owners))])),
});

describe('RoutingState.load', () => {
  it('replaces everything by default', () => {
    const state = new RoutingState();
    state.load(snapshot([gw('a')], { svc: { a: 1 } }));
    state.load(snapshot([gw('b')], { other: { b: 2 } }));
    expect(state.routes('svc')).toEqual([]);
    expect(state.routes('other')).toEqual([{ nodeId: 'b', relayAddr: 'b:8003', count: 2 }]);
  });

  it('with keepAbsent, keeps known nodes an (emptied) registry lacks, and takes what it has', () => {
    const state = new RoutingState();
    state.load(snapshot([gw('a')], { svc: { a: 1 } }));
    state.load(snapshot([gw('b')], { svc: { b: 2 } }), true);
    expect([...state.routes('svc')].sort((x, y) => x.nodeId.localeCompare(y.nodeId))).toEqual([
      { nodeId: 'a', relayAddr: 'a:8003', count: 1 },
      { nodeId: 'b', relayAddr: 'b:8003', count: 2 },
    ]);
    state.load(snapshot([], {}), true);
    expect(state.routes('svc')).toHaveLength(2);
  });
});
