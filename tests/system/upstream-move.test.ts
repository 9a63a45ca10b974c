import { ManagedProcess, waitFor } from '@piko/testing';
import { TestCluster } from './support/cluster';
import { startAgent, startPikoServer } from './support/piko';
import { getOnNewConnection, loadOn } from './support/rollout';
import { TcpBalancer } from './support/tcp-balancer';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(180_000);

interface DisconnectResult {
  gateways: Array<{ node: string; acted: boolean; sessions: number }>;
}

/**
 * An agent moved between gateways again and again under load (go-away from the admin API's
 * disconnect, as a gateway's drain or rebalancing sends): each move has a gap where the old
 * gateway no longer takes the endpoint and the proxy may not yet know the new one, and a moment
 * where the agent retires its old session while the gateway may be routing a request down it.
 * Neither may cost a request: the go-away fence (Session.goAway) and the proxy's wait for the
 * routing table (proxy.reroute_timeout) cover them. Requests go on new connections from several
 * clients at once, so some are always in flight during each move.
 */
describe('an upstream moving between gateways under load', () => {
  let cluster: TestCluster;
  let agent: ManagedProcess | undefined;
  let service: UpstreamService | undefined;
  let balancer: TcpBalancer | undefined;

  beforeAll(async () => {
    cluster = await TestCluster.start(['--grace-period', '5s']);
  });

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await balancer?.close();
    await cluster.stop();
    await service?.close();
  });

  it('loses no request over ten moves', async () => {
    const [g1, g2] = [await cluster.gateway('gateway-1'), await cluster.gateway('gateway-2')];
    const proxy = await cluster.proxy('proxy-1');
    const admin = await cluster.admin('admin-1');
    // The gateways' Service: each (re)connection goes to the other gateway.
    balancer = new TcpBalancer(() => [g1.port, g2.port]);
    const balancerUrl = `http://127.0.0.1:${await balancer.listen()}`;
    service = new UpstreamService('moving');
    agent = await startAgent('http', 'moving', String(await service.listen()), balancerUrl, ['--access-log=false']);
    const send = () => getOnNewConnection(`${proxy.url}/`, { 'x-piko-endpoint': 'moving' });
    await waitFor('moving routable', async () => ((await send()) === 200 ? true : undefined), 30_000);

    const load = loadOn(6, send);
    const holders: string[] = [];
    for (let move = 0; move < 10; move++) {
      const res = await fetch(`${admin.url}/api/v1/endpoints/moving/disconnect`, { method: 'POST' });
      expect(res.status).toBe(200);
      const result = (await res.json()) as DisconnectResult;
      holders.push(result.gateways.filter((g) => g.acted).map((g) => g.node).join(','));
      // Let the agent reconnect and the old session go before the next move.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
    const statuses = await load.stop();

    const failed = statuses.filter((s) => s !== 200);
    // The failed statuses by count (0: the connection failed), so a failure says what kind it was.
    const byStatus = Object.fromEntries([...new Set(failed)].map((s) => [s, failed.filter((f) => f === s).length]));
    expect({ failed: failed.length, of: statuses.length, byStatus }).toEqual({ failed: 0, of: statuses.length, byStatus: {} });
    expect(statuses.length).toBeGreaterThan(100);
    // Every disconnect found the agent on one gateway, and it really moved between the two.
    expect(holders.every((h) => h.length > 0 && !h.includes(','))).toBe(true);
    expect(new Set(holders).size).toBe(2);
  });

  it('loses no request over ten reconnects to one piko server, whose proxy reuses streams (keep-alive)', async () => {
    const server = await startPikoServer();
    const svc = new UpstreamService('reconnecting');
    const port = await svc.listen();
    const local = await startAgent('http', 'reconnecting', String(port), server.upstreamUrl, ['--access-log=false']);
    try {
      const send = () => getOnNewConnection(`${server.proxyUrl}/`, { 'x-piko-endpoint': 'reconnecting' });
      await waitFor('reconnecting routable', async () => ((await send()) === 200 ? true : undefined), 30_000);
      const load = loadOn(6, send);
      for (let move = 0; move < 10; move++) {
        const res = await fetch(`${server.adminUrl}/api/v1/endpoints/reconnecting/disconnect`, { method: 'POST' });
        expect(res.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      }
      const statuses = await load.stop();
      const failed = statuses.filter((s) => s !== 200);
      expect({ failed: failed.length, of: statuses.length }).toEqual({ failed: 0, of: statuses.length });
      expect(statuses.length).toBeGreaterThan(100);
      // The agent really reconnected each time (a new session per go-away).
      const metrics = await (await fetch(`${server.adminUrl}/metrics`)).text();
      const connects = Number(/^piko_upstreams_connects_total\S* (\d+)/m.exec(metrics)?.[1] ?? 0);
      expect(connects).toBeGreaterThanOrEqual(11);
    } finally {
      await local.stop('SIGKILL');
      await server.process.stop('SIGKILL');
      await svc.close();
    }
  });
});
