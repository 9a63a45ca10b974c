import { EndpointCountMap, InMemoryClusterBus, type NodeInfo, NodeRegistration, RedisEndpointRegistry } from '@piko/cluster';
import { RedisServer, waitFor } from '@piko/testing';
import { captureLogger } from './support/capture-logger';
import { uniquePrefix } from './support/unique';

jest.setTimeout(30_000);

const node: NodeInfo = { id: 'gw-1', role: 'gateway', state: 'active', relayAddr: '127.0.0.1:8003', startedAt: 1 };

describe('NodeRegistration against a real redis-server', () => {
  let redis: RedisServer;
  let registry: RedisEndpointRegistry;
  let reader: RedisEndpointRegistry;
  let bus: InMemoryClusterBus;
  let registration: NodeRegistration;
  let source: EndpointCountMap;
  const logger = captureLogger();

  beforeAll(async () => {
    redis = await RedisServer.start();
  });

  beforeEach(() => {
    const keyPrefix = uniquePrefix('nr');
    registry = new RedisEndpointRegistry({ url: redis.url, keyPrefix, leaseTtlMs: 2_000, logger });
    reader = new RedisEndpointRegistry({ url: redis.url, keyPrefix });
    bus = new InMemoryClusterBus();
    source = new EndpointCountMap();
    registration = new NodeRegistration({ registry, bus, source, node, heartbeatIntervalMs: 100, retryIntervalMs: 50, logger });
  });

  afterEach(async () => {
    await registration.close();
    await registry.close();
    await reader.close();
    await bus.close();
  });

  afterAll(async () => {
    await redis.stop();
  });

  const readerCounts = async () => {
    const snapshot = await reader.snapshot();
    return snapshot.nodes.has(node.id) ? Object.fromEntries([...snapshot.endpoints].map(([id, owners]) => [id, owners.get(node.id)])) : undefined;
  };

  it('registers and writes every change', async () => {
    source.set('a', 1);
    await registration.start();
    source.set('b', 2);
    source.set('a', 0);
    await waitFor('the changes in Redis', async () => {
      const counts = await readerCounts();
      return counts && counts.b === 2 && counts.a === undefined ? counts : undefined;
    });
  });

  it('writes a burst of changes in few transactions, ending exactly at the pool counts', async () => {
    await registration.start();
    let transactions = 0;
    const write = registry.setEndpointCounts.bind(registry);
    registry.setEndpointCounts = (nodeId, counts) => {
      transactions++;
      return write(nodeId, counts);
    };
    // 2,000 upstreams connect, one event-loop turn each as they would from the network; every
    // third one leaves again.
    for (let i = 0; i < 2_000; i++) {
      source.set(`ep-${i}`, 1);
      if (i % 3 === 0) source.set(`ep-${i - 1}`, 0);
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const expected = source.counts();
    await waitFor('every change in Redis', async () => {
      const counts = await readerCounts();
      return counts && Object.keys(counts).length === expected.size ? counts : undefined;
    });
    expect(new Map(Object.entries((await readerCounts()) ?? {}))).toEqual(expected);
    // Batched: far fewer transactions than changes (one per turn at most: 41 turns here).
    expect(transactions).toBeLessThanOrEqual(41);
  });

  it('re-registers everything after Redis restarts empty', async () => {
    source.set('a', 1);
    await registration.start();
    await waitFor('registered', () => (registration.registered ? true : undefined));
    await redis.stop();
    source.set('b', 3); // changed while Redis is gone
    await waitFor('the registration to notice', () => (registration.registered ? undefined : true));
    await redis.restart(); // no persistence: Redis comes back empty
    await waitFor('node and both endpoints back in Redis', async () => {
      const counts = await readerCounts().catch(() => undefined);
      return counts && counts.a === 1 && counts.b === 3 ? true : undefined;
    });
    await waitFor('registered', () => (registration.registered ? true : undefined));
    expect(logger.records.some((r) => r.level === 'warn' && r.fields.nodeId === 'gw-1')).toBe(true);
  });

  it('starts while Redis is down without throwing, and registers once it is up', async () => {
    await redis.stop();
    source.set('a', 2);
    await registration.start();
    expect(registration.registered).toBe(false);
    await redis.restart();
    await waitFor('registered after Redis started', async () => ((await readerCounts().catch(() => undefined))?.a === 2 ? true : undefined));
  });

  it('removes its entries on close', async () => {
    source.set('a', 1);
    await registration.start();
    await registration.close();
    expect(await readerCounts()).toBeUndefined();
    expect((await reader.snapshot()).endpoints.size).toBe(0);
  });
});
