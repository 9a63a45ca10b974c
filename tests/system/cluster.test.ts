import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess, waitFor } from '@piko/testing';
import { type ClusterNode, TestCluster } from './support/cluster';
import { PIKO_BIN, startAgent } from './support/piko';
import { TcpBalancer } from './support/tcp-balancer';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(120_000);

async function get(proxy: ClusterNode, endpointId: string, path = '/'): Promise<{ status: number; name?: string }> {
  try {
    const res = await fetch(`${proxy.url}${path}`, { headers: { 'x-piko-endpoint': endpointId }, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    return { status: res.status, name: res.ok ? (JSON.parse(text) as { name: string }).name : undefined };
  } catch {
    return { status: 0 };
  }
}

/** Sends requests back to back through both proxies until stopped; records every outcome. */
function trafficLoop(proxies: ClusterNode[], endpointId: string) {
  // `at` is when a request started: a request in flight on a gateway at the moment of its kill -9
  // fails (its bytes were already sent, so it cannot be retried safely) and shows a start just before the kill.
  const outcomes: Array<{ at: number; status: number }> = [];
  let running = true;
  const workers = proxies.map(async (proxy) => {
    while (running) outcomes.push({ at: Date.now(), ...(await get(proxy, endpointId)) });
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(workers);
      return outcomes;
    },
  };
}

describe('cluster: separate proxy, gateway and admin processes over real Redis and NATS', () => {
  let cluster: TestCluster;
  const services: UpstreamService[] = [];
  const agents: ManagedProcess[] = [];

  async function service(name: string): Promise<number> {
    const s = new UpstreamService(name);
    services.push(s);
    return s.listen();
  }

  async function agent(endpointId: string, port: number, gateway: ClusterNode | string): Promise<ManagedProcess> {
    const a = await startAgent('http', endpointId, String(port), typeof gateway === 'string' ? gateway : gateway.url, ['--access-log=false']);
    agents.push(a);
    return a;
  }

  beforeEach(async () => {
    cluster = await TestCluster.start(['--cluster.resync-interval', '1s', '--grace-period', '20s']);
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
    await cluster.stop();
    await Promise.all(services.splice(0).map((s) => s.close()));
  });

  it('any proxy reaches any endpoint; two upstreams on two gateways share the load; admin sees it all', async () => {
    const [g1, g2] = [await cluster.gateway('gateway-1'), await cluster.gateway('gateway-2')];
    const [p1, p2] = [await cluster.proxy('proxy-1'), await cluster.proxy('proxy-2')];
    const admin = await cluster.admin('admin');
    await agent('shared', await service('on-g1'), g1);
    await agent('shared', await service('on-g2'), g2);
    await agent('only-g2', await service('only-g2'), g2);

    for (const proxy of [p1, p2]) {
      await waitFor('both upstreams routable', async () => {
        const names = new Set<string | undefined>();
        for (let i = 0; i < 20; i++) names.add((await get(proxy, 'shared')).name);
        return names.has('on-g1') && names.has('on-g2') ? true : undefined;
      });
      expect(await get(proxy, 'only-g2')).toEqual({ status: 200, name: 'only-g2' });
    }
    expect((await get(p1, 'nobody')).status).toBe(502);

    const endpoints = (await (await fetch(`${admin.url}/api/v1/endpoints`)).json()) as { endpoints: Array<{ id: string; upstreams: number; gatewayCount: number }> };
    expect(endpoints.endpoints.map(({ id, upstreams, gatewayCount }) => ({ id, upstreams, gatewayCount }))).toEqual([
      { id: 'only-g2', upstreams: 1, gatewayCount: 1 },
      { id: 'shared', upstreams: 2, gatewayCount: 2 },
    ]);
    const nodes = (await (await fetch(`${admin.url}/api/v1/nodes`)).json()) as { nodes: Array<{ role: string }> };
    expect(nodes.nodes.map((n) => n.role).sort()).toEqual(['admin', 'gateway', 'gateway', 'proxy', 'proxy']);
  });

  it('kill -9 of a gateway: requests for an endpoint with another upstream recover', async () => {
    const [g1, g2] = [await cluster.gateway('gateway-1'), await cluster.gateway('gateway-2')];
    const [p1, p2] = [await cluster.proxy('proxy-1'), await cluster.proxy('proxy-2')];
    await agent('svc', await service('on-g1'), g1);
    await agent('svc', await service('on-g2'), g2);
    await waitFor('svc on both gateways', async () => ((await get(p1, 'svc')).name === 'on-g1' ? true : undefined));

    const traffic = trafficLoop([p1, p2], 'svc');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const killedAt = Date.now();
    await cluster.nodes.find((n) => n === g1)?.process.kill();
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const outcomes = await traffic.stop();

    const failures = outcomes.filter((o) => o.status !== 200);
    const lastFailure = failures.length > 0 ? Math.max(...failures.map((f) => f.at)) - killedAt : 0;
    process.stdout.write(`kill -9 of a gateway: ${failures.length} failed of ${outcomes.length} requests (statuses ${[...new Set(failures.map((f) => f.status))].join(',') || '-'}); last failed request started ${lastFailure} ms after the kill\n`);
    // After the window, every request is served by the remaining upstream.
    const after = outcomes.filter((o) => o.at > killedAt + 3_000);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((o) => o.status === 200)).toBe(true);
  });

  it('SIGTERM of a gateway drains it without losing a request', async () => {
    const [g1, g2] = [await cluster.gateway('gateway-1'), await cluster.gateway('gateway-2')];
    const [p1, p2] = [await cluster.proxy('proxy-1'), await cluster.proxy('proxy-2')];
    await agent('svc', await service('on-g1'), g1);
    await agent('svc', await service('on-g2'), g2);
    await waitFor('svc on g1', async () => ((await get(p1, 'svc')).name === 'on-g1' ? true : undefined));
    await waitFor('svc on g2', async () => ((await get(p2, 'svc')).name === 'on-g2' ? true : undefined));

    const traffic = trafficLoop([p1, p2], 'svc');
    await new Promise((resolve) => setTimeout(resolve, 500));
    g1.process.child.kill('SIGTERM');
    expect(await g1.process.exited).toEqual({ code: 0, signal: null });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const outcomes = await traffic.stop();

    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(20);
  });

  it('SIGTERM of a proxy finishes the request in flight through it, then exits cleanly', async () => {
    const g1 = await cluster.gateway('gateway-1');
    const p1 = await cluster.proxy('proxy-1');
    const slow = new UpstreamService('slow');
    services.push(slow);
    await agent('slow', await slow.listen(), g1);
    await waitFor('slow routable', async () => ((await get(p1, 'slow')).status === 200 ? true : undefined));

    const inFlight = get(p1, 'slow', '/slow');
    await waitFor('request at the service', () => (slow.slowWaiting > 0 ? true : undefined));
    p1.process.child.kill('SIGTERM');
    await waitFor('proxy not ready', async () => {
      const res = await fetch(`${p1.opsUrl}/ready`).catch(() => undefined);
      return res?.status === 503 ? true : undefined;
    });
    slow.releaseSlow();
    expect(await inFlight).toEqual({ status: 200, name: 'slow' });
    expect(await p1.process.exited).toEqual({ code: 0, signal: null });
  });

  it('Redis stopped and restarted: traffic keeps flowing, and gateways re-register', async () => {
    const g1 = await cluster.gateway('gateway-1');
    const p1 = await cluster.proxy('proxy-1');
    const admin = await cluster.admin('admin');
    await agent('svc', await service('svc'), g1);
    await waitFor('svc routable', async () => ((await get(p1, 'svc')).status === 200 ? true : undefined));

    const traffic = trafficLoop([p1], 'svc');
    await cluster.redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const ready = (await (await fetch(`${p1.opsUrl}/ready`)).json()) as { ready: boolean; checks: Record<string, { ok: boolean }> };
    expect(ready.ready).toBe(true);
    expect(ready.checks.redis.ok).toBe(false);
    await cluster.redis.restart();
    await waitFor('svc re-registered in Redis', async () => {
      const endpoints = (await (await fetch(`${admin.url}/status/upstream/endpoints`)).json()) as Record<string, number>;
      return endpoints.svc ? true : undefined;
    });
    const outcomes = await traffic.stop();
    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
  });

  it('NATS stopped and restarted: traffic keeps flowing, and a new upstream is found by resync', async () => {
    const [g1, g2] = [await cluster.gateway('gateway-1'), await cluster.gateway('gateway-2')];
    const p1 = await cluster.proxy('proxy-1');
    await agent('svc', await service('svc'), g1);
    await waitFor('svc routable', async () => ((await get(p1, 'svc')).status === 200 ? true : undefined));

    const traffic = trafficLoop([p1], 'svc');
    await cluster.nats.stop();
    // Registered while the bus is down: only the periodic resync from Redis can tell the proxy.
    await agent('late', await service('late'), g2);
    await waitFor('late routable without NATS', async () => ((await get(p1, 'late')).status === 200 ? true : undefined));
    await cluster.nats.restart();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const outcomes = await traffic.stop();
    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
  });

  it('a gateway started while traffic flows receives upstreams by rebalancing', async () => {
    const rebalance = ['--upstream.rebalance.threshold', '0.2', '--upstream.rebalance.shed-rate', '0.5', '--upstream.rebalance.check-interval', '500ms', '--upstream.rebalance.min-conns', '2'];
    const g1 = await cluster.gateway('gateway-1', rebalance);
    const p1 = await cluster.proxy('proxy-1');
    const gateways = [g1];
    const balancer = new TcpBalancer(() => gateways.map((g) => g.port));
    const balancerPort = await balancer.listen();
    try {
      const port = await service('many');
      const config = join(tmpdir(), `piko-agent-${process.pid}.yaml`);
      writeFileSync(config, `listeners:\n${Array.from({ length: 8 }, () => `  - endpoint_id: many\n    addr: "${port}"\n    access_log: false\n`).join('')}`);
      const multi = ManagedProcess.start('agent x8', 'node', [PIKO_BIN, 'agent', 'start', '--config.path', config, '--connect.url', `http://127.0.0.1:${balancerPort}`, '--log.level', 'warn']);
      agents.push(multi);
      const upstreams = async (g: ClusterNode) => Number(/^piko_upstreams_connected_upstreams (\d+)$/m.exec(await (await fetch(`${g.opsUrl}/metrics`)).text())?.[1] ?? 0);
      await waitFor('8 upstreams on gateway-1', async () => ((await upstreams(g1)) === 8 ? true : undefined));

      const traffic = trafficLoop([p1], 'many');
      const g2 = await cluster.gateway('gateway-2', rebalance);
      gateways.push(g2);
      await waitFor('upstreams moved to gateway-2', async () => ((await upstreams(g2)) >= 3 ? true : undefined), 30_000);
      const outcomes = await traffic.stop();
      process.stdout.write(`rebalancing: gateway-1 ${await upstreams(g1)}, gateway-2 ${await upstreams(g2)} upstreams; ${outcomes.length} requests during it\n`);
      expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    } finally {
      await balancer.close();
    }
  });
});
