import { ManagedProcess, waitFor } from '@piko/testing';
import { type ClusterNode, TestCluster } from './support/cluster';
import { startAgent } from './support/piko';
import { getOnNewConnection as newConnectionGet, readyStatus } from './support/rollout';
import { TcpBalancer } from './support/tcp-balancer';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(120_000);

/** One request on a new connection (as kube-proxy forwards each new connection): its status, or 0 if it failed. */
function getOnNewConnection(node: ClusterNode, endpointId: string): Promise<number> {
  return newConnectionGet(`${node.url}/`, { 'x-piko-endpoint': endpointId });
}

describe('rolling update: a terminating proxy keeps accepting for shutdown_delay while not ready', () => {
  let cluster: TestCluster;
  const agents: ManagedProcess[] = [];
  const services: UpstreamService[] = [];

  beforeEach(async () => {
    cluster = await TestCluster.start(['--grace-period', '5s']);
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
    await cluster.stop();
    await Promise.all(services.splice(0).map((s) => s.close()));
  });

  async function routedEndpoint(proxies: ClusterNode[]): Promise<void> {
    const gateway = await cluster.gateway('gateway-1');
    const service = new UpstreamService('svc');
    services.push(service);
    agents.push(await startAgent('http', 'svc', String(await service.listen()), gateway.url, ['--access-log=false']));
    for (const proxy of proxies) await waitFor('svc routable', async () => ((await getOnNewConnection(proxy, 'svc')) === 200 ? true : undefined), 20_000);
  }

  it('requests sent to it during the delay (endpoints lag) all succeed while a second proxy takes over; then it exits 0', async () => {
    const old = await cluster.proxy('proxy-old', ['--shutdown-delay', '4s']);
    const replacement = await cluster.proxy('proxy-new');
    await routedEndpoint([old, replacement]);

    // The "Service": sends to the old proxy until the endpoints change reaches it, then to the new one.
    let target = old;
    let sending = true;
    const statuses: Array<{ to: string; status: number }> = [];
    const sender = (async () => {
      while (sending) statuses.push({ to: target === old ? 'old' : 'new', status: await getOnNewConnection(target, 'svc') });
    })();

    old.process.child.kill('SIGTERM');
    await waitFor('old proxy not ready', async () => ((await readyStatus(old)) === 503 ? true : undefined));
    // Endpoints lag: the old pod is not ready, yet traffic still reaches it for a while.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const sentToOldWhileNotReady = statuses.filter((s) => s.to === 'old').length;
    target = replacement;
    await new Promise((resolve) => setTimeout(resolve, 500));
    sending = false;
    await sender;

    expect(statuses.filter((s) => s.status !== 200)).toEqual([]);
    expect(sentToOldWhileNotReady).toBeGreaterThan(5);
    expect(statuses.filter((s) => s.to === 'new').length).toBeGreaterThan(0);
    expect(await old.process.exited).toEqual({ code: 0, signal: null });
  });

  it('without the delay (shutdown_delay 0, as Go Piko) the same lag loses requests: connections are refused once SIGTERM arrives', async () => {
    const old = await cluster.proxy('proxy-old');
    await routedEndpoint([old]);
    old.process.child.kill('SIGTERM');
    const statuses: number[] = [];
    let exited = false;
    void old.process.exited.then(() => (exited = true));
    while (!exited) statuses.push(await getOnNewConnection(old, 'svc'));
    expect(statuses).toContain(0);
  });

  it('a terminating gateway accepts agents still sent to it during the delay, then moves them with go-away; no request fails', async () => {
    // Long enough for an agent process to start and register on a loaded machine.
    const gOld = await cluster.gateway('gateway-old', ['--shutdown-delay', '15s']);
    const gNew = await cluster.gateway('gateway-new');
    const proxy = await cluster.proxy('proxy-1');
    // The gateways' Service: until the endpoints change lands, it still sends new agents to the old pod.
    let targets = [gOld.port];
    const balancer = new TcpBalancer(() => targets);
    const balancerUrl = `http://127.0.0.1:${await balancer.listen()}`;
    try {
      const [svc, late] = [new UpstreamService('svc'), new UpstreamService('late')];
      services.push(svc, late);
      const lateAddr = String(await late.listen());
      agents.push(await startAgent('http', 'svc', String(await svc.listen()), balancerUrl, ['--access-log=false']));
      await waitFor('svc routable', async () => ((await getOnNewConnection(proxy, 'svc')) === 200 ? true : undefined), 20_000);

      let sending = true;
      const statuses: number[] = [];
      const sender = (async () => {
        while (sending) statuses.push(await getOnNewConnection(proxy, 'svc'));
      })();

      gOld.process.child.kill('SIGTERM');
      await waitFor('old gateway not ready', async () => ((await readyStatus(gOld)) === 503 ? true : undefined));
      // An agent (re)connecting now reaches the old gateway: it must be accepted, not refused.
      agents.push(await startAgent('http', 'late', lateAddr, balancerUrl, ['--access-log=false']));
      await waitFor('late routable through the terminating gateway', async () => ((await getOnNewConnection(proxy, 'late')) === 200 ? true : undefined), 12_000);
      expect(gOld.process.running).toBe(true);
      targets = [gNew.port];

      expect(await gOld.process.exited).toEqual({ code: 0, signal: null });
      await waitFor('late routable after the move', async () => ((await getOnNewConnection(proxy, 'late')) === 200 ? true : undefined), 20_000);
      sending = false;
      await sender;
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect(statuses.length).toBeGreaterThan(20);
    } finally {
      await balancer.close();
    }
  });
});
