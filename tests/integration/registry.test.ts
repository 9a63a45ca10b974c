import { type NodeInfo, RedisEndpointRegistry } from '@piko/cluster';
import { RedisServer, waitFor } from '@piko/testing';
import { Redis } from 'ioredis';
import { captureLogger } from './support/capture-logger';
import { uniquePrefix } from './support/unique';

jest.setTimeout(30_000);

const gw = (id: string, extra: Partial<NodeInfo> = {}): NodeInfo => ({ id, role: 'gateway', state: 'active', relayAddr: `127.0.0.1:${id.length}003`, startedAt: 1_732_680_000_123, ...extra });

describe('RedisEndpointRegistry against a real redis-server', () => {
  let redis: RedisServer;
  let raw: Redis;
  const registries: RedisEndpointRegistry[] = [];

  const open = (leaseTtlMs = 10_000, keyPrefix = uniquePrefix('reg')): RedisEndpointRegistry => {
    const registry = new RedisEndpointRegistry({ url: redis.url, keyPrefix, leaseTtlMs });
    registries.push(registry);
    return registry;
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
    raw = new Redis(redis.url);
  });

  afterAll(async () => {
    for (const registry of registries) await registry.close();
    raw.disconnect();
    await redis.stop();
  });

  it('stores nodes and counts and reads them back in a snapshot', async () => {
    const registry = open();
    await registry.registerNode(gw('a'));
    await registry.registerNode(gw('b', { state: 'draining' }));
    await registry.setEndpointCount('a', 'svc', 2);
    await registry.setEndpointCount('b', 'svc', 1);
    await registry.setEndpointCount('b', 'other', 4);
    await registry.setEndpointCount('b', 'other', 0);
    const snapshot = await registry.snapshot();
    expect(snapshot.nodes).toEqual(new Map([['a', gw('a')], ['b', gw('b', { state: 'draining' })]]));
    expect(snapshot.endpoints).toEqual(new Map([['svc', new Map([['a', 2], ['b', 1]])]]));
  });

  it('registers a node and replaces its endpoints in one transaction (a reader never sees one without the other)', async () => {
    const prefix = uniquePrefix('atomic');
    const registry = open(10_000, prefix);
    await registry.registerNode(gw('a'), new Map([['stale', 1]]));
    const monitor = await raw.monitor();
    const commands: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args));
    try {
      await registry.registerNode(gw('a'), new Map([['svc', 2], ['gone', 0]]));
      await waitFor('EXEC seen by MONITOR', async () => (commands.some((c) => c[0].toLowerCase() === 'exec') ? true : undefined));
    } finally {
      monitor.disconnect();
    }
    const names = commands.map((c) => c[0].toLowerCase()).filter((name) => name !== 'info');
    // Everything from the node's hash to its endpoints' hash sits between one MULTI and its EXEC.
    expect(names[0]).toBe('multi');
    expect(names.at(-1)).toBe('exec');
    expect(names.filter((name) => name === 'multi')).toHaveLength(1);
    const written = commands.filter((c) => c[0].toLowerCase() === 'hset').map((c) => c[1]);
    expect(written).toEqual([`{${prefix}}:node:a`, `{${prefix}}:node:a:endpoints`]);
    const snapshot = await registry.snapshot();
    expect(snapshot.endpoints).toEqual(new Map([['svc', new Map([['a', 2]])]]));
  });

  it('setEndpointCounts writes a batch in one MULTI: counts set, zeros deleted, other entries untouched', async () => {
    const prefix = uniquePrefix('batch');
    const registry = open(10_000, prefix);
    await registry.registerNode(gw('a'), new Map([['keep', 1], ['gone', 2]]));
    const monitor = await raw.monitor();
    const commands: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args));
    try {
      await registry.setEndpointCounts('a', new Map([['new-1', 1], ['new-2', 3], ['gone', 0]]));
      await waitFor('EXEC seen by MONITOR', async () => (commands.some((c) => c[0].toLowerCase() === 'exec') ? true : undefined));
    } finally {
      monitor.disconnect();
    }
    const names = commands.map((c) => c[0].toLowerCase()).filter((name) => name !== 'info');
    expect(names).toEqual(['multi', 'hset', 'hdel', 'exec']);
    expect(commands.find((c) => c[0].toLowerCase() === 'hset')).toEqual(['hset', `{${prefix}}:node:a:endpoints`, 'new-1', '1', 'new-2', '3']);
    const snapshot = await registry.snapshot();
    expect(snapshot.endpoints).toEqual(
      new Map([
        ['keep', new Map([['a', 1]])],
        ['new-1', new Map([['a', 1]])],
        ['new-2', new Map([['a', 3]])],
      ]),
    );
    await registry.setEndpointCounts('a', new Map([['keep', 0]])); // only deletions: HDEL alone
    await registry.setEndpointCounts('a', new Map()); // nothing to do: no command at all
    expect([...(await registry.snapshot()).endpoints.keys()].sort()).toEqual(['new-1', 'new-2']);
  });

  it('leaves out a node whose keys have the wrong type (said once), and reads and sweeps every other node', async () => {
    const prefix = uniquePrefix('wedge');
    const logger = captureLogger();
    const registry = new RedisEndpointRegistry({ url: redis.url, keyPrefix: prefix, leaseTtlMs: 10_000, logger });
    registries.push(registry);
    await registry.registerNode(gw('a'));
    await registry.setEndpointCount('a', 'svc', 2);
    // What a writer with access to the key space can leave: before, every snapshot failed (WRONGTYPE).
    await raw.sadd(`{${prefix}}:nodes`, 'wedge');
    await raw.set(`{${prefix}}:node:wedge`, 'notahash');
    for (let i = 0; i < 2; i++) {
      const snapshot = await registry.snapshot();
      expect([...snapshot.nodes.keys()]).toEqual(['a']);
      expect(snapshot.endpoints).toEqual(new Map([['svc', new Map([['a', 2]])]]));
    }
    const warnings = logger.records.filter((r) => r.msg === 'registry entry unreadable; node left out');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].fields).toMatchObject({ node: 'wedge', err: expect.stringMatching(/^WRONGTYPE/) });
    await expect(registry.sweep()).resolves.toBe(0);
    await raw.del(`{${prefix}}:node:wedge`);
    await raw.srem(`{${prefix}}:nodes`, 'wedge');
    expect([...(await registry.snapshot()).nodes.keys()]).toEqual(['a']);
  });

  it('uses the documented keys, all under one hash tag', async () => {
    const registry = open(10_000, 'doc-keys');
    await registry.registerNode(gw('a'));
    await registry.setEndpointCount('a', 'svc', 3);
    expect((await raw.keys('{doc-keys}:*')).sort()).toEqual(['{doc-keys}:node:a', '{doc-keys}:node:a:endpoints', '{doc-keys}:nodes']);
    expect(await raw.hget('{doc-keys}:node:a:endpoints', 'svc')).toBe('3');
    const ttl = await raw.pttl('{doc-keys}:node:a');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it('hides a node as soon as its lease expires, and sweep deletes its entries', async () => {
    const prefix = uniquePrefix('lease');
    const registry = open(300, prefix);
    await registry.registerNode(gw('dead'));
    await registry.registerNode(gw('alive'));
    await registry.setEndpointCount('dead', 'svc', 1);
    await registry.setEndpointCount('alive', 'svc', 1);
    const refresher = setInterval(() => void registry.refreshLease('alive'), 50);
    try {
      await waitFor('the lease of "dead" to expire', async () => ((await raw.exists(`{${prefix}}:node:dead`)) === 0 ? true : undefined));
      const snapshot = await registry.snapshot();
      expect([...snapshot.nodes.keys()]).toEqual(['alive']);
      expect(snapshot.endpoints.get('svc')).toEqual(new Map([['alive', 1]]));
      // The entries are still stored until swept.
      expect(await raw.exists(`{${prefix}}:node:dead:endpoints`)).toBe(1);
      expect(await registry.refreshLease('dead')).toBe(false);
      expect(await registry.sweep()).toBe(1);
      expect(await raw.exists(`{${prefix}}:node:dead:endpoints`)).toBe(0);
      expect(await raw.smembers(`{${prefix}}:nodes`)).toEqual(['alive']);
      expect(await registry.sweep()).toBe(0);
    } finally {
      clearInterval(refresher);
    }
  });

  it('does not revive an expired node when its state is set', async () => {
    const prefix = uniquePrefix('state');
    const registry = open(100, prefix);
    await registry.registerNode(gw('a'));
    await waitFor('the lease to expire', async () => ((await raw.exists(`{${prefix}}:node:a`)) === 0 ? true : undefined));
    await registry.setNodeState('a', 'draining');
    expect(await raw.exists(`{${prefix}}:node:a`)).toBe(0);
  });

  it('sweeps from several registries at once without error', async () => {
    const prefix = uniquePrefix('sweep');
    const writer = open(100, prefix);
    for (let i = 0; i < 20; i++) {
      await writer.registerNode(gw(`n${i}`));
      await writer.setEndpointCount(`n${i}`, 'svc', 1);
    }
    await waitFor('every lease to expire', async () => ((await writer.snapshot()).nodes.size === 0 ? true : undefined));
    const swept = await Promise.all([open(100, prefix), open(100, prefix), open(100, prefix)].map((r) => r.sweep()));
    expect(swept.reduce((a, b) => a + b, 0)).toBe(20);
    expect(await raw.keys(`{${prefix}}:*`)).toEqual([]);
  });

  it('removeNode deletes the lease and all entries at once', async () => {
    const prefix = uniquePrefix('remove');
    const registry = open(10_000, prefix);
    await registry.registerNode(gw('a'));
    await registry.setEndpointCount('a', 'svc', 1);
    await registry.removeNode('a');
    expect(await raw.keys(`{${prefix}}:*`)).toEqual([]);
    const snapshot = await registry.snapshot();
    expect(snapshot.nodes.size + snapshot.endpoints.size).toBe(0);
  });

  it('replaceEndpoints swaps the whole set of entries', async () => {
    const registry = open();
    await registry.registerNode(gw('a'));
    await registry.setEndpointCount('a', 'old-1', 1);
    await registry.setEndpointCount('a', 'old-2', 1);
    await registry.replaceEndpoints('a', new Map([['new', 2], ['gone', 0]]));
    expect((await registry.snapshot()).endpoints).toEqual(new Map([['new', new Map([['a', 2]])]]));
    await registry.replaceEndpoints('a', new Map());
    expect((await registry.snapshot()).endpoints.size).toBe(0);
  });

  it('reports its connection status through a Redis restart', async () => {
    const registry = open();
    await waitFor('connected', () => (registry.status === 'connected' ? true : undefined));
    const seen: string[] = [];
    registry.on('status', (status) => seen.push(status));
    await redis.stop();
    await waitFor('reconnecting', () => (registry.status === 'reconnecting' ? true : undefined));
    await expect(registry.snapshot()).rejects.toThrow();
    await redis.restart();
    await waitFor('connected again', () => (registry.status === 'connected' ? true : undefined));
    expect(seen).toEqual(['reconnecting', 'connected']);
    await expect(registry.snapshot()).resolves.toBeDefined();
  });
});
