import type { ClusterEvent } from './cluster-event';
import { InMemoryClusterBus } from './in-memory-cluster-bus';
import { InMemoryEndpointRegistry } from './in-memory-endpoint-registry';
import type { NodeInfo } from './node-info';
import { RoutingTable } from './routing-table';
import { FlakyRegistry } from './testing/flaky-registry';

const gw = (id: string, extra: Partial<NodeInfo> = {}): NodeInfo => ({ id, role: 'gateway', state: 'active', relayAddr: `${id}:8003`, startedAt: 1, ...extra });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('RoutingTable', () => {
  let inner: InMemoryEndpointRegistry;
  let registry: FlakyRegistry;
  let bus: InMemoryClusterBus;
  let table: RoutingTable;

  beforeEach(() => {
    inner = new InMemoryEndpointRegistry();
    registry = new FlakyRegistry(inner);
    bus = new InMemoryClusterBus();
    table = new RoutingTable({ registry, bus, resyncIntervalMs: 60_000, retryIntervalMs: 5 });
  });

  afterEach(async () => {
    await table.close();
    await bus.close();
  });

  const publish = async (event: ClusterEvent) => {
    await bus.publish(event);
    await tick();
    await tick();
  };

  it('loads the registry at start and lists only active gateways with a relay address', async () => {
    await inner.registerNode(gw('a'));
    await inner.registerNode(gw('b', { state: 'draining' }));
    await inner.registerNode(gw('c', { relayAddr: undefined }));
    for (const id of ['a', 'b', 'c']) await inner.setEndpointCount(id, 'svc', 2);
    await table.start();
    expect(table.routes('svc')).toEqual([{ nodeId: 'a', relayAddr: 'a:8003', count: 2 }]);
    expect(table.routes('unknown')).toEqual([]);
    expect(table.stats()).toMatchObject({ nodes: 3, endpoints: 1, entries: 3, resyncsTotal: 1 });
  });

  it('applies events of gateways the registry lists, in sequence, without going back to it', async () => {
    await inner.registerNode(gw('a'));
    await inner.registerNode(gw('b'));
    await table.start();
    const callsAfterStart = registry.calls;
    await publish({ type: 'node', nodeId: 'a', seq: 1, kind: 'join', node: gw('a') });
    await publish({ type: 'endpoint', nodeId: 'a', seq: 2, endpointId: 'svc', count: 3 });
    expect(table.routes('svc')).toEqual([{ nodeId: 'a', relayAddr: 'a:8003', count: 3 }]);
    await publish({ type: 'node', nodeId: 'a', seq: 3, kind: 'drain', node: gw('a', { state: 'draining' }) });
    // Draining and alone: still a route, so requests keep flowing until its upstreams move.
    expect(table.routes('svc')).toEqual([{ nodeId: 'a', relayAddr: 'a:8003', count: 3 }]);
    await publish({ type: 'node', nodeId: 'b', seq: 1, kind: 'join', node: gw('b') });
    await publish({ type: 'endpoint', nodeId: 'b', seq: 2, endpointId: 'svc', count: 1 });
    // An active gateway for the endpoint takes every new stream from the draining one.
    expect(table.routes('svc')).toEqual([{ nodeId: 'b', relayAddr: 'b:8003', count: 1 }]);
    await publish({ type: 'node', nodeId: 'a', seq: 4, kind: 'leave', node: gw('a') });
    await publish({ type: 'node', nodeId: 'b', seq: 3, kind: 'leave', node: gw('b') });
    expect(table.stats().entries).toBe(0);
    expect(registry.calls).toBe(callsAfterStart);
    expect(table.stats().seqGapsTotal).toBe(0);
  });

  it('never routes to a node announced only on the bus, nor to another relay address than the registry has', async () => {
    await inner.registerNode(gw('real'));
    await inner.setEndpointCount('real', 'svc', 1);
    await table.start();
    // A forged gateway, with a lease nowhere, claims the endpoint.
    await publish({ type: 'node', nodeId: 'fake', seq: 1, kind: 'join', node: gw('fake', { relayAddr: '203.0.113.7:8003' }) });
    await publish({ type: 'endpoint', nodeId: 'fake', seq: 2, endpointId: 'svc', count: 100 });
    // A forged re-announcement of the real gateway at the attacker's address.
    await publish({ type: 'node', nodeId: 'real', seq: 1, kind: 'join', node: gw('real', { relayAddr: '203.0.113.7:8003' }) });
    await publish({ type: 'endpoint', nodeId: 'real', seq: 2, endpointId: 'svc', count: 1 });
    for (let i = 0; i < 5; i++) await tick();
    expect(table.routes('svc')).toEqual([{ nodeId: 'real', relayAddr: 'real:8003', count: 1 }]);
    expect(table.stats().nodes).toBe(1);
    // Each untrusted announcement sent the table to the registry, which decided.
    expect(table.stats().resyncsTotal).toBeGreaterThan(1);
  });

  it('resyncs from the registry when a seq gap shows a missed event', async () => {
    await table.start();
    await publish({ type: 'node', nodeId: 'a', seq: 1, kind: 'join', node: gw('a') });
    // The registry has an entry whose event this table never saw (seq 2).
    await inner.registerNode(gw('a'));
    await inner.setEndpointCount('a', 'missed', 1);
    await inner.setEndpointCount('a', 'svc', 1);
    await publish({ type: 'endpoint', nodeId: 'a', seq: 3, endpointId: 'svc', count: 1 });
    expect(table.stats().seqGapsTotal).toBe(1);
    expect(table.routes('missed')).toEqual([{ nodeId: 'a', relayAddr: 'a:8003', count: 1 }]);
    expect(table.routes('svc')).toHaveLength(1);
  });

  it('replays events that arrive during a resync on top of the snapshot', async () => {
    await inner.registerNode(gw('a'));
    await table.start();
    let release!: () => void;
    registry.hold = new Promise((resolve) => (release = resolve));
    const resync = table.resync();
    // Arrives while the snapshot is being read; the snapshot will not have it.
    await publish({ type: 'endpoint', nodeId: 'a', seq: 1, endpointId: 'svc', count: 2 });
    release();
    await resync;
    await tick();
    expect(table.routes('svc')).toEqual([{ nodeId: 'a', relayAddr: 'a:8003', count: 2 }]);
  });

  it('bounds what a flood of events naming made-up nodes holds while a snapshot is slow, then reads the registry again', async () => {
    await inner.registerNode(gw('a'));
    await table.start();
    let release!: () => void;
    registry.hold = new Promise((resolve) => (release = resolve));
    const resync = table.resync();
    // As a gateway does: the registry first, then the event.
    await inner.setEndpointCount('a', 'svc', 2);
    await publish({ type: 'endpoint', nodeId: 'a', seq: 1, endpointId: 'svc', count: 2 });
    // Before the bounds, each forged node kept a baseline and each event a place in the replay,
    // for as long as the snapshot took (for ever while Redis was away).
    for (let i = 0; i < 20_000; i++) await bus.publish({ type: 'endpoint', nodeId: `forged-${i}`, seq: 1, endpointId: 'svc', count: 1 });
    await tick();
    await tick();
    const held = table as unknown as { lastSeq: Map<string, number>; replay: unknown[] | undefined };
    expect(held.lastSeq.size).toBeLessThanOrEqual(4_096);
    expect(held.replay?.length).toBe(10_000);
    // Nor does a forged node's count enter the table: only the registry's nodes count.
    expect(table.stats().entries).toBe(1);
    const before = table.stats().resyncsTotal;
    release();
    await resync;
    // The replay was cut short, so the registry is read once more (it has what was cut).
    while (table.stats().resyncsTotal < before + 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(table.routes('svc')).toEqual([{ nodeId: 'a', relayAddr: 'a:8003', count: 2 }]);
    expect([...held.lastSeq.keys()]).toEqual(['a']);
  });

  it('keeps serving its table while the registry is down, and retries', async () => {
    await inner.registerNode(gw('a'));
    await inner.setEndpointCount('a', 'svc', 1);
    await table.start();
    registry.down = true;
    expect(await table.resync()).toBe(false);
    expect(table.routes('svc')).toHaveLength(1);
    await inner.setEndpointCount('a', 'svc', 5);
    registry.down = false;
    while (table.stats().resyncsTotal < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(table.routes('svc')).toEqual([{ nodeId: 'a', relayAddr: 'a:8003', count: 5 }]);
    expect(table.stats().resyncFailuresTotal).toBe(1);
  });

  it('starts even when the registry is down at start', async () => {
    registry.down = true;
    await table.start();
    expect(table.stats().lastResyncAt).toBeUndefined();
    await inner.registerNode(gw('a'));
    await inner.setEndpointCount('a', 'svc', 1);
    registry.down = false;
    while (table.stats().resyncsTotal < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(table.routes('svc')).toHaveLength(1);
  });
});
