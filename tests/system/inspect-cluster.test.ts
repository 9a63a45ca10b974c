import type { ExchangeListResponse, ExchangeRecord, InspectStateResponse, ReplayResponse } from '@piko/inspect';
import { type ManagedProcess, waitFor } from '@piko/testing';
import { type ClusterNode, TestCluster } from './support/cluster';
import { startAgent, waitForRoute } from './support/piko';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(180_000);

/**
 * Issue 11's cluster-wide view against real Redis and NATS: two proxies capture the same endpoint,
 * the admin node lists both proxies' captures in one answer, reads and replays each on the proxy
 * that holds it, switches capture on both, and names a proxy that does not answer.
 */
describe('traffic inspection across a cluster', () => {
  let cluster: TestCluster;
  let gateway: ClusterNode;
  let p1: ClusterNode;
  let p2: ClusterNode;
  let admin: ClusterNode;
  let service: UpstreamService;
  let agent: ManagedProcess;
  let api: string;

  beforeAll(async () => {
    // A 30 s lease: a proxy stopped with SIGSTOP stays in the registry (and is asked) while the test runs.
    cluster = await TestCluster.start(['--cluster.registry.lease-ttl', '30s', '--admin.api.request-timeout', '1500ms', '--cluster.resync-interval', '1s']);
    gateway = await cluster.gateway('gateway-1', ['--cluster.node-id', 'gw-1']);
    p1 = await cluster.proxy('proxy-1', ['--cluster.node-id', 'px-1', '--proxy.inspect.endpoints', 'shop']);
    p2 = await cluster.proxy('proxy-2', ['--cluster.node-id', 'px-2', '--proxy.inspect.endpoints', 'shop']);
    admin = await cluster.admin('admin');
    api = `${admin.url}/api/v1`;
    service = new UpstreamService('shop');
    agent = await startAgent('http', 'shop', String(await service.listen()), gateway.url);
    await waitForRoute(p1.url, 'shop', '/route-check');
    await waitForRoute(p2.url, 'shop', '/route-check');
  });

  afterAll(async () => {
    if (p2?.process.running && p2.process.pid) process.kill(p2.process.pid, 'SIGCONT');
    await agent?.stop('SIGKILL');
    await cluster?.stop();
    await service?.close();
  });

  async function json<T>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    const res = await fetch(url, { ...init, headers: init.body ? { 'content-type': 'application/json' } : {} });
    return { status: res.status, body: (await res.json()) as T };
  }

  it("lists both proxies' captures in one answer, and reads each from the proxy that holds it", async () => {
    await (await fetch(`${p1.url}/echo/via-p1`, { headers: { 'x-piko-endpoint': 'shop' } })).text();
    await (await fetch(`${p2.url}/echo/via-p2`, { headers: { 'x-piko-endpoint': 'shop' } })).text();
    const list = await waitFor('both captures', async () => {
      const { status, body } = await json<ExchangeListResponse>(`${api}/endpoints/shop/requests?path_prefix=/echo/via-`);
      expect(status).toBe(200);
      return body.requests.filter((e) => e.total_ms !== null).length === 2 ? body : undefined;
    }, 20_000);
    expect(list.unreachable_nodes).toEqual([]);
    expect(list.requests.map((e) => [e.proxy_node, e.gateway_node, e.target, e.status]).sort()).toEqual([
      ['px-1', 'gw-1', '/echo/via-p1', 200],
      ['px-2', 'gw-1', '/echo/via-p2', 200],
    ]);
    // Newest first across proxies.
    expect(list.requests[0].target).toBe('/echo/via-p2');
    for (const summary of list.requests) {
      const { status, body } = await json<ExchangeRecord>(`${api}/requests/${summary.id}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ id: summary.id, proxy_node: summary.proxy_node, target: summary.target });
      expect(body.id.startsWith(`${summary.proxy_node}.`)).toBe(true);
    }
    expect((await json(`${api}/requests/px-1.999999`)).status).toBe(404);
  });

  it('replays a capture on the proxy that captured it', async () => {
    const list = await json<ExchangeListResponse>(`${api}/endpoints/shop/requests?path_prefix=/echo/via-p2`);
    const original = list.body.requests[0];
    const { status, body } = await json<ReplayResponse>(`${api}/requests/${original.id}/replay`, { method: 'POST', body: '{}' });
    expect(status).toBe(201);
    expect(body.replay).toMatchObject({ proxy_node: 'px-2', replay_of: original.id, target: '/echo/via-p2', status: 200 });
  });

  it('switches capture on every proxy at run time', async () => {
    const off = await json<InspectStateResponse>(`${api}/endpoints/shop/inspect`, { method: 'PUT', body: '{"enabled":false}' });
    expect(off).toMatchObject({ status: 200, body: { enabled: false, source: 'runtime', unreachable_nodes: [] } });
    await (await fetch(`${p1.url}/echo/while-off`, { headers: { 'x-piko-endpoint': 'shop' } })).text();
    await (await fetch(`${p2.url}/echo/while-off`, { headers: { 'x-piko-endpoint': 'shop' } })).text();
    expect((await json<ExchangeListResponse>(`${api}/endpoints/shop/requests`)).body.requests).toEqual([]);
    const on = await json<InspectStateResponse>(`${api}/endpoints/shop/inspect`, { method: 'PUT', body: '{"enabled":true}' });
    expect(on.body.enabled).toBe(true);
    await (await fetch(`${p1.url}/echo/on-again`, { headers: { 'x-piko-endpoint': 'shop' } })).text();
    await (await fetch(`${p2.url}/echo/on-again`, { headers: { 'x-piko-endpoint': 'shop' } })).text();
    await waitFor('captures on both proxies again', async () => {
      const { body } = await json<ExchangeListResponse>(`${api}/endpoints/shop/requests?path_prefix=/echo/on-again`);
      return new Set(body.requests.map((e) => e.proxy_node)).size === 2 ? true : undefined;
    }, 20_000);
  });

  it('a proxy started after a runtime switch adopts it from the other proxies', async () => {
    const on = await json<InspectStateResponse>(`${api}/endpoints/later/inspect`, { method: 'PUT', body: '{"enabled":true}' });
    expect(on.body).toMatchObject({ enabled: true, unreachable_nodes: [] });
    // px-3 has no proxy.inspect.endpoints: only the switch held by px-1 and px-2 can make it capture.
    const p3 = await cluster.proxy('proxy-3', ['--cluster.node-id', 'px-3']);
    // No upstream for `later`: Piko's own 502, which is captured like any exchange.
    expect((await fetch(`${p3.url}/after-join`, { headers: { 'x-piko-endpoint': 'later' } })).status).toBe(502);
    await waitFor('the capture on the proxy started later', async () => {
      const { body } = await json<ExchangeListResponse>(`${api}/endpoints/later/requests?path_prefix=/after-join`);
      return body.requests.some((e) => e.proxy_node === 'px-3' && e.status === 502) ? true : undefined;
    }, 20_000);
    expect((await json<InspectStateResponse>(`${api}/endpoints/later/inspect`)).body).toMatchObject({ enabled: true, source: 'runtime' });
  });

  it('names a proxy that does not answer, and still lists the others', async () => {
    if (!p2.process.pid) throw new Error('proxy-2 has no pid');
    process.kill(p2.process.pid, 'SIGSTOP');
    try {
      const { status, body } = await json<ExchangeListResponse>(`${api}/endpoints/shop/requests`);
      expect(status).toBe(200);
      expect(body.unreachable_nodes).toEqual(['px-2']);
      expect(body.requests.length).toBeGreaterThan(0);
      expect(body.requests.every((e) => e.proxy_node === 'px-1')).toBe(true);
      const one = await json<{ error: string }>(`${api}/requests/px-2.1`);
      expect(one.status).toBe(503);
    } finally {
      process.kill(p2.process.pid, 'SIGCONT');
    }
  });
});
