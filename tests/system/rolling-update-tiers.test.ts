import { ManagedProcess, waitFor } from '@piko/testing';
import { type ClusterNode, TestCluster } from './support/cluster';
import { startAgent } from './support/piko';
import { getOnNewConnection, loadOn, rollingUpdate, ServiceOf } from './support/rollout';
import { UpstreamService } from './support/upstream-service';

// Every tier's rolling restart under load in a cluster run (real Redis, NATS and piko processes):
// each tier's pods sit behind a loopback "Service" whose endpoints lag behind readiness, as
// Kubernetes' do, and are replaced one at a time (maxSurge 1, maxUnavailable 0) while clients
// send requests on new connections through the proxies' Service. Each test prints and checks its
// count of failed requests (status other than 200, or a failed connection): 0.

jest.setTimeout(240_000);

/** How long a terminating pod stays in its Services after /ready turned 503 (below every shutdown_delay here). */
const ENDPOINTS_LAG_MS = 1_500;

function report(tier: string, statuses: number[]): number[] {
  const failed = statuses.filter((s) => s !== 200);
  process.stdout.write(`[rolling-update] ${tier}: ${failed.length} failed of ${statuses.length} requests\n`);
  return failed;
}

describe('rolling restart of every tier under load, 0 failed requests', () => {
  let cluster: TestCluster;
  const agents: ManagedProcess[] = [];
  const services: Array<UpstreamService | ServiceOf> = [];
  const loads: Array<ReturnType<typeof loadOn>> = [];

  /** loadOn, stopped by afterEach too when a test fails before stopping it. */
  function startLoad(workers: number, send: () => Promise<number>): ReturnType<typeof loadOn> {
    const l = loadOn(workers, send);
    loads.push(l);
    return l;
  }

  async function start(shutdownDelay: string): Promise<void> {
    cluster = await TestCluster.start(['--grace-period', '10s', '--shutdown-delay', shutdownDelay, '--cluster.resync-interval', '2s']);
  }

  async function service(name: string): Promise<string> {
    const s = new UpstreamService(name);
    services.push(s);
    return String(await s.listen());
  }

  async function serviceOf(port: (n: ClusterNode) => number, nodes: ClusterNode[]): Promise<ServiceOf> {
    const s = await new ServiceOf(port).listen();
    services.push(s);
    s.set(nodes);
    return s;
  }

  async function agent(endpointId: string, addr: string, url: string): Promise<void> {
    agents.push(await startAgent('http', endpointId, addr, url, ['--access-log=false']));
  }

  const viaProxy = (svc: ServiceOf, endpointId: string) => () => getOnNewConnection(`${svc.url}/`, { 'x-piko-endpoint': endpointId });

  async function routable(send: () => Promise<number>, what: string, timeoutMs = 20_000): Promise<void> {
    await waitFor(what, async () => ((await send()) === 200 ? true : undefined), timeoutMs);
  }

  afterEach(async () => {
    await Promise.all(loads.splice(0).map((l) => l.stop()));
    await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
    await cluster?.stop();
    await Promise.all(services.splice(0).map((s) => s.close()));
  });

  it('proxy tier: 2 proxies replaced one at a time', async () => {
    await start('3s');
    const gateway = await cluster.gateway('gateway');
    await agent('svc', await service('svc'), gateway.url);
    const proxies = [await cluster.proxy('proxy-1'), await cluster.proxy('proxy-2')];
    const proxySvc = await serviceOf((n) => n.port, proxies);
    await routable(viaProxy(proxySvc, 'svc'), 'svc routable');

    const traffic = startLoad(4, viaProxy(proxySvc, 'svc'));
    let n = 0;
    await rollingUpdate(proxies, { start: () => cluster.proxy(`proxy-new-${++n}`), services: [proxySvc], endpointsLagMs: ENDPOINTS_LAG_MS });
    const statuses = await traffic.stop();

    expect(report('proxy tier (2 proxies)', statuses)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(50);
  });

  it('gateway tier: 2 gateways replaced one at a time; agents reconnecting to a terminating gateway during its shutdown_delay are accepted, then moved', async () => {
    // Long enough for an agent process to start and register inside the delay on a loaded machine
    // (at load 35 on 2 cores, node took 8 s to start and 10 s ran out: the connect was refused).
    await start('20s');
    const gateways = [await cluster.gateway('gateway-1'), await cluster.gateway('gateway-2')];
    const gatewaySvc = await serviceOf((n) => n.port, gateways);
    const proxySvc = await serviceOf((n) => n.port, [await cluster.proxy('proxy-1'), await cluster.proxy('proxy-2')]);
    const svcAddr = await service('svc');
    // Two agents for the endpoint, one on each gateway (round-robin), as replicas of an app would be.
    await agent('svc', svcAddr, gatewaySvc.url);
    await agent('svc', svcAddr, gatewaySvc.url);
    await routable(viaProxy(proxySvc, 'svc'), 'svc routable');

    // The Service as a lagging kube-proxy sees it: only the terminating gateway.
    const lagging = await serviceOf((n) => n.port, []);
    const lateAddr = await service('late');
    const lateIds: string[] = [];
    const traffic = startLoad(4, viaProxy(proxySvc, 'svc'));
    let n = 0;
    await rollingUpdate(gateways, {
      start: () => cluster.gateway(`gateway-new-${++n}`),
      services: [gatewaySvc],
      endpointsLagMs: ENDPOINTS_LAG_MS,
      async whileTerminating(old) {
        // An agent (re)connecting now reaches the old gateway; it must be accepted and served.
        lagging.set([old]);
        const id = `late-${lateIds.length + 1}`;
        lateIds.push(id);
        await agent(id, lateAddr, lagging.url);
        await routable(viaProxy(proxySvc, id), `${id} routable through the terminating gateway`, 8_000);
        // From here its reconnects (after go-away) reach the gateways that stay.
        lagging.set(gatewaySvc.nodes.filter((g) => g !== old));
      },
    });
    // Every old gateway exited 0; the agents it held (svc's and the late ones) moved to the new ones.
    for (const id of lateIds) await routable(viaProxy(proxySvc, id), `${id} routable after the move`);
    const statuses = await traffic.stop();

    expect(report('gateway tier (2 gateways, 2 agents)', statuses)).toEqual([]);
    expect(lateIds).toEqual(['late-1', 'late-2']);
    expect(statuses.length).toBeGreaterThan(50);
  });

  it('admin tier: the admin replaced while its API is queried, and proxies keep serving', async () => {
    await start('3s');
    const gateway = await cluster.gateway('gateway');
    await agent('svc', await service('svc'), gateway.url);
    const proxySvc = await serviceOf((n) => n.port, [await cluster.proxy('proxy')]);
    const adminSvc = await serviceOf((n) => n.port, [await cluster.admin('admin-1')]);
    await routable(viaProxy(proxySvc, 'svc'), 'svc routable');

    const apiLoad = startLoad(2, () => getOnNewConnection(`${adminSvc.url}/api/v1/endpoints`));
    const proxyLoad = startLoad(2, viaProxy(proxySvc, 'svc'));
    await rollingUpdate(adminSvc.nodes, { start: () => cluster.admin('admin-new'), services: [adminSvc], endpointsLagMs: ENDPOINTS_LAG_MS });
    const [api, proxied] = [await apiLoad.stop(), await proxyLoad.stop()];

    expect(report('admin tier (admin API requests)', api)).toEqual([]);
    expect(report('admin tier (proxied requests meanwhile)', proxied)).toEqual([]);
    expect(api.length).toBeGreaterThan(20);
  });

  it('the same admin rollout without shutdown_delay (0, as Go Piko) fails requests: the measurement sees a loss', async () => {
    await start('0s');
    const adminSvc = await serviceOf((n) => n.port, [await cluster.admin('admin-1')]);
    const apiLoad = startLoad(2, () => getOnNewConnection(`${adminSvc.url}/api/v1/endpoints`));
    await rollingUpdate(adminSvc.nodes, { start: () => cluster.admin('admin-new'), services: [adminSvc], endpointsLagMs: ENDPOINTS_LAG_MS });
    const failed = report('admin tier without shutdown_delay (control)', await apiLoad.stop());
    expect(failed.length).toBeGreaterThan(0);
  });

  it('combined mode: 2 piko server nodes (proxy, gateway and admin in one process) replaced one at a time', async () => {
    await start('4s');
    const nodes = [await cluster.server('server-1'), await cluster.server('server-2')];
    const proxySvc = await serviceOf((n) => n.port, nodes);
    const upstreamSvc = await serviceOf((n) => n.upstreamPort ?? 0, nodes);
    const svcAddr = await service('svc');
    await agent('svc', svcAddr, upstreamSvc.url);
    await agent('svc', svcAddr, upstreamSvc.url);
    await routable(viaProxy(proxySvc, 'svc'), 'svc routable');
    for (const node of nodes) await routable(() => getOnNewConnection(`${node.url}/`, { 'x-piko-endpoint': 'svc' }), `svc routable through ${node.process.name}`);

    const traffic = startLoad(4, viaProxy(proxySvc, 'svc'));
    let n = 0;
    await rollingUpdate(nodes, { start: () => cluster.server(`server-new-${++n}`), services: [proxySvc, upstreamSvc], endpointsLagMs: ENDPOINTS_LAG_MS });
    const statuses = await traffic.stop();

    expect(report('combined mode (2 piko server nodes, 2 agents)', statuses)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(50);
  });
});
