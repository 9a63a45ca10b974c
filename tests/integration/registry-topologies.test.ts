import { type NodeInfo, RedisEndpointRegistry } from '@piko/cluster';
import { waitFor } from '@piko/testing';
import { type RedisAclUser, RedisTopology } from './support/redis-topologies';
import { uniquePrefix } from './support/unique';

jest.setTimeout(60_000);

const gw = (id: string): NodeInfo => ({ id, role: 'gateway', state: 'active', relayAddr: `127.0.0.1:8003`, startedAt: 1 });
/** Issue 8: Sentinel and Cluster with auth. Characters that need percent-encoding in the URL. */
const ACL_USER: RedisAclUser = { name: 'piko', password: 'p@ss:w/rd' };

// The registry's multi-key operations share one hash tag, so they work on Redis Cluster; and a
// Sentinel URL follows the master it names. Both against real redis-server processes.
describe.each([
  ['Redis Cluster (3 masters)', () => RedisTopology.cluster()],
  ['Redis Sentinel', () => RedisTopology.sentinel()],
  ['Redis Cluster (3 masters) requiring an ACL user', () => RedisTopology.cluster(3, ACL_USER)],
  ['Redis Sentinel whose master requires an ACL user', () => RedisTopology.sentinel(ACL_USER)],
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

// The same topologies refuse a registry whose URL carries the wrong password: no command succeeds.
// The nodes are up (the topology's start checked each with redis-cli and the right password), so a
// Cluster client that reaches none of them was refused by every one (ioredis reports that, as "None
// of startup nodes is available" or, on a first slots refresh, "Failed to refresh slots cache", not
// each node's WRONGPASS); Sentinel's master answers WRONGPASS itself.
describe.each([
  ['Redis Cluster', () => RedisTopology.cluster(3, ACL_USER), /None of startup nodes is available|Failed to refresh slots cache|WRONGPASS/],
  ['Redis Sentinel', () => RedisTopology.sentinel(ACL_USER), /WRONGPASS/],
])('%s requiring an ACL user, with a wrong password in the URL', (_name, start, refusal) => {
  let topology: RedisTopology;
  let registry: RedisEndpointRegistry;

  beforeAll(async () => {
    topology = await start();
    const wrong = topology.url.replace(encodeURIComponent(ACL_USER.password), 'wrong');
    expect(wrong).not.toBe(topology.url);
    registry = new RedisEndpointRegistry({ url: wrong, keyPrefix: uniquePrefix('topo-wrong'), leaseTtlMs: 1_000 });
  });

  afterAll(async () => {
    await registry?.close();
    await topology?.stop();
  });

  it('never connects: registering a node fails, and the registry is not connected', async () => {
    await expect(registry.registerNode(gw('a'))).rejects.toThrow(refusal);
    expect(registry.status).not.toBe('connected');
  });
});
