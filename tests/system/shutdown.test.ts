import { ManagedProcess, waitFor } from '@piko/testing';
import { type ClusterNode, TestCluster } from './support/cluster';
import { startAgent } from './support/piko';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(120_000);

const GRACE_PERIOD_MS = 5_000;
// Room for a loaded, shared machine between the signal and the exit event, on top of grace_period.
const MARGIN_MS = 10_000;

/** Resolves with the exit, or with 'still running' once `boundMs` has passed. */
function exitWithin(node: ClusterNode, boundMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), boundMs)));
  return Promise.race([node.process.exited, bound]).finally(() => clearTimeout(timer));
}

describe('shutdown of cluster roles', () => {
  let cluster: TestCluster;
  const agents: ManagedProcess[] = [];
  const services: UpstreamService[] = [];

  beforeEach(async () => {
    cluster = await TestCluster.start(['--grace-period', `${GRACE_PERIOD_MS}ms`, '--cluster.resync-interval', '1s']);
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
    await cluster.stop();
    await Promise.all(services.splice(0).map((s) => s.close()));
  });

  it('with Redis and NATS gone, one SIGTERM ends gateway, proxy and admin (exit 0) within grace_period', async () => {
    const gateway = await cluster.gateway('gateway-1');
    const proxy = await cluster.proxy('proxy-1');
    const admin = await cluster.admin('admin');
    // A connected upstream, so the gateway has sessions to drain and the proxy a route and relay link.
    const service = new UpstreamService('svc');
    services.push(service);
    agents.push(await startAgent('http', 'svc', String(await service.listen()), gateway.url, ['--access-log=false']));
    await waitFor('svc routable', async () => {
      const res = await fetch(proxy.url, { headers: { 'x-piko-endpoint': 'svc' } }).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    });

    await Promise.all([cluster.redis.stop(), cluster.nats.stop()]);
    // Let every client notice the loss and start its reconnect timers.
    await waitFor('redis and nats reported down', async () => {
      for (const node of [gateway, proxy, admin]) {
        const body = (await (await fetch(`${node.opsUrl}/ready`)).json()) as { checks: Record<string, { ok: boolean }> };
        if (body.checks.redis?.ok !== false || body.checks.nats?.ok !== false) return undefined;
      }
      return true;
    });

    const nodes = [gateway, proxy, admin];
    for (const node of nodes) node.process.child.kill('SIGTERM');
    const exits = await Promise.all(nodes.map((node) => exitWithin(node, GRACE_PERIOD_MS + MARGIN_MS)));
    expect(exits).toEqual(nodes.map(() => ({ code: 0, signal: null })));
  });

  it('with Redis and NATS up, one SIGTERM ends every role (exit 0) within grace_period', async () => {
    const nodes = [await cluster.gateway('gateway-1'), await cluster.proxy('proxy-1'), await cluster.admin('admin')];
    for (const node of nodes) node.process.child.kill('SIGTERM');
    const exits = await Promise.all(nodes.map((node) => exitWithin(node, GRACE_PERIOD_MS + MARGIN_MS)));
    expect(exits).toEqual(nodes.map(() => ({ code: 0, signal: null })));
  });
});
