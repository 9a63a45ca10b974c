import { once } from 'node:events';
import net from 'node:net';
import { type CertFiles, ManagedProcess, TestPki, waitFor } from '@piko/testing';
import { curl } from './support/curl';
import { PIKO_BIN } from './support/piko';
import { type ClusterNode, TestCluster } from './support/cluster';
import { RecordingService } from './support/recording-service';

jest.setTimeout(180_000);

async function startAgent(endpointId: string, servicePort: number, gateway: ClusterNode): Promise<ManagedProcess> {
  const agent = ManagedProcess.start(`agent ${endpointId}`, 'node', [PIKO_BIN, 'agent', 'http', endpointId, String(servicePort), '--connect.url', gateway.url]);
  await agent.waitForOutput(/connected/i);
  return agent;
}

async function routed(proxy: ClusterNode, endpointId: string, path = '/'): Promise<void> {
  await waitFor(`${endpointId} routed through ${proxy.url}`, async () => ((await curl(['-H', `x-piko-endpoint: ${endpointId}`, `${proxy.url}${path}`])).status === 200 ? true : undefined), 20_000);
}

// The finding: "the relay port accepts a hand-written yamux client and splices it to any upstream".
describe('relay link authenticated by relay.secret (real cluster: redis, nats, piko gateway/proxy/agent)', () => {
  let cluster: TestCluster;
  let gateway: ClusterNode;
  let proxy: ClusterNode;
  let service: RecordingService;
  const agents: ManagedProcess[] = [];

  beforeAll(async () => {
    service = new RecordingService();
    await service.listen();
    cluster = await TestCluster.start();
    gateway = await cluster.gateway('gateway-a');
    proxy = await cluster.proxy('proxy-a');
    agents.push(await startAgent('secret-svc', service.port, gateway));
    await routed(proxy, 'secret-svc', '/warm-up');
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cluster?.stop();
    await service?.close();
  });

  it('carries traffic between nodes that share the secret', async () => {
    const res = await curl(['-H', 'x-piko-endpoint: secret-svc', `${proxy.url}/through-the-relay`]);
    expect(res).toEqual({ status: 200, body: 'served /through-the-relay' });
  });

  it('refuses a hand-written yamux client before any byte reaches the upstream', async () => {
    const before = service.requests.length;
    const socket = net.connect(gateway.relayPort ?? 0, '127.0.0.1');
    await once(socket, 'connect');
    // yamux DATA|SYN on stream 1 carrying a relay header (v1, "secret-svc") and an HTTP request.
    const payload = Buffer.concat([Buffer.from([1, 0, 10]), Buffer.from('secret-svc'), Buffer.from('GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n')]);
    const frame = Buffer.alloc(12);
    frame.writeUInt16BE(1, 2);
    frame.writeUInt32BE(1, 4);
    frame.writeUInt32BE(payload.length, 8);
    socket.write(Buffer.concat([frame, payload]));
    const answer: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => answer.push(chunk));
    await once(socket, 'close');
    expect(Buffer.concat(answer)[0]).toBe(1); // BAD_HELLO: not a relay handshake
    // The same service still answers through the real path, and never saw the smuggled request.
    await curl(['-H', 'x-piko-endpoint: secret-svc', `${proxy.url}/after`]);
    expect(service.requests.slice(before)).toEqual(['GET /after']);
    await waitFor('the refusal logged', () => (/not authenticated/.test(gateway.process.logs) ? true : undefined));
  });

  it('a proxy with another secret gets no route to the gateway: 502, nothing reaches the upstream', async () => {
    const before = service.requests.length;
    const stranger = await cluster.proxy('proxy-stranger', ['--relay.secret', 'not-the-cluster-secret-at-all']);
    const res = await curl(['-H', 'x-piko-endpoint: secret-svc', `${stranger.url}/stranger`]);
    expect(res.status).toBe(502);
    expect(res.body).toContain('"error"');
    expect(service.requests.slice(before)).toEqual([]);
    await waitFor('the proxy logs why', () => (/not authenticated|relay\.secret/.test(stranger.process.logs) ? true : undefined));
  });

  it('refuses to start a gateway or proxy without relay.secret or relay mutual TLS', async () => {
    for (const role of ['gateway', 'proxy']) {
      const node = ManagedProcess.start(`${role} without secret`, 'node', [
        PIKO_BIN, role, '--cluster.redis-url', cluster.redis.url, '--cluster.nats-url', cluster.nats.url,
        `--${role === 'gateway' ? 'upstream' : 'proxy'}.bind-addr`, '127.0.0.1:0', '--relay.bind-addr', '127.0.0.1:0', '--ops.bind-addr', '127.0.0.1:0',
      ]);
      const exit = await node.exited;
      expect(exit.code).toBe(2);
      expect(node.logs).toContain('relay.secret is required');
    }
  });

  it('refuses to start a proxy given relay.tls.client without relay.tls.cert (it dialled in plain text, every request 502)', async () => {
    const node = ManagedProcess.start('proxy with relay.tls.client only', 'node', [
      PIKO_BIN, 'proxy', '--cluster.redis-url', cluster.redis.url, '--cluster.nats-url', cluster.nats.url, '--relay.secret', 'a-relay-secret-of-16+-chars',
      '--proxy.bind-addr', '127.0.0.1:0', '--ops.bind-addr', '127.0.0.1:0', '--relay.tls.client.server-name', 'relay.piko.internal',
    ]);
    const exit = await node.exited;
    expect(exit.code).toBe(2);
    expect(node.logs).toContain('relay.tls.client is set but relay.tls.cert is not');
  });
});

describe('relay link over mutual TLS, ops port over TLS (no secret)', () => {
  let pki: TestPki;
  let cluster: TestCluster;
  let gateway: ClusterNode;
  let service: RecordingService;
  let proxyClient: CertFiles;
  let stranger: CertFiles;
  const agents: ManagedProcess[] = [];
  let relayArgs: string[];

  beforeAll(async () => {
    pki = TestPki.create();
    // The relay certificate names the gateways by a DNS name only: proxies dial IPs and verify with server_name.
    const relayCert = pki.issue({ cn: 'relay', san: 'DNS:relay.piko.internal' });
    const opsCert = pki.issue({ cn: 'ops' });
    proxyClient = pki.issue({ cn: 'proxy', usage: 'client' });
    stranger = pki.issue({ cn: 'stranger', usage: 'client', ca: pki.newCa('other-ca') });
    relayArgs = ['--relay.tls.cert', relayCert.cert, '--relay.tls.key', relayCert.key, '--relay.tls.client-cas', pki.ca.cert, '--relay.tls.client.root-cas', pki.ca.cert, '--relay.tls.client.server-name', 'relay.piko.internal'];
    service = new RecordingService();
    await service.listen();
    cluster = await TestCluster.start([...relayArgs, '--ops.tls.cert', opsCert.cert, '--ops.tls.key', opsCert.key], { relaySecret: false, opsCa: pki.ca.cert });
    gateway = await cluster.gateway('gateway-tls');
    agents.push(await startAgent('mtls-svc', service.port, gateway));
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cluster?.stop();
    await service?.close();
    pki?.remove();
  });

  it('routes through a proxy whose certificate the gateway trusts; the ops port answers over https', async () => {
    const proxy = await cluster.proxy('proxy-tls', ['--relay.tls.client.cert', proxyClient.cert, '--relay.tls.client.key', proxyClient.key]);
    await routed(proxy, 'mtls-svc', '/over-mtls');
    expect(service.requests).toContain('GET /over-mtls');
    const ops = await curl(['--cacert', pki.ca.cert, `${proxy.opsUrl}/ready`]);
    expect(ops.status).toBe(200);
  });

  it('a proxy with a certificate from another CA reaches no upstream', async () => {
    const before = service.requests.length;
    const proxy = await cluster.proxy('proxy-untrusted', ['--relay.tls.client.cert', stranger.cert, '--relay.tls.client.key', stranger.key]);
    const res = await curl(['-H', 'x-piko-endpoint: mtls-svc', `${proxy.url}/untrusted`]);
    expect(res.status).toBe(502);
    expect(service.requests.slice(before)).toEqual([]);
  });
});
