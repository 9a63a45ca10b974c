import { generateKeyPairSync } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import WebSocket from 'ws';
import { Dialer, UnauthorizedError, Upstream } from '@piko/client';
import { freePort, ManagedProcess, waitFor } from '@piko/testing';
import { curl } from './support/curl';
import { PIKO_BIN, type PikoServer, startAgent, startPikoServer, waitForRoute } from './support/piko';
import { TestCluster } from './support/cluster';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(120_000);

// Issue 8's finding, and Go Piko's auth behaviour (pkg/auth, pkg/middleware/auth.go) on the real
// built processes. Tokens are minted here with jose, as an operator's issuer would.
const UPSTREAM_KEY = 'upstream-signing-key-for-tests';
const TENANT_KEY = 'tenant-a-signing-key-for-tests';
// The proxy port verifies ES256 tokens with a PEM public key (a different family end to end).
const proxyKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PROXY_PUBLIC_PEM = proxyKeys.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const now = () => Math.floor(Date.now() / 1000);

const minted: string[] = [];
async function mint(key: string, claims: JWTPayload = {}, alg = 'HS256'): Promise<string> {
  const token = await new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(key));
  minted.push(token);
  return token;
}

async function mintProxy(claims: JWTPayload = {}): Promise<string> {
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(proxyKeys.privateKey);
  minted.push(token);
  return token;
}

/** Secrets never reach a log: not the signing keys, not a token, not even the token's signature. */
function expectNoSecrets(logs: string): void {
  for (const secret of [UPSTREAM_KEY, TENANT_KEY, ...minted.map((t) => t.split('.')[2])]) expect(logs).not.toContain(secret);
}

/** The raw answer to a WebSocket upgrade on the upstream port: status line, headers and body as sent. */
function rawUpgrade(port: number, path: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`,
    );
    // A 101 would leave the socket open: give up after a while and return what arrived.
    setTimeout(() => {
      socket.destroy();
      resolve(data);
    }, 5_000).unref();
  });
}

/** A TCP echo service (the local service behind `piko agent tcp`). */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** Sends `text` to a local port and resolves with what comes back before the connection ends. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

/** `piko agent http` expected to be refused: resolves with its exit code and output. */
async function refusedAgent(endpointId: string, port: number, upstreamUrl: string, args: string[]): Promise<{ code: number | null; logs: string }> {
  const agent = ManagedProcess.start(`piko agent ${endpointId}`, 'node', [PIKO_BIN, 'agent', 'http', endpointId, String(port), '--connect.url', upstreamUrl, ...args]);
  // A refused agent exits by itself (401 is final); one that does not is killed and fails the test.
  const timer = setTimeout(() => void agent.kill(), 30_000);
  const { code } = await agent.exited;
  clearTimeout(timer);
  return { code, logs: agent.logs };
}

describe('upstream port authentication (upstream.auth)', () => {
  let server: PikoServer;
  let serviceA: UpstreamService;
  let serviceB: UpstreamService;
  let portA: number;
  let portB: number;
  const agents: ManagedProcess[] = [];

  beforeAll(async () => {
    serviceA = new UpstreamService('service-a');
    serviceB = new UpstreamService('service-b');
    portA = await serviceA.listen();
    portB = await serviceB.listen();
    server = await startPikoServer(['--upstream.auth.hmac-secret-key', UPSTREAM_KEY, '--upstream.auth.leeway', '0s']);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.process.stop();
    await serviceA?.close();
    await serviceB?.close();
  });

  it('answers an upgrade without a token 401 with Go Piko\'s JSON body, never 101', async () => {
    const answer = await rawUpgrade(server.upstreamPort, '/piko/v1/upstream/svc');
    expect(answer).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
    expect(answer).toMatch(/\r\nwww-authenticate: Bearer\r\n/i);
    expect(answer.endsWith('\r\n\r\n{"error":"missing authorization"}\n')).toBe(true);
    const basic = await rawUpgrade(server.upstreamPort, '/piko/v1/upstream/svc', { Authorization: 'Basic dXNlcjpwYXNz' });
    expect(basic).toMatch(/^HTTP\/1\.1 401 .*\{"error":"unsupported auth type"\}\n$/s);
  });

  it.each([
    ['no token', async () => [] as string[], 'missing authorization'],
    ['a token signed with another key', async () => ['--connect.token', await mint('some-other-key')], 'invalid token'],
    ['an expired token', async () => ['--connect.token', await mint(UPSTREAM_KEY, { exp: now() - 60 })], 'expired token'],
    ['a token not valid yet (nbf)', async () => ['--connect.token', await mint(UPSTREAM_KEY, { nbf: now() + 3600 })], 'invalid token'],
    ['a token for other endpoints', async () => ['--connect.token', await mint(UPSTREAM_KEY, { piko: { endpoints: ['someone-else'] } })], 'endpoint not permitted'],
  ])('refuses an agent with %s, and the endpoint never routes', async (_what, args, error) => {
    const { code, logs } = await refusedAgent('refused-svc', portA, server.upstreamUrl, await args());
    expect(code).not.toBe(0);
    expect(logs).toContain(error);
    expect(logs).toContain('401');
    expectNoSecrets(logs);
    const res = await curl(['-H', 'x-piko-endpoint: refused-svc', `${server.proxyUrl}/`]);
    expect(res).toEqual({ status: 502, body: '{"error":"no available upstreams"}\n' });
  });

  it('serves an agent with a valid token', async () => {
    const token = await mint(UPSTREAM_KEY, { exp: now() + 3600, piko: { endpoints: ['svc-a'] } });
    agents.push(await startAgent('http', 'svc-a', String(portA), server.upstreamUrl, ['--connect.token', token]));
    await waitForRoute(server.proxyUrl, 'svc-a');
    const res = await curl(['-H', 'x-piko-endpoint: svc-a', `${server.proxyUrl}/hello`]);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ name: 'service-a', url: '/hello' });
  });

  it("stops the issue's hijack: a second agent cannot register an endpoint its token does not name", async () => {
    // svc-a is served by service-a (previous test). The other party's token names only svc-b.
    const theirToken = await mint(UPSTREAM_KEY, { piko: { endpoints: ['svc-b'] } });
    const { code, logs } = await refusedAgent('svc-a', portB, server.upstreamUrl, ['--connect.token', theirToken]);
    expect(code).not.toBe(0);
    expect(logs).toContain('endpoint not permitted');
    // Every request still reaches service-a, Authorization and Cookie included.
    for (let i = 0; i < 10; i++) {
      const res = await curl(['-H', 'x-piko-endpoint: svc-a', '-H', 'Cookie: session=1', `${server.proxyUrl}/`]);
      expect(JSON.parse(res.body).name).toBe('service-a');
    }
    // Their own endpoint works.
    agents.push(await startAgent('http', 'svc-b', String(portB), server.upstreamUrl, ['--connect.token', theirToken]));
    await waitForRoute(server.proxyUrl, 'svc-b');
    expect(JSON.parse((await curl(['-H', 'x-piko-endpoint: svc-b', `${server.proxyUrl}/`])).body).name).toBe('service-b');
  });

  it('closes an upstream session when its token expires, and the agent cannot come back with it', async () => {
    // Long enough for the agent to start and register on a loaded machine (it failed once at 4 s).
    const exp = now() + 10;
    const token = await mint(UPSTREAM_KEY, { exp, piko: { endpoints: ['short-lived'] } });
    const agent = await startAgent('http', 'short-lived', String(portA), server.upstreamUrl, ['--connect.token', token]);
    agents.push(agent);
    await waitForRoute(server.proxyUrl, 'short-lived');
    expect((await curl(['-H', 'x-piko-endpoint: short-lived', `${server.proxyUrl}/`])).status).toBe(200);
    // After exp the gateway closes the session; the proxy then has no upstream for it.
    await waitFor(
      'the expired upstream to be gone',
      async () => ((await curl(['-H', 'x-piko-endpoint: short-lived', `${server.proxyUrl}/`])).status === 502 ? true : undefined),
      45_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    await server.process.waitForOutput('upstream token expired');
    // Its reconnect with the same token is refused, and the agent exits 1 saying why (not 0, which a
    // supervisor's Restart=on-failure would take for a clean stop).
    await agent.waitForOutput('expired token', 30_000);
    expect(await agent.exited).toEqual({ code: 1, signal: null });
    expect(agent.logs).toMatch(/^piko agent: .*401: expired token$/m);
  });

  it('survives clients that reset while their token is being verified', async () => {
    const token = await mint(UPSTREAM_KEY, { piko: { endpoints: ['reset-svc'] } });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        new Promise<void>((resolve) => {
          const socket = connect(server.upstreamPort, '127.0.0.1', () => {
            socket.write(
              `GET /piko/v1/upstream/reset-svc HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
                `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${i % 2 ? token : 'x.y.z'}\r\n\r\n`,
            );
            socket.resetAndDestroy();
          });
          socket.on('error', () => undefined);
          socket.on('close', () => resolve());
        }),
      ),
    );
    // Still up: the upstream port answers the next client.
    expect(await rawUpgrade(server.upstreamPort, '/piko/v1/upstream/reset-svc')).toMatch(/^HTTP\/1\.1 401 /);
    expect(server.process.running).toBe(true);
  });

  it('the SDK sends its token as a Bearer credential on the upgrade: accepted when valid, UnauthorizedError when not', async () => {
    const good = new Upstream({ url: server.upstreamUrl, token: await mint(UPSTREAM_KEY, { piko: { endpoints: ['sdk-svc'] } }) });
    const listener = await good.listenAndForward('sdk-svc', portA);
    try {
      await waitForRoute(server.proxyUrl, 'sdk-svc');
      expect(JSON.parse((await curl(['-H', 'x-piko-endpoint: sdk-svc', `${server.proxyUrl}/`])).body).name).toBe('service-a');
    } finally {
      await listener.close();
    }
    const bad = new Upstream({ url: server.upstreamUrl, token: await mint(UPSTREAM_KEY, { piko: { endpoints: ['other'] } }) });
    const err = await bad.listen('sdk-svc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as UnauthorizedError).status).toBe(401);
    expect((err as Error).message).toContain('endpoint not permitted');
  });

  it("keeps keys and tokens out of the server's and agents' logs", () => {
    expect(server.process.logs).toContain('auth: invalid token');
    expectNoSecrets(server.process.logs);
    for (const agent of agents) expectNoSecrets(agent.logs);
  });
});

describe('upstream tenants (upstream.tenants, connect.tenant_id)', () => {
  let server: PikoServer;
  let service: UpstreamService;
  let port: number;
  const agents: ManagedProcess[] = [];

  beforeAll(async () => {
    service = new UpstreamService('tenant-service');
    port = await service.listen();
    const dir = mkdtempSync(join(tmpdir(), 'piko-auth-'));
    const configPath = join(dir, 'piko.yaml');
    writeFileSync(
      configPath,
      `upstream:
  auth:
    hmac_secret_key: ${UPSTREAM_KEY}
  tenants:
    - id: team-a
      auth:
        hmac_secret_key: ${TENANT_KEY}
        require_endpoints: true
`,
    );
    server = await startPikoServer(['--config.path', configPath]);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.process.stop();
    await service?.close();
  });

  it("verifies a tenant's agent with the tenant's key", async () => {
    const token = await mint(TENANT_KEY, { piko: { endpoints: ['team-a-svc'] } });
    agents.push(await startAgent('http', 'team-a-svc', String(port), server.upstreamUrl, ['--connect.token', token, '--connect.tenant-id', 'team-a']));
    await waitForRoute(server.proxyUrl, 'team-a-svc');
    expect(JSON.parse((await curl(['-H', 'x-piko-endpoint: team-a-svc', `${server.proxyUrl}/`])).body).name).toBe('tenant-service');
  });

  it.each([
    ['no tenant ID (tenants configured: the default tenant is off)', async () => ['--connect.token', await mint(UPSTREAM_KEY)], 'unknown tenant'],
    ['an unknown tenant ID', async () => ['--connect.token', await mint(TENANT_KEY), '--connect.tenant-id', 'team-b'], 'unknown tenant'],
    ["another key than the tenant's", async () => ['--connect.token', await mint(UPSTREAM_KEY), '--connect.tenant-id', 'team-a'], 'invalid token'],
    ['a tenant token without endpoints (require_endpoints)', async () => ['--connect.token', await mint(TENANT_KEY), '--connect.tenant-id', 'team-a'], 'endpoint not permitted'],
  ])('refuses %s', async (_what, args, error) => {
    const { code, logs } = await refusedAgent('tenant-refused', port, server.upstreamUrl, await args());
    expect(code).not.toBe(0);
    expect(logs).toContain(error);
  });
});

describe('proxy port authentication (proxy.auth)', () => {
  let server: PikoServer;
  let service: UpstreamService;
  let servicePort: number;
  let echo: { server: Server; port: number };
  const processes: ManagedProcess[] = [];
  let token: string;

  beforeAll(async () => {
    service = new UpstreamService('proxied');
    servicePort = await service.listen();
    echo = await echoServer();
    server = await startPikoServer(['--proxy.auth.ecdsa-public-key', PROXY_PUBLIC_PEM, '--proxy.auth.leeway', '0s']);
    processes.push(await startAgent('http', 'web', String(servicePort), server.upstreamUrl));
    processes.push(await startAgent('tcp', 'echo', String(echo.port), server.upstreamUrl));
    token = await mintProxy({ exp: now() + 3600, piko: { endpoints: ['web', 'echo'] } });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await server?.process.stop();
    await service?.close();
    echo?.server.close();
  });

  const get = (headers: string[]) => curl([...headers.flatMap((h) => ['-H', h]), '-H', 'x-piko-endpoint: web', `${server.proxyUrl}/path`]);

  it("answers requests without a valid token 401 with Go Piko's bodies", async () => {
    expect(await get([])).toEqual({ status: 401, body: '{"error":"missing authorization"}\n' });
    expect(await get(['Authorization: Basic dXNlcjpwYXNz'])).toEqual({ status: 401, body: '{"error":"unsupported auth type"}\n' });
    expect(await get([`Authorization: Bearer ${await mint('hmac-is-not-configured-here')}`])).toEqual({ status: 401, body: '{"error":"invalid token"}\n' });
    expect(await get([`Authorization: Bearer ${await mintProxy({ exp: now() - 60 })}`])).toEqual({ status: 401, body: '{"error":"expired token"}\n' });
    expect(await get([`Authorization: Bearer ${await mintProxy({ nbf: now() + 3600 })}`])).toEqual({ status: 401, body: '{"error":"invalid token"}\n' });
    // The proxy port has no tenants (Go Piko): a tenant ID is unknown.
    expect(await get([`Authorization: Bearer ${token}`, 'x-piko-tenant-id: team-a'])).toEqual({ status: 401, body: '{"error":"unknown tenant"}\n' });
    // Auth runs before routing, as Go Piko's middleware: no token and no endpoint is still 401.
    expect(await curl([`${server.proxyUrl}/`])).toEqual({ status: 401, body: '{"error":"missing authorization"}\n' });
    // With a token, the usual routing errors come back.
    expect(await curl(['-H', `Authorization: Bearer ${token}`, `${server.proxyUrl}/`])).toEqual({ status: 400, body: '{"error":"missing endpoint id"}\n' });
  });

  it('refuses an endpoint the token does not name', async () => {
    const other = await mintProxy({ piko: { endpoints: ['somewhere-else'] } });
    expect(await get([`Authorization: Bearer ${other}`])).toEqual({ status: 401, body: '{"error":"endpoint not permitted"}\n' });
  });

  it("removes the Piko credential before the request reaches the service, keeping the service's own Authorization", async () => {
    // The same request straight to the service shows what the client sent.
    const direct = JSON.parse((await curl(['-H', `Authorization: Bearer ${token}`, '-H', 'Cookie: c=1', `http://127.0.0.1:${servicePort}/path`])).body);
    expect(direct.headers.authorization).toBe(`Bearer ${token}`);

    const viaAuthorization = await get([`Authorization: Bearer ${token}`, 'Cookie: c=1']);
    expect(viaAuthorization.status).toBe(200);
    const seen = JSON.parse(viaAuthorization.body).headers;
    expect(seen.authorization).toBeUndefined();
    expect(seen.cookie).toBe('c=1');

    const viaPikoHeader = await get([`x-piko-authorization: Bearer ${token}`, 'Authorization: Basic c2VydmljZTpwYXNz']);
    expect(viaPikoHeader.status).toBe(200);
    const seen2 = JSON.parse(viaPikoHeader.body).headers;
    expect(seen2['x-piko-authorization']).toBeUndefined();
    expect(seen2.authorization).toBe('Basic c2VydmljZTpwYXNz');
    expect(JSON.stringify(seen2)).not.toContain(token.split('.')[2]);
  });

  it('authenticates WebSocket upgrades before any 101', async () => {
    const refused = await rawUpgrade(server.proxyPort, '/ws', { 'x-piko-endpoint': 'web' });
    expect(refused).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
    expect(refused.endsWith('{"error":"missing authorization"}\n')).toBe(true);

    const ws = new WebSocket(`${server.proxyUrl.replace('http', 'ws')}/ws`, { headers: { 'x-piko-endpoint': 'web', 'x-piko-authorization': `Bearer ${token}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const echoed = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    ws.send('hello through auth');
    expect(await echoed).toBe('hello through auth');
    ws.close();
  });

  it('authenticates the TCP route (/_piko/v1/tcp/:id): piko forward needs its token', async () => {
    const refused = await rawUpgrade(server.proxyPort, '/_piko/v1/tcp/echo');
    expect(refused).toMatch(/^HTTP\/1\.1 401 .*\{"error":"missing authorization"\}\n$/s);
    const notPermitted = await rawUpgrade(server.proxyPort, '/_piko/v1/tcp/echo', { Authorization: `Bearer ${await mintProxy({ piko: { endpoints: ['web'] } })}` });
    expect(notPermitted).toMatch(/^HTTP\/1\.1 401 .*\{"error":"endpoint not permitted"\}\n$/s);

    const withoutToken = await freePort();
    const forwardRefused = ManagedProcess.start('piko forward (no token)', 'node', [PIKO_BIN, 'forward', 'tcp', String(withoutToken), 'echo', '--connect.url', server.proxyUrl]);
    processes.push(forwardRefused);
    await forwardRefused.waitForOutput(`${withoutToken}`);
    expect(await roundTrip(withoutToken, 'should not pass')).toBe('');
    await forwardRefused.waitForOutput('missing authorization');

    const withToken = await freePort();
    const forward = ManagedProcess.start('piko forward', 'node', [PIKO_BIN, 'forward', 'tcp', String(withToken), 'echo', '--connect.url', server.proxyUrl, '--connect.token', token]);
    processes.push(forward);
    await forward.waitForOutput(`${withToken}`);
    expect(await roundTrip(withToken, 'hello tcp')).toBe('hello tcp');
  });

  it('survives clients that reset while their token is being verified', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        new Promise<void>((resolve) => {
          const socket = connect(server.proxyPort, '127.0.0.1', () => {
            // A plain request, an upgrade to an endpoint, an upgrade the proxy answers 400 (no endpoint), bad tokens.
            const upgrade = i % 3 ? 'Connection: Upgrade\r\nUpgrade: websocket\r\n' : '';
            const endpoint = i % 3 === 2 ? '' : 'x-piko-endpoint: web\r\n';
            socket.write(`GET / HTTP/1.1\r\nHost: x\r\n${endpoint}${upgrade}Authorization: Bearer ${i % 5 ? token : 'x.y.z'}\r\n\r\n`);
            socket.resetAndDestroy();
          });
          socket.on('error', () => undefined);
          socket.on('close', () => resolve());
        }),
      ),
    );
    expect(server.process.running).toBe(true);
    expect((await get([`Authorization: Bearer ${token}`])).status).toBe(200);
  });

  it("the SDK's Dialer sends its token on the TCP route", async () => {
    const refused = await new Dialer({ url: server.proxyUrl }).dial('echo').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnauthorizedError);
    const conn = await new Dialer({ url: server.proxyUrl, token }).dial('echo');
    const echoed = new Promise<string>((resolve) => {
      let data = '';
      conn.on('data', (chunk: Buffer) => (data += chunk.toString()));
      conn.on('end', () => resolve(data));
    });
    conn.end('hello dialer');
    expect(await echoed).toBe('hello dialer');
    conn.destroy();
  });

  it("keeps tokens and keys out of the server's and forward's logs", () => {
    expect(server.process.logs).toContain('auth: missing authorization');
    expectNoSecrets(server.process.logs);
    for (const p of processes) expectNoSecrets(p.logs);
  });
});

describe('admin port authentication (admin.auth)', () => {
  const ADMIN_KEY = 'admin-signing-key-for-tests';
  let server: PikoServer;
  let adminToken: string;

  beforeAll(async () => {
    server = await startPikoServer(['--admin.auth.hmac-secret-key', ADMIN_KEY]);
    adminToken = await mint(ADMIN_KEY, { exp: now() + 3600 });
  });

  afterAll(async () => {
    await server?.process.stop();
  });

  const admin = (path: string, headers: string[] = []) => curl([...headers.flatMap((h) => ['-H', h]), `${server.adminUrl}${path}`]);

  it('answers the API 401 without a token, 200 with one', async () => {
    for (const path of ['/api/v1/endpoints', '/api/v1/nodes']) {
      expect(await admin(path)).toEqual({ status: 401, body: '{"error":"missing authorization"}\n' });
      expect(await admin(path, [`Authorization: Bearer ${await mint('not-the-admin-key')}`])).toEqual({ status: 401, body: '{"error":"invalid token"}\n' });
      expect((await admin(path, [`Authorization: Bearer ${adminToken}`])).status).toBe(200);
    }
    // Auth runs before routing (Go Piko): an unknown path without a token is 401, not 404.
    expect((await admin('/nope')).status).toBe(401);
    expect((await admin('/nope', [`Authorization: Bearer ${adminToken}`])).status).toBe(404);
  });

  it('protects /metrics (as Go Piko) and leaves /health and /ready open for probes', async () => {
    expect((await admin('/metrics')).status).toBe(401);
    const metrics = await admin('/metrics', [`Authorization: Bearer ${adminToken}`]);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('# HELP');
    expect(await admin('/health')).toMatchObject({ status: 200 });
    expect((await admin('/ready')).status).toBe(200);
  });

  it('keeps the admin key and tokens out of the logs', () => {
    expect(server.process.logs).toContain('auth: missing authorization');
    expect(server.process.logs).not.toContain(ADMIN_KEY);
    expectNoSecrets(server.process.logs);
  });
});

describe('cluster roles: piko gateway enforces upstream.auth, piko proxy proxy.auth, piko admin (and ops ports) admin.auth', () => {
  const ADMIN_KEY = 'cluster-admin-key-for-tests';
  const CLIENT_KEY = 'cluster-client-key-for-tests';
  let cluster: TestCluster;
  let service: UpstreamService;
  let servicePort: number;
  const agents: ManagedProcess[] = [];

  beforeAll(async () => {
    service = new UpstreamService('clustered');
    servicePort = await service.listen();
    // One config for every role, as a Helm chart would give them.
    cluster = await TestCluster.start([
      '--upstream.auth.hmac-secret-key', UPSTREAM_KEY,
      '--upstream.auth.require-endpoints',
      '--proxy.auth.hmac-secret-key', CLIENT_KEY,
      '--admin.auth.hmac-secret-key', ADMIN_KEY,
    ]);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cluster?.stop();
    await service?.close();
  });

  it('carries an authenticated request from an authenticated agent through proxy, relay and gateway', async () => {
    const gateway = await cluster.gateway('gateway-1');
    const proxy = await cluster.proxy('proxy-1');
    const adminNode = await cluster.admin('admin-1');

    const refused = await refusedAgent('clustered-svc', servicePort, gateway.url, ['--connect.token', await mint(UPSTREAM_KEY)]);
    expect(refused.logs).toContain('endpoint not permitted');

    const upstreamToken = await mint(UPSTREAM_KEY, { piko: { endpoints: ['clustered-svc'] } });
    agents.push(await startAgent('http', 'clustered-svc', String(servicePort), gateway.url, ['--connect.token', upstreamToken]));
    const clientToken = await mint(CLIENT_KEY, { piko: { endpoints: ['clustered-svc'] } });
    const call = (headers: string[]) => curl([...headers.flatMap((h) => ['-H', h]), '-H', 'x-piko-endpoint: clustered-svc', `${proxy.url}/`]);
    expect(await call([])).toEqual({ status: 401, body: '{"error":"missing authorization"}\n' });
    // The upstream token is not a client token: each port has its own key.
    expect(await call([`Authorization: Bearer ${upstreamToken}`])).toEqual({ status: 401, body: '{"error":"invalid token"}\n' });
    const ok = await waitFor('the route through the cluster', async () => {
      const res = await call([`Authorization: Bearer ${clientToken}`]);
      return res.status === 200 ? res : undefined;
    }, 20_000);
    expect(JSON.parse(ok.body)).toMatchObject({ name: 'clustered' });
    expect(JSON.parse(ok.body).headers.authorization).toBeUndefined();

    const adminToken = await mint(ADMIN_KEY);
    expect((await curl([`${adminNode.url}/api/v1/endpoints`])).status).toBe(401);
    const endpoints = await curl(['-H', `Authorization: Bearer ${adminToken}`, `${adminNode.url}/api/v1/endpoints`]);
    expect(endpoints.status).toBe(200);
    expect(JSON.parse(endpoints.body).endpoints.map((e: { id: string }) => e.id)).toContain('clustered-svc');

    // Every node's ops port: probes open, /metrics behind admin.auth.
    for (const node of [gateway, proxy]) {
      expect((await curl([`${node.opsUrl}/ready`])).status).toBe(200);
      expect((await curl([`${node.opsUrl}/metrics`])).status).toBe(401);
      expect((await curl(['-H', `Authorization: Bearer ${adminToken}`, `${node.opsUrl}/metrics`])).status).toBe(200);
    }
    for (const node of cluster.nodes) expectNoSecrets(node.process.logs);
  });
});

describe('JWKS (upstream.auth.jwks.endpoint) with key rotation, on the built server', () => {
  let jwksServer: HttpServer;
  let jwksBody = '';
  let server: PikoServer;
  let service: UpstreamService;
  let port: number;
  const agents: ManagedProcess[] = [];
  const key1 = { kid: 'key-1', ...generateKeyPairSync('rsa', { modulusLength: 2048 }) };
  const key2 = { kid: 'key-2', ...generateKeyPairSync('rsa', { modulusLength: 2048 }) };
  const publish = async (...keys: Array<typeof key1>) => {
    jwksBody = JSON.stringify({ keys: await Promise.all(keys.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: 'RS256', use: 'sig' }))) });
  };
  const signWith = async (k: typeof key1, endpoint: string) => {
    const token = await new SignJWT({ piko: { endpoints: [endpoint] } }).setProtectedHeader({ alg: 'RS256', kid: k.kid }).setExpirationTime('1h').sign(k.privateKey);
    minted.push(token);
    return token;
  };

  beforeAll(async () => {
    await publish(key1);
    jwksServer = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwksBody));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/.well-known/jwks.json`;
    service = new UpstreamService('jwks-service');
    port = await service.listen();
    server = await startPikoServer(['--upstream.auth.jwks.endpoint', jwksUrl, '--upstream.auth.jwks.cache-ttl', '1s']);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.process.stop();
    await service?.close();
    jwksServer?.close();
  });

  it('verifies with the published key, picks up a rotated key without a restart, and drops the retired one', async () => {
    agents.push(await startAgent('http', 'jwks-a', String(port), server.upstreamUrl, ['--connect.token', await signWith(key1, 'jwks-a')]));
    await waitForRoute(server.proxyUrl, 'jwks-a');

    // Rotation: the issuer publishes key-2 only and signs with it.
    await publish(key2);
    agents.push(await startAgent('http', 'jwks-b', String(port), server.upstreamUrl, ['--connect.token', await signWith(key2, 'jwks-b')]));
    await waitForRoute(server.proxyUrl, 'jwks-b');

    // key-1 is no longer published: once the set has been reloaded (cache_ttl 1s), a new key-1 token fails.
    const retired = await signWith(key1, 'jwks-c');
    const refusal = await waitFor('the retired key to be refused', async () => {
      const answer = await rawUpgrade(server.upstreamPort, '/piko/v1/upstream/jwks-c', { Authorization: `Bearer ${retired}` });
      return answer.startsWith('HTTP/1.1 401') ? answer : undefined;
    }, 20_000);
    expect(refusal.endsWith('{"error":"invalid token"}\n')).toBe(true);
  });
});
