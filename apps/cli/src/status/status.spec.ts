import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, StatusConfig } from '@piko/config';
import { AdminClient } from './admin-client';
import { age, renderTable } from './render-table';
import { runStatus, type StatusOutputStreams } from './run-status';
import { goStatusView, statusView, type StatusView } from './status-views';

/** A stand-in admin port answering fixed JSON per path, recording each request. */
async function fakeAdmin(routes: Record<string, (url: URL, req: IncomingMessage) => [number, unknown]>): Promise<{ url: string; requests: URL[]; server: Server }> {
  const requests: URL[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url);
    const route = routes[url.pathname];
    const [status, body] = route ? route(url, req) : [404, { error: 'not found', code: 'not_found' }];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

function capture(): StatusOutputStreams & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: { write: (t: string) => (io.stdout += t) },
    err: { write: (t: string) => (io.stderr += t) },
  };
  return io;
}

function config(argv: string[] = []): StatusConfig {
  return loadConfig(StatusConfig, { argv, env: {} }).config;
}

const node = (id: string, role: string, state: string) => ({
  id,
  role,
  state,
  addresses: role === 'gateway' ? { upstream: '10.0.0.1:8001', relay: '10.0.0.1:8003' } : {},
  version: '0.1.0',
  startedAt: new Date(Date.now() - 3_700_000).toISOString(),
  lastHeartbeatAt: new Date().toISOString(),
  counts: { endpoints: role === 'gateway' ? 2 : 0, upstreams: role === 'gateway' ? 3 : 0 },
  rates: role === 'proxy' ? { requestsPerSecond: 12.34, errorsPerSecond: 0 } : null,
});

describe('renderTable', () => {
  it('aligns every column to its widest cell, two spaces apart, the last unpadded', () => {
    expect(renderTable(['ID', 'N', 'NOTE'], [['a', '10', 'x'], ['long-id', '7', '']])).toBe('ID       N   NOTE\na        10  x\nlong-id  7\n');
  });

  it('says ages in the largest units that fit', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(age('2026-01-01T11:59:15Z', now)).toBe('45s');
    expect(age('2026-01-01T08:56:00Z', now)).toBe('3h4m');
    expect(age('2025-12-30T07:00:00Z', now)).toBe('2d5h');
    expect(age(null, now)).toBe('-');
  });
});

describe('piko status against an admin API', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  async function run(view: StatusView | string, argv: string[], routes: Parameters<typeof fakeAdmin>[0], token?: string) {
    const admin = await fakeAdmin(routes);
    servers.push(admin.server);
    const io = capture();
    if (typeof view === 'string') throw new Error(view);
    const code = await runStatus(view, new AdminClient({ url: admin.url, token, timeoutMs: 5_000 }), config(argv), io, new AbortController().signal, 'test');
    return { code, io, requests: admin.requests };
  }

  it('nodes: a table by default, the API JSON with -o json, YAML with -o yaml; --status filters', async () => {
    const nodes = { nodes: [node('gateway-a', 'gateway', 'active'), node('proxy-b', 'proxy', 'draining')] };
    const routes = { '/api/v1/nodes': () => [200, nodes] as [number, unknown] };
    const table = await run(statusView('nodes', undefined, config()), [], routes);
    expect(table.code).toBe(0);
    const lines = table.io.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+ROLE\s+STATE\s+VERSION\s+AGE\s+HEARTBEAT\s+ENDPOINTS\s+UPSTREAMS\s+REQUESTS\/S\s+ADDRESSES$/);
    expect(lines[1]).toMatch(/^gateway-a\s+gateway\s+active\s+0\.1\.0\s+1h1m\s+\d+s ago\s+2\s+3\s+-\s+upstream=10\.0\.0\.1:8001,relay=10\.0\.0\.1:8003$/);
    expect(lines[2]).toMatch(/^proxy-b\s+proxy\s+draining\s+.*\s+12\.3\s+-$/);
    // Columns line up: every row's STATE starts where the header's does.
    expect([lines[1].indexOf('active'), lines[2].indexOf('draining')]).toEqual([lines[0].indexOf('STATE'), lines[0].indexOf('STATE')]);

    const json = await run(statusView('nodes', undefined, config()), ['--output', 'json'], routes);
    expect(JSON.parse(json.io.stdout)).toEqual(nodes);
    const yaml = await run(statusView('nodes', undefined, config()), ['--output', 'yaml'], routes);
    expect(yaml.io.stdout).toMatch(/^nodes:\n {2}- id: gateway-a\n/);
    const draining = await run(statusView('nodes', undefined, config(['--status', 'draining'])), ['--output', 'json'], routes);
    expect((JSON.parse(draining.io.stdout) as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id)).toEqual(['proxy-b']);
  });

  it('endpoints: follows nextCursor until --limit, passing prefix and sort, and says when more exist', async () => {
    const ids = ['e1', 'e2', 'e3', 'e4', 'e5'];
    const routes = {
      '/api/v1/endpoints': (url: URL): [number, unknown] => {
        const start = Number(url.searchParams.get('cursor') ?? 0);
        const limit = Number(url.searchParams.get('limit'));
        const page = ids.slice(start, start + Math.min(limit, 2));
        const next = start + page.length < ids.length ? String(start + page.length) : null;
        return [200, { endpoints: page.map((id) => ({ id, upstreams: 1, gatewayCount: 1, requestsPerSecond: 0.04, errorsPerSecond: 0 })), nextCursor: next, total: ids.length }];
      },
    };
    const argv = ['--limit', '4', '--prefix', 'e', '--sort', 'requests'];
    const result = await run(statusView('endpoints', undefined, config(argv)), argv, routes);
    expect(result.io.stdout).toBe('ID  UPSTREAMS  GATEWAYS  REQUESTS/S  ERRORS/S\ne1  1          1         0           0\ne2  1          1         0           0\ne3  1          1         0           0\ne4  1          1         0           0\n(4 of 5; raise --limit for more)\n');
    expect(result.requests.map((u) => u.search)).toEqual(['?prefix=e&sort=requests&limit=4', '?prefix=e&sort=requests&limit=2&cursor=2']);
  });

  it('upstreams: gateways that did not answer are named on stderr; filters go to the API', async () => {
    const routes = {
      '/api/v1/upstreams': (): [number, unknown] => [
        200,
        {
          upstreams: [
            {
              id: 'u1',
              endpointId: 'web',
              node: 'gateway-a',
              remoteAddr: '10.1.1.1:5555',
              userAgent: 'piko-agent/0.1.0',
              agentVersion: '0.1.0',
              connectedAt: new Date().toISOString(),
              openStreams: 2,
              bytesIn: 2048,
              bytesOut: 100,
              requests: 40,
              retiring: false,
            },
          ],
          unreachable: [{ node: 'gateway-b', reason: 'timeout after 2000 ms' }],
        },
      ],
    };
    const argv = ['--endpoint', 'web', '--node', 'gateway-a'];
    const result = await run(statusView('upstreams', undefined, config(argv)), argv, routes);
    expect(result.io.stdout).toMatch(/^u1\s+web\s+gateway-a\s+10\.1\.1\.1:5555\s+piko 0\.1\.0\s+\d+s\s+2\s+40\s+2\.0KiB\s+100B\s+no$/m);
    expect(result.io.stderr).toBe('piko status: gateway-b did not answer (timeout after 2000 ms); what it holds is missing\n');
    expect(result.requests[0].search).toBe('?endpoint=web&node=gateway-a');
  });

  it("sends the token and reports the API's error in one line, exit 1", async () => {
    const routes = {
      '/api/v1/cluster': (_: URL, req: IncomingMessage): [number, unknown] =>
        req.headers.authorization === 'Bearer good' ? [200, {}] : [401, { error: 'invalid token', code: 'unauthorized' }],
    };
    const result = await run(statusView('cluster', undefined, config()), [], routes, 'bad');
    expect(result.code).toBe(1);
    expect(result.io.stderr).toBe('piko status: /api/v1/cluster: 401 invalid token\n');
    expect(result.io.stdout).toBe('');
  });

  it("says a rejected input's message once (the API's error is its details joined), and details that add to it after it", async () => {
    const bad = 'id must be a captured request ID: <proxy node ID>.<number>';
    const routes = {
      '/api/v1/cluster': (): [number, unknown] => [400, { error: bad, code: 'invalid_argument', details: [bad] }],
      '/api/v1/nodes': (): [number, unknown] => [409, { error: 'cannot drain', code: 'conflict', details: ['node is a proxy'] }],
    };
    const once = await run(statusView('cluster', undefined, config()), [], routes);
    expect(once.io.stderr).toBe(`piko status: /api/v1/cluster: 400 ${bad}\n`);
    const more = await run(statusView('nodes', undefined, config()), [], routes);
    expect(more.io.stderr).toBe('piko status: /api/v1/nodes: 409 cannot drain: node is a proxy\n');
  });

  it('an admin URL nobody listens on: one line naming it, exit 1', async () => {
    const admin = await fakeAdmin({});
    await new Promise((resolve) => admin.server.close(resolve));
    const io = capture();
    const code = await runStatus(statusView('cluster', undefined, config()) as StatusView, new AdminClient({ url: admin.url, timeoutMs: 5_000 }), config(), io, new AbortController().signal, 't');
    expect(code).toBe(1);
    expect(io.stderr).toBe(`piko status: cannot reach the admin API at ${admin.url}: ECONNREFUSED\n`);
  });

  it('--watch renders again until stopped', async () => {
    let served = 0;
    const admin = await fakeAdmin({ '/status/upstream/endpoints': (): [number, unknown] => [200, { web: ++served }] });
    servers.push(admin.server);
    const io = capture();
    const stop = new AbortController();
    const cfg = config(['--watch', '--watch-interval', '100ms']);
    const done = runStatus(goStatusView(['upstream', 'endpoints'], cfg) as StatusView, new AdminClient({ url: admin.url, timeoutMs: 5_000 }), cfg, io, stop.signal, 'piko server status upstream endpoints');
    while (served < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    stop.abort();
    expect(await done).toBe(0);
    expect(io.stdout).toMatch(/^Every 0\.1s: piko server status upstream endpoints {4}\S+\n\nENDPOINT {2}UPSTREAMS\nweb {7}1\n/);
    expect(io.stdout).toMatch(/\nweb {7}2\n/);
  });

  it("Go Piko's spelling: cluster nodes sorted by ID and filtered by --status, as Go prints them", async () => {
    const routes = {
      '/status/cluster/nodes': (): [number, unknown] => [
        200,
        [
          { id: 'z', status: 'active', proxy_addr: '', admin_addr: '', endpoints: 0, upstreams: 0 },
          { id: 'a', status: 'active', proxy_addr: '10.0.0.1:8000', admin_addr: '', endpoints: 1, upstreams: 2 },
          { id: 'm', status: 'draining', proxy_addr: '', admin_addr: '', endpoints: 0, upstreams: 0 },
        ],
      ],
    };
    const cfg = config(['--status', 'active', '--output', 'json']);
    const result = await run(goStatusView(['cluster', 'nodes'], cfg), ['--status', 'active', '--output', 'json'], routes);
    expect((JSON.parse(result.io.stdout) as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id)).toEqual(['a', 'z']);
    expect(goStatusView(['gossip', 'nodes'], cfg)).toMatch(/no counterpart/);
    expect(statusView('agents', undefined, cfg)).toMatch(/unknown view "agents"/);
  });
});
