import {
  type ClusterEvent,
  EndpointCountMap,
  NatsClusterBus,
  type NodeInfo,
  NodeRegistration,
  RedisEndpointRegistry,
  RoutingTable,
} from '@piko/cluster';
import { once } from 'node:events';
import net from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { RelayServer } from '@piko/gateway';
import { ClusterUpstreamDialer, DEFAULT_RELAY_CLIENT_OPTIONS, RelayClient } from '@piko/proxy';
import { NatsServer, RedisServer, waitFor } from '@piko/testing';
import { captureLogger } from './support/capture-logger';
import { uniquePrefix } from './support/unique';

jest.setTimeout(30_000);

const gw = (id: string): NodeInfo => ({ id, role: 'gateway', state: 'active', relayAddr: `127.0.0.1:${id === 'gw-1' ? 8003 : 9003}`, startedAt: 1 });

describe('RoutingTable against real redis-server and nats-server', () => {
  let redis: RedisServer;
  let nats: NatsServer;
  let closers: Array<() => Promise<void>>;
  let keyPrefix: string;
  let subjectPrefix: string;

  const registry = () => {
    const r = new RedisEndpointRegistry({ url: redis.url, keyPrefix, leaseTtlMs: 5_000 });
    closers.push(() => r.close());
    return r;
  };
  const bus = () => {
    const b = new NatsClusterBus({ servers: nats.url, subjectPrefix, reconnectTimeWaitMs: 100 });
    closers.push(() => b.close());
    return b;
  };
  const table = (resyncIntervalMs = 60_000) => {
    const t = new RoutingTable({ registry: registry(), bus: bus(), resyncIntervalMs, retryIntervalMs: 100, logger: captureLogger() });
    closers.push(() => t.close());
    return t;
  };
  /** A gateway whose bus is connected before it starts, so none of its events is lost. */
  const gateway = async (node: NodeInfo) => {
    const source = new EndpointCountMap();
    const gatewayBus = bus();
    await gatewayBus.connected;
    const registration = new NodeRegistration({ registry: registry(), bus: gatewayBus, source, node, heartbeatIntervalMs: 500 });
    closers.push(() => registration.close());
    return { source, registration };
  };
  const routeCount = (t: RoutingTable, endpointId: string) => t.routes(endpointId).reduce((sum, r) => sum + r.count, 0);

  beforeAll(async () => {
    [redis, nats] = await Promise.all([RedisServer.start(), NatsServer.start()]);
  });

  beforeEach(() => {
    closers = [];
    keyPrefix = uniquePrefix('rt');
    subjectPrefix = uniquePrefix('piko.rt');
  });

  afterEach(async () => {
    // Reverse order: tables and registrations before the clients they use.
    for (const close of closers.reverse()) await close();
  });

  afterAll(async () => {
    await Promise.all([redis.stop(), nats.stop()]);
  });

  it('loads what is already registered at start', async () => {
    const writer = registry();
    await writer.registerNode(gw('gw-1'));
    await writer.setEndpointCount('gw-1', 'svc', 2);
    const t = table();
    await t.start();
    expect(t.routes('svc')).toEqual([{ nodeId: 'gw-1', relayAddr: '127.0.0.1:8003', count: 2 }]);
    expect(t.stats()).toMatchObject({ nodes: 1, entries: 1, resyncsTotal: 1 });
  });

  it('follows a gateway through events: join, changes, drain, leave', async () => {
    const t = table();
    await t.start();
    const { source, registration } = await gateway(gw('gw-1'));
    await registration.start();
    source.set('svc', 1);
    await waitFor('route', () => (routeCount(t, 'svc') === 1 ? true : undefined));
    source.set('svc', 3);
    await waitFor('count 3', () => (routeCount(t, 'svc') === 3 ? true : undefined));
    await registration.drain();
    // Draining and the only owner: it stays the route (its upstreams still serve until they move).
    await waitFor('the draining gateway known', () => (t.stats().eventsTotal >= 4 ? true : undefined));
    expect(routeCount(t, 'svc')).toBe(3);
    await registration.close();
    await waitFor('the node gone', () => (t.stats().nodes === 0 ? true : undefined));
    expect(t.stats().seqGapsTotal).toBe(0);
    expect(t.stats().eventsTotal).toBeGreaterThanOrEqual(5);
  });

  it('sees two gateways of one endpoint, each with its count', async () => {
    const t = table();
    await t.start();
    const one = await gateway(gw('gw-1'));
    const two = await gateway(gw('gw-2'));
    await Promise.all([one.registration.start(), two.registration.start()]);
    one.source.set('svc', 1);
    two.source.set('svc', 2);
    await waitFor('both routes', () => (routeCount(t, 'svc') === 3 ? true : undefined));
    expect(t.routes('svc').map((r) => [r.nodeId, r.count]).sort()).toEqual([['gw-1', 1], ['gw-2', 2]]);
  });

  it('resyncs from Redis when a seq gap shows a missed event', async () => {
    const t = table();
    await t.start();
    const writer = registry();
    const publisher = bus();
    await publisher.connected;
    await writer.registerNode(gw('gw-1'));
    const send = (event: ClusterEvent) => publisher.publish(event);
    await send({ type: 'node', nodeId: 'gw-1', seq: 1, kind: 'join', node: gw('gw-1') });
    await waitFor('join applied', () => (t.stats().nodes === 1 ? true : undefined));
    // seq 2 is "lost": only Redis has it.
    await writer.setEndpointCount('gw-1', 'missed', 4);
    await writer.setEndpointCount('gw-1', 'svc', 1);
    const resyncsBefore = t.stats().resyncsTotal;
    await send({ type: 'endpoint', nodeId: 'gw-1', seq: 3, endpointId: 'svc', count: 1 });
    await waitFor('the missed entry', () => (routeCount(t, 'missed') === 4 ? true : undefined));
    expect(t.stats().seqGapsTotal).toBe(1);
    expect(t.stats().resyncsTotal).toBeGreaterThan(resyncsBefore);
  });

  it('falls back to periodic resync while NATS is down', async () => {
    const t = table(200);
    await t.start();
    const writer = registry();
    await nats.stop();
    try {
      await writer.registerNode(gw('gw-1'));
      await writer.setEndpointCount('gw-1', 'svc', 2);
      await waitFor('the entry via periodic resync', () => (routeCount(t, 'svc') === 2 ? true : undefined));
      await writer.setEndpointCount('gw-1', 'svc', 0);
      await waitFor('the removal via periodic resync', () => (t.routes('svc').length === 0 ? true : undefined));
    } finally {
      await nats.restart();
    }
  });

  it('keeps serving its routes while Redis is down, and catches up after', async () => {
    const t = table(200);
    await t.start();
    const { source, registration } = await gateway(gw('gw-1'));
    await registration.start();
    source.set('svc', 1);
    await waitFor('route', () => (routeCount(t, 'svc') === 1 ? true : undefined));
    await redis.stop();
    try {
      const failuresBefore = t.stats().resyncFailuresTotal;
      await waitFor('a failed resync', () => (t.stats().resyncFailuresTotal > failuresBefore ? true : undefined));
      expect(t.routes('svc')).toEqual([{ nodeId: 'gw-1', relayAddr: '127.0.0.1:8003', count: 1 }]);
      // Events still flow over NATS while Redis is away.
      source.set('svc', 2);
      await waitFor('the event applied without Redis', () => (routeCount(t, 'svc') === 2 ? true : undefined));
    } finally {
      await redis.restart();
    }
    // Redis came back empty; the gateway re-registers and the table resyncs to the same view.
    const reader = registry();
    await waitFor('the gateway re-registered', async () => ((await reader.snapshot().catch(() => undefined))?.endpoints.get('svc')?.get('gw-1') === 2 ? true : undefined));
    const resyncs = t.stats().resyncsTotal;
    await waitFor('a resync after Redis is back', () => (t.stats().resyncsTotal > resyncs + 1 ? true : undefined));
    expect(routeCount(t, 'svc')).toBe(2);
  });

  it('a forged NATS announcement never sends traffic to the fake relay it names', async () => {
    const secret = Buffer.from('integration-relay-secret-0123');
    // The real gateway: a relay server whose "upstream" echoes, registered with a lease in Redis.
    const upstreamDials: string[] = [];
    const relay = new RelayServer(
      { dial: (endpointId: string): Duplex => (upstreamDials.push(endpointId), new PassThrough()) },
      { host: '127.0.0.1', port: 0, headerTimeoutMs: 5_000, secret },
      captureLogger(),
    );
    const relayAddr = `127.0.0.1:${(await relay.listen()).port}`;
    closers.push(() => relay.close());
    // The attacker's relay: accepts anything and counts it.
    const fakeConnections: net.Socket[] = [];
    const fake = net.createServer((socket) => fakeConnections.push(socket));
    fake.listen(0, '127.0.0.1');
    await once(fake, 'listening');
    const fakeAddr = `127.0.0.1:${(fake.address() as net.AddressInfo).port}`;
    closers.push(async () => {
      for (const socket of fakeConnections) socket.destroy();
      await new Promise((resolve) => fake.close(resolve));
    });

    const t = table();
    await t.start();
    const real = await gateway({ id: 'gw-real', role: 'gateway', state: 'active', relayAddr, startedAt: 1 });
    await real.registration.start();
    real.source.set('svc', 1);
    await waitFor('the real route', () => (routeCount(t, 'svc') === 1 ? true : undefined));

    // Forgeries on the same subjects, from a client with no lease anywhere: a new "gateway" at the
    // fake relay claiming the endpoint many times over, and the real gateway "moved" there.
    const forger = bus();
    await forger.connected;
    const eventsBefore = t.stats().eventsTotal;
    await forger.publish({ type: 'node', nodeId: 'gw-fake', seq: 1, kind: 'join', node: { id: 'gw-fake', role: 'gateway', state: 'active', relayAddr: fakeAddr, startedAt: 1 } });
    await forger.publish({ type: 'endpoint', nodeId: 'gw-fake', seq: 2, endpointId: 'svc', count: 1000 });
    await forger.publish({ type: 'node', nodeId: 'gw-real', seq: 1000, kind: 'join', node: { id: 'gw-real', role: 'gateway', state: 'active', relayAddr: fakeAddr, startedAt: 1 } });
    await waitFor('the forged events received', () => (t.stats().eventsTotal >= eventsBefore + 3 ? true : undefined));
    const resyncs = t.stats().resyncsTotal;
    await waitFor('the registry consulted', () => (t.stats().resyncsTotal > resyncs || t.stats().resyncsTotal > 1 ? true : undefined));

    expect(t.routes('svc')).toEqual([{ nodeId: 'gw-real', relayAddr, count: 1 }]);
    const relayClient = new RelayClient({ ...DEFAULT_RELAY_CLIENT_OPTIONS, secret, mux: { keepAliveInterval: 0 } }, captureLogger());
    closers.push(async () => relayClient.close());
    const dialer = new ClusterUpstreamDialer(t, relayClient, captureLogger());
    for (let i = 0; i < 20; i++) {
      const stream = await dialer.dial('svc');
      if (!stream) throw new Error('no route to the real gateway');
      stream.end(`request ${i}`);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe(`request ${i}`);
    }
    expect(upstreamDials).toHaveLength(20);
    expect(fakeConnections).toHaveLength(0);
  });
});
