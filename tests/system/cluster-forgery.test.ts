import { once } from 'node:events';
import net from 'node:net';
import { Redis } from 'ioredis';
import { connect, type NatsConnection } from 'nats';
import { ManagedProcess, waitFor } from '@piko/testing';
import { type ClusterCredentials, type ClusterNode, TestCluster } from './support/cluster';
import { curl } from './support/curl';
import { PIKO_BIN } from './support/piko';
import { parsePrometheusText } from './support/prometheus-text';
import { RecordingService } from './support/recording-service';

jest.setTimeout(180_000);

const CREDENTIALS: ClusterCredentials = { name: 'piko', password: 'Bus-Secret-91c2' };

/** A sample's value in a node's ops /metrics. */
async function metric(node: ClusterNode, name: string): Promise<number> {
  const families = parsePrometheusText((await curl([`${node.opsUrl}/metrics`])).body);
  return families.get(name)?.samples.find((s) => s.name === name)?.value ?? 0;
}

/** A TCP server that accepts anything and keeps a count: the attacker's relay. */
async function fakeRelay(): Promise<{ server: net.Server; addr: string; connections: net.Socket[] }> {
  const connections: net.Socket[] = [];
  const server = net.createServer((socket) => connections.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, addr: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections };
}

// The finding: "proxies dial any relay address announced on NATS … a forged announcement
// redirected all of an endpoint's traffic to a fake relay". Real redis-server, nats-server
// (both requiring a user), a piko gateway and proxy and an agent serving an endpoint; the test
// is a party on NATS with the cluster's credentials and publishes, on Piko's own subjects and in
// its format (libs/cluster/README.md), announcements naming a relay it listens on.
describe('forged NATS announcements redirect nothing (real cluster: redis, nats, piko gateway/proxy/agent)', () => {
  let cluster: TestCluster;
  let gateway: ClusterNode;
  let proxy: ClusterNode;
  let agent: ManagedProcess;
  let forger: NatsConnection;
  let fake: Awaited<ReturnType<typeof fakeRelay>>;
  const service = new RecordingService();
  const natsUrl = () => `nats://127.0.0.1:${cluster.nats.port}`;

  const request = (endpointId: string, path: string) => curl(['-H', `x-piko-endpoint: ${endpointId}`, `${proxy.url}${path}`]);

  beforeAll(async () => {
    await service.listen();
    fake = await fakeRelay();
    cluster = await TestCluster.start([], { credentials: CREDENTIALS });
    gateway = await cluster.gateway('gateway-real');
    proxy = await cluster.proxy('proxy');
    agent = ManagedProcess.start('agent', 'node', [PIKO_BIN, 'agent', 'http', 'forged-svc', String(service.port), '--connect.url', gateway.url]);
    await agent.waitForOutput('"connected"', 30_000);
    await waitFor('forged-svc routed', async () => ((await request('forged-svc', '/warm-up')).status === 200 ? true : undefined), 30_000);
    forger = await connect({ servers: natsUrl(), user: CREDENTIALS.name, pass: CREDENTIALS.password });
  });

  afterAll(async () => {
    await forger?.close();
    await agent?.stop();
    await cluster?.stop();
    for (const socket of fake?.connections ?? []) socket.destroy();
    fake?.server.close();
    await service.close();
  });

  it('a client without the NATS credentials cannot connect, so cannot publish at all', async () => {
    await expect(connect({ servers: natsUrl(), reconnect: false })).rejects.toThrow(/authorization violation/i);
    await expect(connect({ servers: natsUrl(), user: CREDENTIALS.name, pass: 'not-the-password', reconnect: false })).rejects.toThrow(/authorization violation/i);
  });

  it("announcements naming a fake relay for a served endpoint, and moving the real gateway there, get it no connection; every request reaches the real agent", async () => {
    // The real gateway as Redis lists it: the forgery below claims its ID too.
    const redis = new Redis(`redis://${CREDENTIALS.name}:${CREDENTIALS.password}@127.0.0.1:${cluster.redis.port}`);
    const [realId] = await redis.smembers('{piko}:nodes').finally(() => redis.quit());
    expect(realId).toBeDefined();
    const fakeNode = (id: string) => ({ id, role: 'gateway', state: 'active', relayAddr: fake.addr, startedAt: Date.now() });
    const publish = (kind: 'node' | 'endpoint', event: object) => forger.publish(`piko.events.${kind}`, JSON.stringify(event));

    const eventsBefore = await metric(proxy, 'piko_routing_events_total');
    const resyncsBefore = await metric(proxy, 'piko_routing_resyncs_total');
    // A new "gateway" at the fake relay, claiming the endpoint a thousand times over (weighted
    // picking would send it nearly every request); then the real gateway "moved" to the fake
    // relay, with a sequence number ahead of its own.
    publish('node', { type: 'node', nodeId: 'gw-fake', seq: 1, kind: 'join', node: fakeNode('gw-fake') });
    publish('endpoint', { type: 'endpoint', nodeId: 'gw-fake', seq: 2, endpointId: 'forged-svc', count: 1000 });
    publish('node', { type: 'node', nodeId: realId, seq: 100_000, kind: 'join', node: fakeNode(realId) });
    await forger.flush();
    // The proxy read all three (they are counted as they arrive) and went back to Redis for the truth.
    await waitFor('the proxy received the forgeries', async () => ((await metric(proxy, 'piko_routing_events_total')) >= eventsBefore + 3 ? true : undefined), 20_000);
    await waitFor('the proxy re-read the registry', async () => ((await metric(proxy, 'piko_routing_resyncs_total')) > resyncsBefore ? true : undefined), 20_000);

    const before = service.requests.length;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await request('forged-svc', `/after-forgery/${i}`)).status);
    expect(statuses).toEqual(Array(30).fill(200));
    expect(service.requests.slice(before)).toEqual(Array.from({ length: 30 }, (_, i) => `GET /after-forgery/${i}`));
    expect(fake.connections.length).toBe(0);
  });

  it('an announcement for an endpoint nobody serves yields 502, with no dial to the fake relay', async () => {
    const eventsBefore = await metric(proxy, 'piko_routing_events_total');
    forger.publish('piko.events.node', JSON.stringify({ type: 'node', nodeId: 'gw-fake-2', seq: 1, kind: 'join', node: { id: 'gw-fake-2', role: 'gateway', state: 'active', relayAddr: fake.addr, startedAt: Date.now() } }));
    forger.publish('piko.events.endpoint', JSON.stringify({ type: 'endpoint', nodeId: 'gw-fake-2', seq: 2, endpointId: 'nobody-svc', count: 1 }));
    await forger.flush();
    await waitFor('the proxy received the forgeries', async () => ((await metric(proxy, 'piko_routing_events_total')) >= eventsBefore + 2 ? true : undefined), 20_000);
    for (let i = 0; i < 5; i++) {
      const res = await request('nobody-svc', `/nobody/${i}`);
      expect(res.status).toBe(502);
      expect(res.body).toContain('no available upstreams');
    }
    expect(fake.connections.length).toBe(0);
    expect(service.requests).not.toContainEqual(expect.stringMatching(/nobody/));
  });
});
