import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type ManagedProcess, waitFor } from '@piko/testing';
import { SignJWT } from 'jose';
import type {
  ActionResponse,
  ClusterResponse,
  EndpointDetailResponse,
  EndpointListResponse,
  GoNode,
  GoNodeMetadata,
  NodeDetailResponse,
  NodeListResponse,
  UpstreamListResponse,
} from '@piko/admin';
import { type ClusterNode, TestCluster } from './support/cluster';
import { curl } from './support/curl';
import { type PikoServer, startAgent, startPikoServer, waitForRoute } from './support/piko';
import { TcpBalancer } from './support/tcp-balancer';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(180_000);

// The admin API end to end (docs/admin-api.md): real redis-server and nats-server, two gateways
// behind a round-robin TCP balancer (what a Service is to agents), two proxies, one admin node,
// real `piko agent`s. Every answer is read with curl, as an operator would.

const VERSION = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const res = await curl([url]);
  return { status: res.status, body: JSON.parse(res.body) as T };
}

async function send<T>(method: 'POST' | 'DELETE', url: string, headers: string[] = []): Promise<{ status: number; body: T }> {
  const res = await curl(['-X', method, ...headers.flatMap((h) => ['-H', h]), url]);
  return { status: res.status, body: JSON.parse(res.body) as T };
}

/** Requests through a proxy until stopped; the statuses it got. */
function traffic(proxies: ClusterNode[], endpointId: string): { stop(): Promise<number[]> } {
  let running = true;
  const statuses: number[] = [];
  const loops = proxies.map(async (proxy) => {
    while (running) {
      const res = await curl(['-H', `x-piko-endpoint: ${endpointId}`, `${proxy.url}/`]).catch(() => ({ status: 0 }));
      statuses.push(res.status);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return statuses;
    },
  };
}

/** How many times the agent was told go-away so far (its log line). */
function goAways(agent: ManagedProcess): number {
  return agent.logs.split('\n').filter((line) => line.includes('"reason":"server sent go-away"')).length;
}

describe('admin API over a real cluster: two gateways, two proxies, real agents', () => {
  let cluster: TestCluster;
  let g1: ClusterNode;
  let g2: ClusterNode;
  let p1: ClusterNode;
  let p2: ClusterNode;
  let admin: ClusterNode;
  let balancer: TcpBalancer;
  const services: UpstreamService[] = [];
  const agents = new Map<string, ManagedProcess>();
  let api: string;

  beforeAll(async () => {
    // A 30 s lease: a gateway stopped with SIGSTOP stays in the registry (and is asked) while the test runs.
    cluster = await TestCluster.start([
      '--cluster.resync-interval', '1s',
      '--cluster.registry.lease-ttl', '30s',
      '--grace-period', '10s',
      '--admin.api.request-timeout', '1500ms',
      '--admin.api.stats-interval', '500ms',
    ]);
    g1 = await cluster.gateway('gateway-1', ['--cluster.node-id', 'gw-1']);
    g2 = await cluster.gateway('gateway-2', ['--cluster.node-id', 'gw-2']);
    p1 = await cluster.proxy('proxy-1', ['--cluster.node-id', 'px-1']);
    p2 = await cluster.proxy('proxy-2', ['--cluster.node-id', 'px-2']);
    admin = await cluster.admin('admin');
    api = `${admin.url}/api/v1`;
    balancer = new TcpBalancer(() => [g1.port, g2.port]);
    const lb = `http://127.0.0.1:${await balancer.listen()}`;
    // Round robin: alpha-1 → gw-1, alpha-2 → gw-2, beta → gw-1, team-a-x → gw-2, team-a-y → gw-1, broken → gw-2.
    for (const name of ['alpha-1', 'alpha-2', 'beta', 'team-a-x', 'team-a-y']) {
      const service = new UpstreamService(name);
      services.push(service);
      const endpointId = name.startsWith('alpha') ? 'alpha' : name;
      agents.set(name, await startAgent('http', endpointId, String(await service.listen()), lb, ['--access-log=false']));
    }
    // An endpoint whose service is down: its agent answers 502, which the proxies count as errors.
    agents.set('broken', await startAgent('http', 'broken', String(await freePort()), lb, ['--access-log=false']));
    await waitFor('every upstream registered', async () => {
      const counts = (await getJson<Record<string, number>>(`${admin.url}/status/upstream/endpoints`)).body;
      return counts.alpha === 2 && counts.beta === 1 && counts['team-a-x'] === 1 && counts['team-a-y'] === 1 && counts.broken === 1 ? true : undefined;
    });
  });

  afterAll(async () => {
    for (const node of cluster?.nodes ?? []) if (node.process.running && node.process.pid) process.kill(node.process.pid, 'SIGCONT');
    await Promise.all([...agents.values()].map((a) => a.stop('SIGKILL')));
    await cluster?.stop();
    await balancer?.close();
    await Promise.all(services.map((s) => s.close()));
  });

  it('GET /api/v1/nodes and /nodes/:id: every node with role, state, addresses, version, heartbeat and counts', async () => {
    const { status, body } = await getJson<NodeListResponse>(`${api}/nodes`);
    expect(status).toBe(200);
    expect(body.nodes.map((n) => [n.role, n.id.startsWith('admin-') ? 'admin' : n.id, n.state])).toEqual([
      ['admin', 'admin', 'active'],
      ['gateway', 'gw-1', 'active'],
      ['gateway', 'gw-2', 'active'],
      ['proxy', 'px-1', 'active'],
      ['proxy', 'px-2', 'active'],
    ]);
    for (const node of body.nodes) {
      expect(node.version).toBe(VERSION);
      expect(Date.parse(node.startedAt)).toBeLessThanOrEqual(Date.now());
      // Derived from the lease's remaining TTL (ms precision): after the start, within a heartbeat or two.
      expect(Date.parse(node.lastHeartbeatAt ?? '')).toBeGreaterThanOrEqual(Date.parse(node.startedAt) - 50);
      expect(Date.now() - Date.parse(node.lastHeartbeatAt ?? '')).toBeLessThan(10_000);
    }
    const gw1 = body.nodes.find((n) => n.id === 'gw-1');
    expect(gw1?.addresses).toEqual({ upstream: `127.0.0.1:${g1.port}`, relay: `127.0.0.1:${g1.relayPort}` });
    expect(body.nodes.find((n) => n.id === 'px-1')?.addresses).toEqual({ proxy: `127.0.0.1:${p1.port}` });
    expect(gw1?.counts).toEqual({ endpoints: 3, upstreams: 3 });
    expect(body.nodes.find((n) => n.id === 'gw-2')?.counts).toEqual({ endpoints: 3, upstreams: 3 });

    const detail = await getJson<NodeDetailResponse>(`${api}/nodes/gw-2`);
    expect(detail.status).toBe(200);
    expect(detail.body.endpoints).toEqual({ alpha: 1, broken: 1, 'team-a-x': 1 });
    expect(await getJson(`${api}/nodes/no-such-node`)).toEqual({ status: 404, body: { error: 'no node no-such-node', code: 'not_found' } });
  });

  it('GET /api/v1/cluster: node counts by role and state, endpoints, upstreams', async () => {
    const { body } = await getJson<ClusterResponse>(`${api}/cluster`);
    expect(body.nodes).toEqual({
      total: 5,
      byRole: { proxy: { active: 2, draining: 0, left: 0 }, gateway: { active: 2, draining: 0, left: 0 }, admin: { active: 1, draining: 0, left: 0 } },
    });
    expect(body.endpoints).toBe(5);
    expect(body.upstreams).toBe(6);
    expect(body.unreachable).toEqual([]);
  });

  it('request and error rates per endpoint, from the proxies, while traffic flows', async () => {
    const good = traffic([p1, p2], 'beta');
    const bad = traffic([p1], 'broken');
    try {
      const rates = await waitFor('rates for beta and broken', async () => {
        const beta = (await getJson<EndpointDetailResponse>(`${api}/endpoints/beta`)).body;
        const broken = (await getJson<EndpointDetailResponse>(`${api}/endpoints/broken`)).body;
        const nodes = (await getJson<NodeListResponse>(`${api}/nodes`)).body.nodes;
        const proxyRates = nodes.filter((n) => n.role === 'proxy').map((n) => n.rates?.requestsPerSecond ?? 0);
        return beta.requestsPerSecond > 0 && broken.errorsPerSecond > 0 && proxyRates.every((r) => r > 0) ? { beta, broken } : undefined;
      });
      expect(rates.beta.errorsPerSecond).toBe(0);
      expect(rates.broken.errorsPerSecond).toBe(rates.broken.requestsPerSecond);
      const cluster = (await getJson<ClusterResponse>(`${api}/cluster`)).body;
      expect(cluster.rates.requestsPerSecond).toBeGreaterThan(0);
      expect(cluster.rates.errorsPerSecond).toBeGreaterThan(0);
    } finally {
      expect(new Set(await good.stop())).toEqual(new Set([200]));
      expect(new Set(await bad.stop())).toEqual(new Set([502]));
    }
  });

  it('GET /api/v1/endpoints: prefix filter, sorting, cursor pagination through every page', async () => {
    const all = (await getJson<EndpointListResponse>(`${api}/endpoints`)).body;
    expect(all.endpoints.map((e) => e.id)).toEqual(['alpha', 'beta', 'broken', 'team-a-x', 'team-a-y']);
    expect(all.endpoints[0]).toMatchObject({ id: 'alpha', upstreams: 2, gatewayCount: 2 });
    expect(all.nextCursor).toBeNull();
    expect(all.total).toBe(5);

    const team = (await getJson<EndpointListResponse>(`${api}/endpoints?prefix=team-a-`)).body;
    expect(team.endpoints.map((e) => e.id)).toEqual(['team-a-x', 'team-a-y']);
    expect(team.total).toBe(2);

    const byUpstreams = (await getJson<EndpointListResponse>(`${api}/endpoints?sort=upstreams`)).body;
    expect(byUpstreams.endpoints.map((e) => e.id)).toEqual(['alpha', 'beta', 'broken', 'team-a-x', 'team-a-y']);
    const byIdDesc = (await getJson<EndpointListResponse>(`${api}/endpoints?order=desc`)).body;
    expect(byIdDesc.endpoints.map((e) => e.id)).toEqual(['team-a-y', 'team-a-x', 'broken', 'beta', 'alpha']);

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: EndpointListResponse = (await getJson<EndpointListResponse>(`${api}/endpoints?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body;
      expect(page.total).toBe(5);
      pages.push(page.endpoints.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toEqual([['alpha', 'beta'], ['broken', 'team-a-x'], ['team-a-y']]);
  });

  it('GET /api/v1/endpoints/:id: its gateways and upstream counts; 404 for an unknown one', async () => {
    const { status, body } = await getJson<EndpointDetailResponse>(`${api}/endpoints/alpha`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 'alpha', upstreams: 2, gatewayCount: 2 });
    expect(body.gateways).toEqual([
      { node: 'gw-1', state: 'active', upstreams: 1 },
      { node: 'gw-2', state: 'active', upstreams: 1 },
    ]);
    expect(await getJson(`${api}/endpoints/nobody`)).toEqual({ status: 404, body: { error: 'no endpoint nobody', code: 'not_found' } });
  });

  it('GET /api/v1/upstreams: every live session from every gateway, filtered by endpoint and node', async () => {
    const beforeTraffic = (await getJson<UpstreamListResponse>(`${api}/upstreams?endpoint=team-a-x`)).body.upstreams[0];
    const sent = traffic([p1], 'team-a-x');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const statuses = await sent.stop();

    const { status, body } = await getJson<UpstreamListResponse>(`${api}/upstreams`);
    expect(status).toBe(200);
    expect(body.unreachable).toEqual([]);
    expect(body.upstreams.map((u) => [u.endpointId, u.node])).toEqual([
      ['alpha', 'gw-1'],
      ['alpha', 'gw-2'],
      ['beta', 'gw-1'],
      ['broken', 'gw-2'],
      ['team-a-x', 'gw-2'],
      ['team-a-y', 'gw-1'],
    ]);
    for (const upstream of body.upstreams) {
      expect(upstream.userAgent).toBe(`piko-agent/${VERSION}`);
      expect(upstream.agentVersion).toBe(VERSION);
      expect(upstream.remoteAddr).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(upstream.retiring).toBe(false);
      expect(Date.parse(upstream.connectedAt)).toBeLessThanOrEqual(Date.now());
    }
    const teamX = body.upstreams.find((u) => u.endpointId === 'team-a-x');
    // Every request the proxy got through is counted on the session, and bytes both ways.
    expect(teamX?.id).toBe(beforeTraffic.id);
    expect(teamX!.requests - beforeTraffic.requests).toBe(statuses.filter((s) => s === 200).length);
    expect(teamX!.bytesIn).toBeGreaterThan(beforeTraffic.bytesIn);
    expect(teamX!.bytesOut).toBeGreaterThan(beforeTraffic.bytesOut);
    // One loop of sequential requests: the proxy keeps one relay stream, and the gateway the one
    // upstream stream it is bound to (kept relay streams), open between requests; never more.
    expect(teamX!.openStreams).toBeLessThanOrEqual(1);

    const alpha = (await getJson<UpstreamListResponse>(`${api}/upstreams?endpoint=alpha`)).body.upstreams;
    expect(alpha.map((u) => u.node)).toEqual(['gw-1', 'gw-2']);
    const onG2 = (await getJson<UpstreamListResponse>(`${api}/upstreams?node=gw-2`)).body.upstreams;
    expect(onG2.map((u) => u.endpointId)).toEqual(['alpha', 'broken', 'team-a-x']);
  });

  it('invalid input: 400 with a clear message and code; unknown parameters refused', async () => {
    const cases: Array<[string, string]> = [
      [`${api}/endpoints?limit=0`, 'limit must not be less than 1'],
      [`${api}/endpoints?limit=5000`, 'limit must not be greater than 1000'],
      [`${api}/endpoints?limit=ten`, 'limit must be an integer'],
      [`${api}/endpoints?sort=size`, 'sort must be one of id, upstreams, gateways, requests, errors'],
      [`${api}/endpoints?colour=red`, 'property colour should not exist'],
      [`${api}/endpoints?prefix=a%20b`, 'prefix must be the start of an endpoint ID: up to 256 of A-Z a-z 0-9 . _ ~ -'],
      [`${api}/endpoints?cursor=not-a-cursor`, 'cursor is not valid: pass back a nextCursor as it was given'],
      [`${api}/endpoints/bad%20id`, 'id must be an endpoint ID: 1 to 256 of A-Z a-z 0-9 . _ ~ -'],
      [`${api}/upstreams?endpoint=a/b`, 'endpoint must be an endpoint ID: 1 to 256 of A-Z a-z 0-9 . _ ~ -'],
      // Routes without query parameters refuse any, rather than ignoring a typo such as ?sate=.
      [`${api}/cluster?x=1`, 'property x should not exist'],
      [`${api}/nodes?state=active`, 'property state should not exist'],
      [`${api}/nodes/gw-1?x=1`, 'property x should not exist'],
      [`${api}/endpoints/alpha?x=1`, 'property x should not exist'],
    ];
    for (const [url, message] of cases) {
      const { status, body } = await getJson<{ error: string; code: string }>(url);
      expect([url, status, body.code, body.error]).toEqual([url, 400, 'invalid_argument', message]);
    }
    const first = (await getJson<EndpointListResponse>(`${api}/endpoints?limit=1`)).body;
    const other = await getJson<{ error: string }>(`${api}/endpoints?limit=1&sort=upstreams&cursor=${first.nextCursor}`);
    expect(other).toEqual({ status: 400, body: expect.objectContaining({ error: expect.stringContaining('cursor belongs to another query') }) });
    const uuid = await send<{ error: string }>('DELETE', `${api}/upstreams/not-a-uuid`);
    expect(uuid.status).toBe(400);
    expect(uuid.body.error).toBe('id must be an upstream session ID (a UUID, as GET /api/v1/upstreams lists)');
    expect((await getJson(`${admin.url}/api/v2/nothing`)).body).toEqual({ error: 'not found', code: 'not_found' });
  });

  it("Go Piko's status paths: /status/cluster/nodes, /status/cluster/nodes/:id and /local, /status/upstream/endpoints", async () => {
    const nodes = (await getJson<GoNodeMetadata[]>(`${admin.url}/status/cluster/nodes`)).body;
    expect(nodes.find((n) => n.id === 'gw-1')).toEqual({ id: 'gw-1', status: 'active', proxy_addr: '', admin_addr: '', endpoints: 3, upstreams: 3 });
    expect(nodes.find((n) => n.id === 'px-2')).toEqual({ id: 'px-2', status: 'active', proxy_addr: `127.0.0.1:${p2.port}`, admin_addr: '', endpoints: 0, upstreams: 0 });
    expect(nodes).toHaveLength(5);
    const gw2 = (await getJson<GoNode>(`${admin.url}/status/cluster/nodes/gw-2`)).body;
    expect(gw2).toEqual({ id: 'gw-2', status: 'active', proxy_addr: '', admin_addr: '', endpoints: { alpha: 1, broken: 1, 'team-a-x': 1 } });
    const local = (await getJson<GoNode>(`${admin.url}/status/cluster/nodes/local`)).body;
    expect(local).toEqual({ id: expect.stringMatching(/^admin-/), status: 'active', proxy_addr: '', admin_addr: `127.0.0.1:${admin.port}` });
    expect((await getJson(`${admin.url}/status/cluster/nodes/nope`)).status).toBe(404);
    expect((await getJson(`${admin.url}/status/upstream/endpoints`)).body).toEqual({ alpha: 2, beta: 1, broken: 1, 'team-a-x': 1, 'team-a-y': 1 });
  });

  it('OpenAPI document and a docs page served from the admin port itself; no X-Powered-By', async () => {
    const doc = (await getJson<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(`${api}/openapi.json`)).body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/cluster',
      '/api/v1/endpoints',
      '/api/v1/endpoints/{id}',
      '/api/v1/endpoints/{id}/disconnect',
      // Traffic inspection (docs/admin-api.md "Traffic inspection").
      '/api/v1/endpoints/{id}/inspect',
      '/api/v1/endpoints/{id}/requests',
      // The status page's live channel (server-sent events; its page files are left out).
      '/api/v1/events',
      '/api/v1/nodes',
      '/api/v1/nodes/{id}',
      '/api/v1/nodes/{id}/drain',
      '/api/v1/requests/{id}',
      '/api/v1/requests/{id}/replay',
      '/api/v1/upstreams',
      '/api/v1/upstreams/{id}',
      '/status/cluster/nodes',
      '/status/cluster/nodes/{id}',
      '/status/upstream/endpoints',
    ]);
    const page = await curl(['-i', `${api}/docs`]);
    expect(page.status).toBe(200);
    expect(page.body).not.toMatch(/^x-powered-by:/im);
    // Every script and stylesheet the page loads is served here (relative URLs), and answers.
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const res = await curl(['-o', '/dev/null', new URL(asset, `${api}/docs`).toString()]);
      expect([asset, res.status]).toEqual([asset, 200]);
    }
    const init = await curl([`${api}/docs/swagger-ui-init.js`]);
    expect(init.body).toContain('"validatorUrl": null');
  });

  it('DELETE /api/v1/upstreams/:id: go-away to that one session; its agent reconnects', async () => {
    const agent = agents.get('beta')!;
    const [session] = (await getJson<UpstreamListResponse>(`${api}/upstreams?endpoint=beta`)).body.upstreams;
    const before = goAways(agent);
    const { status, body } = await send<ActionResponse>('DELETE', `${api}/upstreams/${session.id}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      action: 'disconnect-upstream',
      target: session.id,
      gateways: [
        { node: 'gw-1', acted: session.node === 'gw-1', sessions: session.node === 'gw-1' ? 1 : 0 },
        { node: 'gw-2', acted: session.node === 'gw-2', sessions: session.node === 'gw-2' ? 1 : 0 },
      ],
      unreachable: [],
    });
    await waitFor('the agent told go-away', () => (goAways(agent) === before + 1 ? true : undefined));
    const replaced = await waitFor('a new session for beta', async () => {
      const list = (await getJson<UpstreamListResponse>(`${api}/upstreams?endpoint=beta`)).body.upstreams;
      return list.length === 1 && list[0].id !== session.id ? list[0] : undefined;
    });
    expect(replaced.retiring).toBe(false);
    // The other agents were left alone.
    expect(goAways(agents.get('team-a-y')!)).toBe(0);
    expect((await send('DELETE', `${api}/upstreams/${session.id}`)).status).toBe(404);
  });

  it('POST /api/v1/endpoints/:id/disconnect: go-away to every session of the endpoint, on both gateways', async () => {
    const [a1, a2] = [agents.get('alpha-1')!, agents.get('alpha-2')!];
    const before = [goAways(a1), goAways(a2)];
    const { status, body } = await send<ActionResponse>('POST', `${api}/endpoints/alpha/disconnect`);
    expect(status).toBe(200);
    expect(body).toEqual({
      action: 'disconnect-endpoint',
      target: 'alpha',
      gateways: [
        { node: 'gw-1', acted: true, sessions: 1 },
        { node: 'gw-2', acted: true, sessions: 1 },
      ],
      unreachable: [],
    });
    await waitFor('both alpha agents told go-away', () => (goAways(a1) === before[0] + 1 && goAways(a2) === before[1] + 1 ? true : undefined));
    await waitFor('alpha back with two sessions', async () => {
      const list = (await getJson<UpstreamListResponse>(`${api}/upstreams?endpoint=alpha`)).body.upstreams;
      return list.length === 2 && list.every((u) => !u.retiring) ? true : undefined;
    });
    expect(goAways(agents.get('team-a-x')!)).toBe(0);
    expect((await send('POST', `${api}/endpoints/nobody/disconnect`)).status).toBe(404);
  });

  it('POST /api/v1/nodes/:id/drain: the gateway drains, its agents move to the other one; proxies cannot be drained', async () => {
    expect(await send('POST', `${api}/nodes/px-1/drain`)).toEqual({ status: 409, body: { error: 'px-1 is a proxy: only gateways can be drained', code: 'conflict' } });
    expect((await send('POST', `${api}/nodes/nobody/drain`)).status).toBe(404);
    const onG1 = (await getJson<UpstreamListResponse>(`${api}/upstreams?node=gw-1`)).body.upstreams;
    expect(onG1.length).toBeGreaterThan(0);
    const totalGoAways = () => [...agents.values()].reduce((sum, a) => sum + goAways(a), 0);
    const before = totalGoAways();
    const { status, body } = await send<ActionResponse>('POST', `${api}/nodes/gw-1/drain`);
    expect(status).toBe(200);
    expect(body).toEqual({ action: 'drain', target: 'gw-1', gateways: [{ node: 'gw-1', acted: true, sessions: onG1.length }], unreachable: [] });
    expect((await getJson<NodeDetailResponse>(`${api}/nodes/gw-1`)).body.state).toBe('draining');
    expect((await curl([`${g1.opsUrl}/ready`])).status).toBe(503);
    // The agents reconnect through the balancer: gw-1 refuses them (503), gw-2 takes them all.
    await waitFor('every session on gw-2', async () => {
      const list = (await getJson<UpstreamListResponse>(`${api}/upstreams`)).body.upstreams;
      return list.length === 6 && list.every((u) => u.node === 'gw-2') ? true : undefined;
    }, 30_000);
    // Each agent that was on gw-1 was told go-away once (seen in its own log), no other.
    expect(totalGoAways()).toBe(before + onG1.length);
    const counts = (await getJson<ClusterResponse>(`${api}/cluster`)).body.nodes.byRole.gateway;
    expect(counts).toEqual({ active: 1, draining: 1, left: 0 });
    // Traffic still flows, all of it through gw-2.
    const res = await curl(['-H', 'x-piko-endpoint: beta', `${p2.url}/`]);
    expect(res.status).toBe(200);
  });

  it('a gateway that does not answer within admin.api.request_timeout is listed as unreachable, not left out', async () => {
    const pid = g2.process.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      const { status, body } = await getJson<UpstreamListResponse>(`${api}/upstreams`);
      expect(status).toBe(200);
      expect(body.unreachable).toEqual([{ node: 'gw-2', reason: 'timeout after 1500 ms' }]);
      // gw-1 answered (drained, with no sessions left).
      expect(body.upstreams).toEqual([]);
      const action = await send<ActionResponse>('POST', `${api}/endpoints/beta/disconnect`);
      expect(action.status).toBe(200);
      expect(action.body.gateways).toEqual([{ node: 'gw-1', acted: false, sessions: 0 }]);
      expect(action.body.unreachable).toEqual([{ node: 'gw-2', reason: 'timeout after 1500 ms' }]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor('gw-2 answering again', async () => {
      const body = (await getJson<UpstreamListResponse>(`${api}/upstreams`)).body;
      return body.unreachable.length === 0 && body.upstreams.length > 0 ? true : undefined;
    });
  });

  it('a node that leaves is listed as left', async () => {
    await g1.process.stop('SIGTERM');
    const left = await waitFor('gw-1 listed as left', async () => {
      const node = (await getJson<NodeListResponse>(`${api}/nodes`)).body.nodes.find((n) => n.id === 'gw-1');
      return node?.state === 'left' ? node : undefined;
    }, 30_000);
    expect(left.counts).toEqual({ endpoints: 0, upstreams: 0 });
    expect((await getJson<ClusterResponse>(`${api}/cluster`)).body.nodes.byRole.gateway).toEqual({ active: 1, draining: 0, left: 1 });
    expect((await getJson<GoNodeMetadata[]>(`${admin.url}/status/cluster/nodes`)).body.find((n) => n.id === 'gw-1')?.status).toBe('left');
    expect((await send('POST', `${api}/nodes/gw-1/drain`)).status).toBe(404);
  });
});

describe('admin API in one process (piko server, in-memory bus), with admin.api.public_read', () => {
  const ADMIN_KEY = 'admin-api-test-key-0123456789abcdef';
  let server: PikoServer;
  let service: UpstreamService;
  let agent: ManagedProcess;
  let token: string;
  let api: string;

  beforeAll(async () => {
    token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(ADMIN_KEY));
    server = await startPikoServer([
      '--admin.auth.hmac-secret-key', ADMIN_KEY,
      '--admin.api.public-read',
      '--admin.api.stats-interval', '500ms',
      '--grace-period', '5s',
    ]);
    api = `${server.adminUrl}/api/v1`;
    service = new UpstreamService('solo');
    agent = await startAgent('http', 'solo', String(await service.listen()), server.upstreamUrl, ['--access-log=false']);
    await waitForRoute(server.proxyUrl, 'solo');
  });

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await server?.process.stop();
    await service?.close();
  });

  it('reads without a token: the one node, its session and its request rate, answered by the local gateway and proxy', async () => {
    const nodes = (await getJson<NodeListResponse>(`${api}/nodes`)).body.nodes;
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({
      id: 'local',
      role: 'gateway',
      state: 'active',
      version: VERSION,
      addresses: { proxy: `127.0.0.1:${server.proxyPort}`, upstream: `127.0.0.1:${server.upstreamPort}`, admin: `127.0.0.1:${server.adminPort}` },
      counts: { endpoints: 1, upstreams: 1 },
    });
    const upstreams = (await getJson<UpstreamListResponse>(`${api}/upstreams`)).body;
    expect(upstreams.unreachable).toEqual([]);
    expect(upstreams.upstreams).toEqual([expect.objectContaining({ endpointId: 'solo', node: 'local', agentVersion: VERSION, retiring: false })]);

    const sent = traffic([{ url: server.proxyUrl } as ClusterNode], 'solo');
    try {
      await waitFor('a request rate on the node and the endpoint', async () => {
        const node = (await getJson<NodeDetailResponse>(`${api}/nodes/local`)).body;
        const endpoint = (await getJson<EndpointDetailResponse>(`${api}/endpoints/solo`)).body;
        return (node.rates?.requestsPerSecond ?? 0) > 0 && endpoint.requestsPerSecond > 0 ? true : undefined;
      });
    } finally {
      expect(new Set(await sent.stop())).toEqual(new Set([200]));
    }
    expect((await getJson<GoNode>(`${server.adminUrl}/status/cluster/nodes/local`)).body).toEqual({
      id: 'local',
      status: 'active',
      proxy_addr: `127.0.0.1:${server.proxyPort}`,
      admin_addr: `127.0.0.1:${server.adminPort}`,
      endpoints: { solo: 1 },
    });
    expect((await getJson(`${server.adminUrl}/status/upstream/endpoints`)).body).toEqual({ solo: 1 });
    expect((await getJson(`${api}/openapi.json`)).status).toBe(200);
  });

  it('actions and /metrics still need the token', async () => {
    const [session] = (await getJson<UpstreamListResponse>(`${api}/upstreams`)).body.upstreams;
    expect(await send('DELETE', `${api}/upstreams/${session.id}`)).toEqual({ status: 401, body: { error: 'missing authorization' } });
    expect(await send('POST', `${api}/nodes/local/drain`)).toEqual({ status: 401, body: { error: 'missing authorization' } });
    expect((await curl([`${server.adminUrl}/metrics`])).status).toBe(401);
    expect(goAways(agent)).toBe(0);

    const done = await send<ActionResponse>('DELETE', `${api}/upstreams/${session.id}`, [`Authorization: Bearer ${token}`]);
    expect(done).toEqual({ status: 200, body: { action: 'disconnect-upstream', target: session.id, gateways: [{ node: 'local', acted: true, sessions: 1 }], unreachable: [] } });
    await waitFor('the agent told go-away and back', async () => {
      const list = (await getJson<UpstreamListResponse>(`${api}/upstreams`)).body.upstreams;
      return goAways(agent) === 1 && list.length === 1 && list[0].id !== session.id ? true : undefined;
    });
  });

  it('drain: the node refuses new upstreams, so its agent cannot come back until it restarts', async () => {
    const drained = await send<ActionResponse>('POST', `${api}/nodes/local/drain`, [`Authorization: Bearer ${token}`]);
    expect(drained).toEqual({ status: 200, body: { action: 'drain', target: 'local', gateways: [{ node: 'local', acted: true, sessions: 1 }], unreachable: [] } });
    await agent.waitForOutput(/503: gateway is shutting down/, 15_000);
    expect(goAways(agent)).toBe(2);
    expect((await getJson<NodeDetailResponse>(`${api}/nodes/local`)).body.state).toBe('draining');
    expect((await curl([`${server.adminUrl}/ready`])).status).toBe(503);
  });
});
