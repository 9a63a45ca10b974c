import { connect } from 'node:net';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';
import { ManagedProcess, waitFor } from '@piko/testing';
import { curl } from './support/curl';
import { PIKO_BIN, type PikoServer, startAgent, startPikoServer, waitForRoute } from './support/piko';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(120_000);

// Issue 8's finding, and Go Piko's auth behaviour (pkg/auth, pkg/middleware/auth.go) on the real
// built processes. Tokens are minted here with jose, as an operator's issuer would.
const UPSTREAM_KEY = 'upstream-signing-key-for-tests';
const TENANT_KEY = 'tenant-a-signing-key-for-tests';
const now = () => Math.floor(Date.now() / 1000);

const minted: string[] = [];
async function mint(key: string, claims: JWTPayload = {}, alg = 'HS256'): Promise<string> {
  const token = await new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(key));
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
    const exp = now() + 4;
    const token = await mint(UPSTREAM_KEY, { exp, piko: { endpoints: ['short-lived'] } });
    const agent = await startAgent('http', 'short-lived', String(portA), server.upstreamUrl, ['--connect.token', token]);
    agents.push(agent);
    await waitForRoute(server.proxyUrl, 'short-lived');
    expect((await curl(['-H', 'x-piko-endpoint: short-lived', `${server.proxyUrl}/`])).status).toBe(200);
    // After exp the gateway closes the session; the proxy then has no upstream for it.
    await waitFor(
      'the expired upstream to be gone',
      async () => ((await curl(['-H', 'x-piko-endpoint: short-lived', `${server.proxyUrl}/`])).status === 502 ? true : undefined),
      30_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    await server.process.waitForOutput('upstream token expired');
    // Its reconnect with the same token is refused.
    await agent.waitForOutput('expired token', 30_000);
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
