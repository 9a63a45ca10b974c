import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManagedProcess, waitFor } from '@piko/testing';
import { curl } from './support/curl';
import { PIKO_BIN } from './support/piko';
import { type ClusterNode, TestCluster } from './support/cluster';

jest.setTimeout(180_000);

const PASSWORD = 'Coordination-Secret-7f3a';

// NATS and Redis that refuse anyone without the user and password: a cluster whose nodes carry
// them in their URLs routes traffic, and the password shows up in no log line, /ready body or
// /metrics output of any node.
describe('a cluster on NATS and Redis that require credentials', () => {
  let cluster: TestCluster;
  let gateway: ClusterNode;
  let proxy: ClusterNode;
  let agent: ManagedProcess;
  let service: Server;

  beforeAll(async () => {
    service = createServer((req, res) => res.end(`served ${req.url}`));
    service.listen(0, '127.0.0.1');
    await once(service, 'listening');
    cluster = await TestCluster.start([], { credentials: { name: 'piko', password: PASSWORD } });
    // Debug logs: every line a node could write about its connections is looked at.
    gateway = await cluster.gateway('gateway-creds', ['--log.level', 'debug']);
    proxy = await cluster.proxy('proxy-creds', ['--log.level', 'debug']);
    agent = ManagedProcess.start('agent', 'node', [PIKO_BIN, 'agent', 'http', 'creds-svc', String((service.address() as AddressInfo).port), '--connect.url', gateway.url]);
    await agent.waitForOutput(/connected/i);
  });

  afterAll(async () => {
    await agent?.stop();
    await cluster?.stop();
    service?.close();
  });

  it('routes through the cluster, with Redis and NATS connected', async () => {
    await waitFor('routed', async () => ((await curl(['-H', 'x-piko-endpoint: creds-svc', `${proxy.url}/with-credentials`])).status === 200 ? true : undefined), 30_000);
    const ready = await curl([`${proxy.opsUrl}/ready`]);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatch(/redis/);
    expect(ready.body).toMatch(/nats/);
    const metrics = await curl([`${gateway.opsUrl}/metrics`]);
    expect(metrics.body).toMatch(/piko_cluster_connected\{client="redis"\} 1/);
    expect(metrics.body).toMatch(/piko_cluster_connected\{client="nats"\} 1/);
  });

  it('never shows the password: logs, /ready and /metrics of every node', async () => {
    // A Redis restart makes every node log its reconnection (with the URL, redacted).
    await cluster.redis.restart();
    await waitFor('a reconnect logged', () => (/redis/i.test(gateway.process.logs) && /\*\*\*/.test(gateway.process.logs) ? true : undefined), 30_000);
    for (const node of [gateway, proxy]) {
      const bodies = [(await curl([`${node.opsUrl}/ready`])).body, (await curl([`${node.opsUrl}/metrics`])).body];
      for (const text of [...bodies, node.process.logs]) expect(text).not.toContain(PASSWORD);
    }
  });
});
