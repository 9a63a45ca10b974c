import { execFile } from 'node:child_process';
import { SignJWT } from 'jose';
import { ManagedProcess, waitFor } from '@piko/testing';
import { type ClusterNode, TestCluster } from './support/cluster';
import { PIKO_BIN, type PikoServer, startAgent, startPikoServer, waitForRoute } from './support/piko';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(120_000);

const ADMIN_KEY = 'status-cli-test-admin-key';

/** Runs the built `piko` with `args`; resolves its exit code, stdout and stderr. */
function piko(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [PIKO_BIN, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The rows of an aligned table, split on its column gaps (two or more spaces). */
function rows(table: string): string[][] {
  return table
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/ {2,}/));
}

describe('piko status against a real cluster (NATS, Redis, two gateways, a proxy, admin; admin.auth on)', () => {
  let cluster: TestCluster;
  let gateways: ClusterNode[];
  let proxy: ClusterNode;
  let admin: ClusterNode;
  let token: string;
  const services: UpstreamService[] = [];
  const agents: ManagedProcess[] = [];

  async function agent(endpointId: string, gateway: ClusterNode): Promise<void> {
    const service = new UpstreamService(endpointId);
    services.push(service);
    agents.push(await startAgent('http', endpointId, String(await service.listen()), gateway.url));
  }

  beforeAll(async () => {
    cluster = await TestCluster.start(['--cluster.resync-interval', '1s', '--admin.auth.hmac-secret-key', ADMIN_KEY]);
    gateways = [await cluster.gateway('gateway-1'), await cluster.gateway('gateway-2')];
    proxy = await cluster.proxy('proxy');
    admin = await cluster.admin('admin');
    token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('10m').sign(new TextEncoder().encode(ADMIN_KEY));
    await agent('status-a', gateways[0]);
    await agent('status-a', gateways[1]);
    await agent('status-b', gateways[1]);
    await waitForRoute(proxy.url, 'status-a');
    await waitForRoute(proxy.url, 'status-b');
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cluster?.stop();
    await Promise.all(services.map((s) => s.close()));
  });

  const withToken = () => ({ PIKO_ADMIN_TOKEN: token });

  it('refuses without the token: one line with the API error, exit 1', async () => {
    const result = await piko(['status', 'nodes', '--admin.url', admin.url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^piko status: \/api\/v1\/nodes: 401 .+\n$/);
  });

  it('nodes: a table of every node, the same as the JSON the API answers', async () => {
    // Every node registered (the admin lists what the registry holds).
    await waitFor('four nodes listed', async () => {
      const r = await piko(['status', 'nodes', '--admin.url', admin.url, '-o', 'json'], withToken());
      return (JSON.parse(r.stdout) as { nodes: unknown[] }).nodes.length === 4 ? true : undefined;
    });
    const json = await piko(['status', 'nodes', '--admin.url', admin.url, '-o', 'json'], withToken());
    expect(json.code).toBe(0);
    const nodes = (JSON.parse(json.stdout) as { nodes: Array<{ id: string; role: string; state: string; counts: { upstreams: number } }> }).nodes;
    expect(nodes.map((n) => n.role).sort()).toEqual(['admin', 'gateway', 'gateway', 'proxy']);

    const table = await piko(['status', 'nodes', '--admin.url', admin.url, '--admin.token', token]);
    expect(table.code).toBe(0);
    const [header, ...body] = rows(table.stdout);
    expect(header).toEqual(['ID', 'ROLE', 'STATE', 'VERSION', 'AGE', 'HEARTBEAT', 'ENDPOINTS', 'UPSTREAMS', 'REQUESTS/S', 'ADDRESSES']);
    expect(body.map((r) => r[0]).sort()).toEqual(nodes.map((n) => n.id).sort());
    for (const n of nodes) {
      const row = body.find((r) => r[0] === n.id);
      expect(row?.slice(1, 3)).toEqual([n.role, n.state]);
      expect(row?.[7]).toBe(String(n.counts.upstreams));
    }
    // Gateways hold the three agents between them: 1 and 2.
    expect(nodes.filter((n) => n.role === 'gateway').map((n) => n.counts.upstreams).sort()).toEqual([1, 2]);
  });

  it('endpoints and upstreams: what the agents registered, from every gateway', async () => {
    const endpoints = await piko(['status', 'endpoints', '--admin.url', admin.url], withToken());
    expect(endpoints.code).toBe(0);
    expect(rows(endpoints.stdout).map((r) => r.slice(0, 3))).toEqual([
      ['ID', 'UPSTREAMS', 'GATEWAYS'],
      ['status-a', '2', '2'],
      ['status-b', '1', '1'],
    ]);
    const upstreams = await piko(['status', 'upstreams', '--admin.url', admin.url, '--endpoint', 'status-a', '-o', 'yaml'], withToken());
    expect(upstreams.code).toBe(0);
    expect(upstreams.stdout).toMatch(/^upstreams:\n/);
    expect(upstreams.stdout.match(/endpointId: status-a/g)).toHaveLength(2);
    expect(upstreams.stdout).toMatch(/unreachable: \[\]/);
    const table = await piko(['status', 'upstreams', '--admin.url', admin.url], withToken());
    expect(rows(table.stdout).slice(1).map((r) => r[1]).sort()).toEqual(['status-a', 'status-a', 'status-b']);
    expect(table.stderr).toBe('');
  });

  it('cluster: counts by role and the totals', async () => {
    const result = await piko(['status', 'cluster', '--admin.url', admin.url], withToken());
    expect(result.code).toBe(0);
    const [totals, roles] = result.stdout.split('\n\n');
    expect(rows(totals)).toEqual([
      ['NODES', 'ENDPOINTS', 'UPSTREAMS', 'REQUESTS/S', 'ERRORS/S'],
      ['4', '2', '3', expect.stringMatching(/^\d/), expect.stringMatching(/^\d/)],
    ]);
    expect(rows(roles)).toEqual([
      ['ROLE', 'ACTIVE', 'DRAINING', 'LEFT'],
      ['proxy', '1', '0', '0'],
      ['gateway', '2', '0', '0'],
      ['admin', '1', '0', '0'],
    ]);
  });

  it("Go Piko's spelling: piko server status upstream endpoints and cluster nodes, as YAML", async () => {
    const endpoints = await piko(['server', 'status', 'upstream', 'endpoints', '--server.url', admin.url], withToken());
    expect(endpoints.code).toBe(0);
    expect(endpoints.stdout).toBe('status-a: 2\nstatus-b: 1\n');
    const nodes = await piko(['server', 'status', 'cluster', 'nodes', '--server.url', admin.url, '--status', 'active'], withToken());
    expect(nodes.code).toBe(0);
    expect(nodes.stdout).toMatch(/^nodes:\n {2}- id: /);
    expect(nodes.stdout.match(/^ {2}- id: /gm)).toHaveLength(4);
  });

  it('--watch re-renders until interrupted', async () => {
    const watch = ManagedProcess.start('piko status --watch', 'node', [PIKO_BIN, 'status', 'endpoints', '--admin.url', admin.url, '--watch', '--watch-interval', '200ms'], withToken());
    await waitFor('two renders', async () => ((watch.logs.match(/^Every 0\.2s: piko status endpoints/gm) ?? []).length >= 2 ? true : undefined));
    expect(watch.logs).toMatch(/status-a\s+2\s+2/);
    const exit = await watch.stop('SIGINT');
    expect(exit.code).toBe(0);
  });
});

describe('piko status against piko server', () => {
  let server: PikoServer;
  let service: UpstreamService;
  let agentProcess: ManagedProcess;

  beforeAll(async () => {
    service = new UpstreamService('one');
    server = await startPikoServer(['--log.level', 'warn']);
    agentProcess = await startAgent('http', 'one-process', String(await service.listen()), server.upstreamUrl);
    await waitForRoute(server.proxyUrl, 'one-process');
  });

  afterAll(async () => {
    await agentProcess?.stop();
    await server?.process.stop();
    await service?.close();
  });

  it('lists its one node and the endpoint, without a token when admin.auth is off', async () => {
    const nodes = await piko(['status', 'nodes', '--admin.url', server.adminUrl]);
    expect(nodes.code).toBe(0);
    expect(rows(nodes.stdout)[1].slice(0, 3)).toEqual(['local', 'gateway', 'active']);
    const upstreams = await piko(['status', 'upstreams', '--admin.url', server.adminUrl, '-o', 'json']);
    const body = JSON.parse(upstreams.stdout) as { upstreams: Array<{ endpointId: string; node: string }> };
    expect(body.upstreams.map((u) => [u.endpointId, u.node])).toEqual([['one-process', 'local']]);
  });
});
