import { once } from 'node:events';
import type { ClusterEvent } from './cluster-event';
import { EndpointCountMap } from './endpoint-count-map';
import { InMemoryClusterBus } from './in-memory-cluster-bus';
import { InMemoryEndpointRegistry } from './in-memory-endpoint-registry';
import type { NodeInfo } from './node-info';
import { NodeRegistration } from './node-registration';
import { FlakyRegistry } from './testing/flaky-registry';

const node: NodeInfo = { id: 'gw-1', role: 'gateway', state: 'active', relayAddr: '127.0.0.1:8003', startedAt: 1 };
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('NodeRegistration', () => {
  let now: number;
  let registry: FlakyRegistry;
  let bus: InMemoryClusterBus;
  let source: EndpointCountMap;
  let events: ClusterEvent[];
  let registration: NodeRegistration;

  beforeEach(() => {
    now = 0;
    registry = new FlakyRegistry(new InMemoryEndpointRegistry({ leaseTtlMs: 1_000, now: () => now }));
    bus = new InMemoryClusterBus();
    source = new EndpointCountMap();
    events = [];
    bus.subscribe((e) => events.push(e));
    registration = new NodeRegistration({ registry, bus, source, node, heartbeatIntervalMs: 5, retryIntervalMs: 5 });
  });

  afterEach(async () => {
    await registration.close();
    await bus.close();
  });

  it('registers the node and its current counts, then publishes join', async () => {
    source.set('svc', 2);
    await registration.start();
    await tick();
    const snapshot = await registry.snapshot();
    expect(snapshot.nodes.get('gw-1')).toEqual(node);
    expect(snapshot.endpoints.get('svc')).toEqual(new Map([['gw-1', 2]]));
    expect(events).toEqual([{ type: 'node', nodeId: 'gw-1', seq: 1, kind: 'join', node }]);
    expect(registration.registered).toBe(true);
  });

  it('writes each change and publishes it with the next seq', async () => {
    await registration.start();
    source.set('svc', 1);
    source.set('svc', 0);
    source.set('other', 3);
    await tick();
    expect(events.slice(1)).toEqual([
      { type: 'endpoint', nodeId: 'gw-1', seq: 2, endpointId: 'svc', count: 1 },
      { type: 'endpoint', nodeId: 'gw-1', seq: 3, endpointId: 'svc', count: 0 },
      { type: 'endpoint', nodeId: 'gw-1', seq: 4, endpointId: 'other', count: 3 },
    ]);
    expect((await registry.snapshot()).endpoints).toEqual(new Map([['other', new Map([['gw-1', 3]])]]));
  });

  it('re-registers everything when the lease had expired', async () => {
    source.set('svc', 1);
    await registration.start();
    now += 5_000; // lease gone, as after a long stall
    await once(registration, 'registered');
    const snapshot = await registry.snapshot();
    expect(snapshot.nodes.has('gw-1')).toBe(true);
    expect(snapshot.endpoints.get('svc')).toEqual(new Map([['gw-1', 1]]));
  });

  it('starts while the registry is down and catches up when it returns', async () => {
    registry.down = true;
    await registration.start();
    expect(registration.registered).toBe(false);
    source.set('svc', 4); // a change while down is published, and written later
    await tick();
    expect(events.map((e) => e.type)).toEqual(['node', 'endpoint']);
    registry.down = false;
    await once(registration, 'registered');
    expect((await registry.snapshot()).endpoints.get('svc')).toEqual(new Map([['gw-1', 4]]));
  });

  it('re-registers after a failed heartbeat', async () => {
    await registration.start();
    registry.down = true;
    const callsBefore = registry.calls;
    while (registry.calls < callsBefore + 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(registration.registered).toBe(false);
    source.set('late', 1);
    registry.down = false;
    await once(registration, 'registered');
    expect((await registry.snapshot()).endpoints.get('late')).toEqual(new Map([['gw-1', 1]]));
  });

  it('re-registers at once when the registry reconnects, without waiting for the heartbeat', async () => {
    const slow = new NodeRegistration({ registry, bus, source, node: { ...node, id: 'gw-slow' }, heartbeatIntervalMs: 60_000 });
    source.set('svc', 1);
    await slow.start();
    registry.down = true;
    await registry.inner.removeNode('gw-slow'); // Redis restarted without persistence
    registry.down = false;
    await once(slow, 'registered');
    expect((await registry.snapshot()).endpoints.get('svc')?.get('gw-slow')).toBe(1);
    await slow.close();
  });

  it('drains, then removes itself and publishes leave on close', async () => {
    source.set('svc', 1);
    await registration.start();
    await registration.drain();
    expect((await registry.snapshot()).nodes.get('gw-1')?.state).toBe('draining');
    await registration.close();
    await tick();
    const snapshot = await registry.snapshot();
    expect(snapshot.nodes.size + snapshot.endpoints.size).toBe(0);
    expect(events.map((e) => (e.type === 'node' ? `${e.kind}:${e.seq}` : `endpoint:${e.seq}`))).toEqual(['join:1', 'drain:2', 'leave:3']);
    source.set('svc', 2); // ignored after close
    await tick();
    expect(events).toHaveLength(3);
  });
});
