import { type NodeInfo, RedisEndpointRegistry } from '@piko/cluster';
import { waitFor } from '@piko/testing';
import { RedisTopology } from './support/redis-topologies';
import { uniquePrefix } from './support/unique';

jest.setTimeout(60_000);

const gw = (id: string): NodeInfo => ({ id, role: 'gateway', state: 'active', relayAddr: `127.0.0.1:8003`, startedAt: 1 });

// The registry's multi-key operations share one hash tag, so they work on Redis Cluster; and a
// Sentinel URL follows the master it names. Both against real redis-server processes.
describe.each([
  ['Redis Cluster (3 masters)', () => RedisTopology.cluster()],
  ['Redis Sentinel', () => RedisTopology.sentinel()],
])('RedisEndpointRegistry on %s', (_name, start) => {
  let topology: RedisTopology;
  let registry: RedisEndpointRegistry;

  beforeAll(async () => {
    topology = await start();
    registry = new RedisEndpointRegistry({ url: topology.url, keyPrefix: uniquePrefix('topo'), leaseTtlMs: 1_000 });
    await waitFor('registry connected', () => (registry.status === 'connected' ? true : undefined));
  });

  afterAll(async () => {
    await registry?.close();
    await topology?.stop();
  });

  it('registers, counts, snapshots, expires and sweeps', async () => {
    await registry.registerNode(gw('a'));
    await registry.registerNode(gw('b'));
    await registry.setEndpointCount('a', 'svc', 2);
    await registry.replaceEndpoints('b', new Map([['svc', 1], ['other', 3]]));
    let snapshot = await registry.snapshot();
    expect([...snapshot.nodes.keys()].sort()).toEqual(['a', 'b']);
    expect(snapshot.endpoints.get('svc')).toEqual(new Map([['a', 2], ['b', 1]]));

    await registry.removeNode('b');
    // a's lease (1 s) runs out without a refresh: its entries are ignored, then swept.
    await waitFor('a expired', async () => ((await registry.snapshot()).nodes.size === 0 ? true : undefined), 5_000);
    expect(await registry.sweep()).toBeGreaterThanOrEqual(1);
    snapshot = await registry.snapshot();
    expect(snapshot.endpoints.size).toBe(0);
  });
});
