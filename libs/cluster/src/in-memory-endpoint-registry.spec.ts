import { ClusterClosedError } from './errors';
import { InMemoryEndpointRegistry } from './in-memory-endpoint-registry';
import type { NodeInfo } from './node-info';

const gw = (id: string): NodeInfo => ({ id, role: 'gateway', state: 'active', relayAddr: `${id}:8003`, startedAt: 1 });

describe('InMemoryEndpointRegistry', () => {
  let now: number;
  let registry: InMemoryEndpointRegistry;

  beforeEach(() => {
    now = 1_000;
    registry = new InMemoryEndpointRegistry({ leaseTtlMs: 100, now: () => now });
  });

  it('shows registered nodes and their counts', async () => {
    await registry.registerNode(gw('a'));
    await registry.registerNode(gw('b'));
    await registry.setEndpointCount('a', 'svc', 2);
    await registry.setEndpointCount('b', 'svc', 1);
    const snapshot = await registry.snapshot();
    expect([...snapshot.nodes.keys()].sort()).toEqual(['a', 'b']);
    expect(snapshot.endpoints.get('svc')).toEqual(new Map([['a', 2], ['b', 1]]));
  });

  it('deletes an entry when its count drops to 0', async () => {
    await registry.registerNode(gw('a'));
    await registry.setEndpointCount('a', 'svc', 2);
    await registry.setEndpointCount('a', 'svc', 0);
    expect((await registry.snapshot()).endpoints.has('svc')).toBe(false);
  });

  it('hides a node the moment its lease expires, and sweep deletes it', async () => {
    await registry.registerNode(gw('a'));
    await registry.setEndpointCount('a', 'svc', 1);
    now += 100;
    const snapshot = await registry.snapshot();
    expect(snapshot.nodes.size).toBe(0);
    expect(snapshot.endpoints.size).toBe(0);
    expect(await registry.refreshLease('a')).toBe(false);
    expect(await registry.sweep()).toBe(1);
    expect(await registry.sweep()).toBe(0);
    // Re-registering after the sweep starts from no entries.
    await registry.registerNode(gw('a'));
    expect((await registry.snapshot()).endpoints.size).toBe(0);
  });

  it('keeps a refreshed lease alive', async () => {
    await registry.registerNode(gw('a'));
    now += 90;
    expect(await registry.refreshLease('a')).toBe(true);
    now += 90;
    expect((await registry.snapshot()).nodes.has('a')).toBe(true);
    expect(await registry.sweep()).toBe(0);
  });

  it('replaces all entries of a node at once', async () => {
    await registry.registerNode(gw('a'));
    await registry.setEndpointCount('a', 'old', 1);
    await registry.replaceEndpoints('a', new Map([['new', 3], ['zero', 0]]));
    expect([...(await registry.snapshot()).endpoints.keys()]).toEqual(['new']);
  });

  it('removes a node and its entries at once', async () => {
    await registry.registerNode(gw('a'));
    await registry.setEndpointCount('a', 'svc', 1);
    await registry.removeNode('a');
    const snapshot = await registry.snapshot();
    expect(snapshot.nodes.size + snapshot.endpoints.size).toBe(0);
    expect(await registry.refreshLease('a')).toBe(false);
  });

  it('changes the state of a live node only', async () => {
    await registry.registerNode(gw('a'));
    await registry.setNodeState('a', 'draining');
    expect((await registry.snapshot()).nodes.get('a')?.state).toBe('draining');
    now += 100;
    await registry.setNodeState('a', 'active');
    expect(await registry.refreshLease('a')).toBe(false);
  });

  it('refuses use after close', async () => {
    await registry.close();
    await expect(registry.snapshot()).rejects.toBeInstanceOf(ClusterClosedError);
  });
});
