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

  /** Every batch of endpoint counts written to the registry from now on, a copy each, in order. */
  function recordBatches(): Array<Map<string, number>> {
    const batches: Array<Map<string, number>> = [];
    const write = registry.setEndpointCounts.bind(registry);
    registry.setEndpointCounts = (nodeId, counts) => {
      batches.push(new Map(counts));
      return write(nodeId, counts);
    };
    return batches;
  }

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
    // No minimum interval: each change its own batch (the interval is tested below).
    registration = new NodeRegistration({ registry, bus, source, node, heartbeatIntervalMs: 5, retryIntervalMs: 5, minBatchIntervalMs: 0 });
    await registration.start();
    source.set('svc', 1);
    await tick();
    source.set('svc', 0);
    await tick();
    source.set('other', 3);
    await tick();
    expect(events.slice(1)).toEqual([
      { type: 'endpoint', nodeId: 'gw-1', seq: 2, endpointId: 'svc', count: 1 },
      { type: 'endpoint', nodeId: 'gw-1', seq: 3, endpointId: 'svc', count: 0 },
      { type: 'endpoint', nodeId: 'gw-1', seq: 4, endpointId: 'other', count: 3 },
    ]);
    expect((await registry.snapshot()).endpoints).toEqual(new Map([['other', new Map([['gw-1', 3]])]]));
  });

  it('writes the changes of one event-loop turn in one registry call, the latest count per endpoint', async () => {
    await registration.start();
    const batches = recordBatches();
    source.set('a', 1);
    source.set('b', 2);
    source.set('a', 0); // connected and gone in the same turn: only the last count is written
    source.set('c', 1);
    expect(batches).toEqual([]); // nothing before the turn ends
    await tick();
    expect(batches).toEqual([new Map([['a', 0], ['b', 2], ['c', 1]])]);
    expect(events.slice(1)).toEqual([
      { type: 'endpoint', nodeId: 'gw-1', seq: 2, endpointId: 'a', count: 0 },
      { type: 'endpoint', nodeId: 'gw-1', seq: 3, endpointId: 'b', count: 2 },
      { type: 'endpoint', nodeId: 'gw-1', seq: 4, endpointId: 'c', count: 1 },
    ]);
    expect((await registry.snapshot()).endpoints).toEqual(new Map([['b', new Map([['gw-1', 2]])], ['c', new Map([['gw-1', 1]])]]));
  });

  it('while a batch is being written, queues what comes next and sends it as one batch when the write settles', async () => {
    // The beforeEach one never started (no listeners, no timers): replaced with one that holds longer.
    // No minimum interval: this test is about the hold behind a write alone.
    registration = new NodeRegistration({ registry, bus, source, node, heartbeatIntervalMs: 60_000, maxBatchHoldMs: 60_000, minBatchIntervalMs: 0 });
    await registration.start();
    const batches = recordBatches();
    let release!: () => void;
    registry.hold = new Promise((resolve) => (release = resolve));
    source.set('a', 1);
    await tick();
    source.set('b', 1);
    await tick();
    source.set('c', 1);
    await tick();
    expect(batches).toEqual([new Map([['a', 1]])]); // b and c wait for a's write
    expect(events.slice(1).map((e) => e.type === 'endpoint' && e.endpointId)).toEqual(['a']);
    registry.hold = undefined;
    release();
    await tick();
    await tick();
    expect(batches).toEqual([new Map([['a', 1]]), new Map([['b', 1], ['c', 1]])]);
    expect(events.slice(1).map((e) => e.seq)).toEqual([2, 3, 4]);
    expect((await registry.snapshot()).endpoints.size).toBe(3);
  });

  it('holds a batch behind a slow write for 10 ms at most: the bus events go out anyway', async () => {
    // The beforeEach one never started (no listeners, no timers): replaced with one that holds longer.
    registration = new NodeRegistration({ registry, bus, source, node, heartbeatIntervalMs: 60_000, maxBatchHoldMs: 10 });
    await registration.start();
    let release!: () => void;
    registry.hold = new Promise((resolve) => (release = resolve)); // a write that does not settle
    source.set('a', 1);
    await tick();
    source.set('b', 1);
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events.slice(1).map((e) => e.type === 'endpoint' && e.endpointId)).toEqual(['a', 'b']);
    registry.hold = undefined;
    release();
  });

  it('does not hold changes behind a write when the registry is down: they are published at once', async () => {
    // No minimum interval: this test is about the hold behind a write alone.
    registration = new NodeRegistration({ registry, bus, source, node, heartbeatIntervalMs: 5, retryIntervalMs: 5, minBatchIntervalMs: 0 });
    await registration.start();
    let release = (): void => undefined;
    registry.hold = new Promise((resolve) => (release = resolve)); // a write that does not settle while the test looks
    source.set('a', 1);
    await tick();
    registry.down = true;
    source.set('b', 1);
    await tick();
    expect(events.slice(1).map((e) => e.type === 'endpoint' && e.endpointId)).toEqual(['a', 'b']);
    // Settle the held calls (a heartbeat may be among them): close() waits for the one in flight.
    registry.hold = undefined;
    release();
  });

  it('sends at most one batch per minBatchIntervalMs: a change right after a batch waits for the rest of the interval', async () => {
    let clock = 1_000; // the batches' clock, moved by hand: what the test sees does not depend on the machine's speed
    registration = new NodeRegistration({ registry, bus, source, node, heartbeatIntervalMs: 60_000, minBatchIntervalMs: 40, now: () => clock });
    await registration.start();
    const batches = recordBatches();
    source.set('a', 1); // after a quiet spell: at once
    await tick();
    await tick();
    expect(batches).toEqual([new Map([['a', 1]])]);
    clock += 10;
    source.set('b', 1);
    await tick();
    source.set('c', 1);
    await tick();
    await tick();
    expect(batches).toEqual([new Map([['a', 1]])]); // b and c wait: a's batch went out 10 ms ago on the clock
    expect(events.slice(1).map((e) => e.type === 'endpoint' && e.endpointId)).toEqual(['a']);
    clock += 30; // the interval is over: the held batch goes when its timer fires
    while (batches.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(batches).toEqual([new Map([['a', 1]]), new Map([['b', 1], ['c', 1]])]);
    expect(events.slice(1).map((e) => e.type === 'endpoint' && e.endpointId)).toEqual(['a', 'b', 'c']);
    clock += 100;
    source.set('d', 1); // a quiet spell again: at once
    await tick();
    await tick();
    expect(batches.at(-1)).toEqual(new Map([['d', 1]]));
  });

  it('drops changes still queued when it closes: nothing is written after the node was removed', async () => {
    await registration.start();
    source.set('late', 1);
    await registration.close();
    await tick();
    expect((await registry.snapshot()).endpoints.size).toBe(0);
    expect(events.some((e) => e.type === 'endpoint')).toBe(false);
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
