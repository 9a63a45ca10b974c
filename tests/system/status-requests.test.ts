import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { ManagedProcess } from '@piko/testing';
import { PIKO_BIN, type PikoServer, startAgent, startPikoServer, waitForRoute } from './support/piko';

jest.setTimeout(180_000);

// `piko status requests ENDPOINT` and `piko status request ID` (traffic inspection, issue 11): the
// built CLI against a real `piko server` with inspection on for one endpoint, a real agent and a
// local service; requests sent through the proxy are what the CLI lists. admin.auth is on: the
// token goes in PIKO_ADMIN_TOKEN, as for the other status commands.

const ADMIN_KEY = 'status-requests-test-admin-key-0123456789';
/** PIKO_ADMIN_TOKEN for every run (set in beforeAll). */
const tokenEnv: NodeJS.ProcessEnv = {};

/** Runs the built `piko` with `args` (and the admin token); resolves its exit code, stdout and stderr. */
function piko(args: string[], env: NodeJS.ProcessEnv = tokenEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [PIKO_BIN, ...args], { timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** A table's data rows split on the column gaps (two or more spaces), header dropped. */
function rows(table: string): string[][] {
  return table.trimEnd().split('\n').slice(1).map((line) => line.split(/ {2,}/));
}

describe('piko status requests / request against piko server with inspection on', () => {
  let server: PikoServer;
  let agent: ManagedProcess;
  let service: Server;

  async function send(path: string, init: RequestInit = {}): Promise<number> {
    const res = await fetch(`${server.proxyUrl}${path}`, { ...init, headers: { 'x-piko-endpoint': 'orders', ...(init.headers as Record<string, string>) } });
    await res.arrayBuffer();
    return res.status;
  }

  const admin = () => ['--admin.url', server.adminUrl];

  beforeAll(async () => {
    service = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = /^\/status\/(\d{3})/.exec(req.url ?? '');
        // A POST's status line carries a reason phrase of the service's own, not Node's "OK".
        res.writeHead(status ? Number(status[1]) : 200, req.method === 'POST' ? 'Order Taken' : undefined, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ path: req.url }));
      });
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    server = await startPikoServer(['--proxy.inspect.endpoints', 'orders', '--admin.auth.hmac-secret-key', ADMIN_KEY]);
    tokenEnv.PIKO_ADMIN_TOKEN = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(ADMIN_KEY));
    agent = await startAgent('http', 'orders', String((service.address() as AddressInfo).port), server.upstreamUrl, ['--access-log=false']);
    await waitForRoute(server.proxyUrl, 'orders', '/warm-up');
    expect(await send('/api/orders?id=1', { headers: { authorization: 'Bearer not-for-the-terminal' } })).toBe(200);
    expect(await send('/api/orders', { method: 'POST', body: '{"item":"pear"}', headers: { 'content-type': 'application/json' } })).toBe(200);
    expect(await send('/status/503')).toBe(503);
  });

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await server?.process.stop();
    await new Promise((resolve) => service?.close(resolve));
  });

  it('lists the captures oldest first as a table, with the filters applied by the API', async () => {
    const all = await piko(['status', 'requests', 'orders', ...admin()]);
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n')[0]).toMatch(/^TIME\(UTC\)\s+ID\s+METHOD\s+TARGET\s+STATUS\s+TTFB\s+TOTAL\s+IN\s+OUT\s+CLIENT\s+NOTE$/);
    const targets = rows(all.stdout).map((r) => `${r[2]} ${r[3]} ${r[4]}`);
    expect(targets.slice(-3)).toEqual(['GET /api/orders?id=1 200', 'POST /api/orders 200', 'GET /status/503 503']);

    const posts = await piko(['status', 'requests', 'orders', '--method', 'post', ...admin()]);
    expect(rows(posts.stdout).map((r) => `${r[2]} ${r[3]}`)).toEqual(['POST /api/orders']);
    const errors = await piko(['status', 'requests', 'orders', '--status', '5xx', ...admin()]);
    expect(rows(errors.stdout).map((r) => r[3])).toEqual(['/status/503']);
    const api = await piko(['status', 'requests', 'orders', '--path-prefix', '/api/', '--limit', '1', ...admin()]);
    expect(rows(api.stdout).map((r) => `${r[2]} ${r[3]}`)).toEqual(['POST /api/orders']);

    // Without the token: admin.auth's 401, one line, exit 1; --follow too.
    const refused = await piko(['status', 'requests', 'orders', ...admin()], {});
    expect([refused.code, refused.stdout]).toEqual([1, '']);
    expect(refused.stderr).toMatch(/^piko status: \/api\/v1\/endpoints\/orders\/requests: 401 /);
    const refusedFollow = await piko(['status', 'requests', 'orders', '--follow', ...admin()], {});
    expect(refusedFollow.code).toBe(1);
    expect(refusedFollow.stderr).toMatch(/^piko status: \/api\/v1\/endpoints\/orders\/requests: 401 /);
  });

  it('--json prints the API answer, newest first', async () => {
    const json = await piko(['status', 'requests', 'orders', '--json', '--path-prefix', '/api/', ...admin()]);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as { requests: Array<{ method: string; target: string; endpoint_id: string }>; unreachable_nodes: string[] };
    expect(body.requests.map((r) => `${r.method} ${r.target}`)).toEqual(['POST /api/orders', 'GET /api/orders?id=1']);
    expect(body.requests.every((r) => r.endpoint_id === 'orders')).toBe(true);
    expect(body.unreachable_nodes).toEqual([]);
  });

  it('request ID prints the exchange: heads with the authorization redacted, the bodies as text', async () => {
    const list = JSON.parse((await piko(['status', 'requests', 'orders', '--json', '--method', 'POST', ...admin()])).stdout) as { requests: Array<{ id: string }> };
    const post = await piko(['status', 'request', list.requests[0].id, ...admin()]);
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(new RegExp(`^ID +${list.requests[0].id.replace('.', '\\.')}\\nENDPOINT +orders\\n`));
    expect(post.stdout).toContain('> POST /api/orders HTTP/1.1\n');
    expect(post.stdout).toContain('(body: 15 bytes, all kept)\n{"item":"pear"}\n');
    expect(post.stdout).toContain('< HTTP/1.1 200 Order Taken\n'); // the service's reason phrase, as the client got it
    expect(post.stdout).toContain('{"path":"/api/orders"}');

    const gets = JSON.parse((await piko(['status', 'requests', 'orders', '--json', '--path-prefix', '/api/', '--method', 'GET', ...admin()])).stdout) as { requests: Array<{ id: string }> };
    const get = await piko(['status', 'request', gets.requests[0].id, ...admin()]);
    expect(get.stdout).toMatch(/^> authorization: \[redacted\]$/m);
    expect(get.stdout).not.toContain('not-for-the-terminal');

    const missing = await piko(['status', 'request', 'nobody.999', ...admin()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('piko status: /api/v1/requests/nobody.999: 404 request not found\n');
  });

  it('--follow prints the list, then each new capture as it comes, until Ctrl-C', async () => {
    const follow = ManagedProcess.start('piko status requests --follow', 'node', [PIKO_BIN, 'status', 'requests', 'orders', '--follow', '--status', '2xx', ...admin()], tokenEnv);
    try {
      await follow.waitForOutput('/api/orders?id=1', 60_000);
      expect(await send('/followed?n=1')).toBe(200);
      expect(await send('/status/500')).toBe(500); // filtered out by --status 2xx
      expect(await send('/followed?n=2')).toBe(200);
      await follow.waitForOutput('/followed?n=2', 60_000);
      expect(follow.logs).toContain('/followed?n=1');
      expect(follow.logs).not.toContain('/status/500');
      expect(follow.logs.split('\n')[0]).toMatch(/^TIME\(UTC\)\s+ID\s+METHOD\s+TARGET/);
      const { code } = await follow.stop('SIGINT');
      expect(code).toBe(0);
    } finally {
      await follow.stop('SIGKILL');
    }
  });

  it('--follow --json prints one JSON summary a line', async () => {
    expect(await send('/ndjson/a')).toBe(200);
    const follow = ManagedProcess.start('piko status requests --follow --json', 'node', [PIKO_BIN, 'status', 'requests', 'orders', '--follow', '--json', '--path-prefix', '/ndjson', ...admin()], tokenEnv);
    try {
      // From the list, read once the live stream was open.
      await follow.waitForOutput('/ndjson/a', 60_000);
      expect(await send('/ndjson/b')).toBe(200);
      await follow.waitForOutput('/ndjson/b', 60_000);
      const lines = follow.logs.trimEnd().split('\n').map((l) => JSON.parse(l) as { target: string; status: number; endpoint_id: string });
      expect(lines.map((l) => [l.target, l.status, l.endpoint_id])).toEqual([
        ['/ndjson/a', 200, 'orders'],
        ['/ndjson/b', 200, 'orders'],
      ]);
      expect((await follow.stop('SIGINT')).code).toBe(0);
    } finally {
      await follow.stop('SIGKILL');
    }
  });
});
