import type { ClusterEvent } from './cluster-event';
import { InMemoryClusterBus } from './in-memory-cluster-bus';

const event: ClusterEvent = { type: 'endpoint', nodeId: 'a', seq: 1, endpointId: 'svc', count: 1 };
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('InMemoryClusterBus', () => {
  it('delivers a copy to every subscriber, asynchronously', async () => {
    const bus = new InMemoryClusterBus();
    const a: ClusterEvent[] = [];
    const b: ClusterEvent[] = [];
    bus.subscribe((e) => a.push(e));
    bus.subscribe((e) => b.push(e));
    const published = bus.publish(event);
    expect(a).toEqual([]); // not delivered from inside publish()
    await published;
    await tick();
    expect(a).toEqual([event]);
    expect(b).toEqual([event]);
    expect(a[0]).not.toBe(event);
  });

  it('stops delivering after unsubscribe and keeps going when a handler throws', async () => {
    const bus = new InMemoryClusterBus();
    const got: ClusterEvent[] = [];
    bus.subscribe(() => {
      throw new Error('boom');
    });
    const unsubscribe = bus.subscribe((e) => got.push(e));
    await bus.publish(event);
    await tick();
    unsubscribe();
    await bus.publish({ ...event, seq: 2 });
    await tick();
    expect(got).toEqual([event]);
  });

  it('reports disconnected after close and refuses to publish', async () => {
    const bus = new InMemoryClusterBus();
    const statuses: string[] = [];
    bus.on('status', (s) => statuses.push(s));
    expect(bus.status).toBe('connected');
    await bus.close();
    expect(statuses).toEqual(['disconnected']);
    await expect(bus.publish(event)).rejects.toThrow('closed');
  });
});
