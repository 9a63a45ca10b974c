import { ManagedProcess } from '@piko/testing';
import { execFile } from 'node:child_process';
import { type ClusterNode, TestCluster } from './support/cluster';
import { PIKO_BIN, startAgent, waitForRoute } from './support/piko';
import { sendStackTraffic } from './support/stack-traffic';
import { TcpTestService } from './support/tcp-test-service';
import { UpstreamService } from './support/upstream-service';

// Combined mode, the shape of Go Piko's StatefulSet: N replicas of `piko server` sharing one real
// NATS and Redis, each running proxy, gateway and admin. An endpoint connected to one node is
// reached through another node's proxy port, over the authenticated relay link.

jest.setTimeout(120_000);

function piko(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [PIKO_BIN, ...args], { timeout: 20_000 }, (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }));
  });
}

describe('piko server --cluster.nats-url … --cluster.redis-url …: combined nodes', () => {
  let cluster: TestCluster;
  let a: ClusterNode;
  let b: ClusterNode;
  const httpService = new UpstreamService('behind-a');
  const tcpService = new TcpTestService();
  const agents: ManagedProcess[] = [];
  let httpPort: number;
  let tcpPort: number;

  beforeAll(async () => {
    [httpPort, tcpPort] = await Promise.all([httpService.listen(), tcpService.listen()]);
    cluster = await TestCluster.start(['--cluster.resync-interval', '1s', '--grace-period', '10s']);
    a = await cluster.server('server-a', ['--cluster.node-id-prefix', 'piko-0-']);
    b = await cluster.server('server-b', ['--cluster.node-id-prefix', 'piko-1-']);
    // Both agents dial node A only: node B has no upstream of its own for either endpoint.
    agents.push(await startAgent('http', 'web', String(httpPort), `http://127.0.0.1:${a.upstreamPort}`, ['--access-log=false']));
    agents.push(await startAgent('tcp', 'echo', `127.0.0.1:${tcpPort}`, `http://127.0.0.1:${a.upstreamPort}`, ['--access-log=false']));
    await waitForRoute(b.url, 'web');
  });

  afterAll(async () => {
    await Promise.all(agents.map((p) => p.stop()));
    await cluster?.stop();
    await Promise.all([httpService.close(), tcpService.close()]);
  });

  it('routes HTTP, WebSocket and TCP for an endpoint on node A through node B’s proxy port, as directly', async () => {
    for (const node of [b, a]) {
      const { sent, got } = await sendStackTraffic({ proxyUrl: node.url, httpEndpoint: 'web', directUrl: `http://127.0.0.1:${httpPort}`, tcpEndpoint: 'echo' });
      expect(got.http.tunnelled).toEqual(got.http.direct);
      expect(got.http.tunnelled.name).toBe('behind-a');
      expect(got.webSocket).toBe(sent.ws);
      expect(got.tcp).toBe(sent.tcp);
    }
    // B reached A's upstream over the relay link: B's relay client opened a stream, A's relay server served it.
    const metricsB = await (await fetch(`${b.opsUrl}/metrics`)).text();
    const metricsA = await (await fetch(`${a.opsUrl}/metrics`)).text();
    expect(metricsB).toMatch(/^piko_relay_client_dials_total\S* [1-9]/m);
    expect(metricsA).toMatch(/^piko_relay_server_streams_total\{result="accepted"\} [1-9]/m);
  });

  it("lists both nodes, with their ports, in either node's admin API", async () => {
    const body = (await (await fetch(`${b.opsUrl}/api/v1/nodes`)).json()) as unknown;
    const text = JSON.stringify(body);
    expect(text).toMatch(/piko-0-[a-z0-9]{7}/);
    expect(text).toMatch(/piko-1-[a-z0-9]{7}/);
    expect(text).toContain(`127.0.0.1:${a.relayPort}`);
    expect(text).toContain(`127.0.0.1:${a.port}`);
    const ready = (await (await fetch(`${b.opsUrl}/ready`)).json()) as { ready: boolean };
    expect(ready.ready).toBe(true);
  });

  it('refuses to start without relay.secret (or relay mTLS): the relay link is authenticated as between piko proxy and piko gateway', async () => {
    const { code, stderr } = await piko([
      'server',
      '--cluster.nats-url', `nats://127.0.0.1:${cluster.nats.port}`,
      '--cluster.redis-url', `redis://127.0.0.1:${cluster.redis.port}`,
      '--proxy.bind-addr', '127.0.0.1:0', '--upstream.bind-addr', '127.0.0.1:0', '--admin.bind-addr', '127.0.0.1:0', '--relay.bind-addr', '127.0.0.1:0',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('relay.secret is required');
  });

  it('refuses half a cluster: cluster.nats_url without cluster.redis_url', async () => {
    const { code, stderr } = await piko(['server', '--cluster.nats-url', `nats://127.0.0.1:${cluster.nats.port}`, '--relay.secret', 'x'.repeat(32)]);
    expect(code).toBe(2);
    expect(stderr).toContain('cluster.redis_url is required when cluster.nats_url is set');
  });
});
