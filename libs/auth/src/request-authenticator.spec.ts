import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { SignJWT } from 'jose';
import { ConfigError, loadConfig, ServerConfig, TenantConfig } from '@piko/config';
import { noopLogger } from '@piko/observability';
import { bearerCredential, removeCredential } from './bearer-credential';
import { loadAuthenticator } from './load-authenticator';
import type { RequestAuthenticator } from './request-authenticator';

const load = (argv: string[]) => loadConfig(ServerConfig, { argv, env: {} }).config;
async function loaded(config: ServerConfig, port: 'proxy' | 'upstream'): Promise<RequestAuthenticator> {
  const auth = await loadAuthenticator(config, port, noopLogger);
  if (!auth) throw new Error(`${port} has no authenticator`);
  return auth;
}
const sign = (key: string, claims: Record<string, unknown> = {}) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(key));

function request(headers: Record<string, string>): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  for (const [name, value] of Object.entries(headers)) {
    req.headers[name.toLowerCase()] = value;
    req.rawHeaders.push(name, value);
  }
  return req;
}

describe('bearerCredential', () => {
  it('prefers x-piko-authorization, then Authorization (Go Piko), scheme case-insensitive', () => {
    expect(bearerCredential({ 'x-piko-authorization': 'Bearer a', authorization: 'Bearer b' })).toEqual({ token: 'a', header: 'x-piko-authorization' });
    expect(bearerCredential({ authorization: 'bearer b' })).toEqual({ token: 'b', header: 'authorization' });
  });

  it.each([
    [{}, 'missing authorization'],
    [{ authorization: 'Bearer' }, 'invalid authorization'],
    [{ authorization: 'Bearer ' }, 'invalid authorization'],
    [{ authorization: 'Basic dXNlcjpwYXNz' }, 'unsupported auth type'],
  ])('refuses %j with %s', (headers, message) => {
    expect(() => bearerCredential(headers)).toThrow(message);
  });
});

describe('removeCredential', () => {
  it('removes Authorization when it carried the Piko token', () => {
    const req = request({ Authorization: 'Bearer t', Cookie: 'c=1' });
    removeCredential(req, bearerCredential(req.headers));
    expect(req.headers.authorization).toBeUndefined();
    expect(req.rawHeaders).toEqual(['Cookie', 'c=1']);
  });

  it("keeps the service's own Authorization when the Piko token came in x-piko-authorization", () => {
    const req = request({ 'X-Piko-Authorization': 'Bearer t', Authorization: 'Basic abc' });
    removeCredential(req, bearerCredential(req.headers));
    expect(req.headers['x-piko-authorization']).toBeUndefined();
    expect(req.rawHeaders).toEqual(['Authorization', 'Basic abc']);
  });
});

describe('loadAuthenticator', () => {
  it('is undefined for a port without auth', async () => {
    expect(await loadAuthenticator(load([]), 'proxy', noopLogger)).toBeUndefined();
  });

  it('verifies, checks the endpoint, and never rejects', async () => {
    const auth = await loaded(load(['--proxy.auth.hmac-secret-key', 'k']), 'proxy');
    const token = await sign('k', { piko: { endpoints: ['mine'] } });
    expect(await auth.authenticate(request({ Authorization: `Bearer ${token}` }), 'mine')).toMatchObject({ ok: true });
    expect(await auth.authenticate(request({ Authorization: `Bearer ${token}` }), 'theirs')).toMatchObject({ ok: false, error: { message: 'endpoint not permitted', status: 401 } });
    expect(await auth.authenticate(request({}), 'mine')).toMatchObject({ ok: false, error: { message: 'missing authorization' } });
    // The proxy port has no tenants: any tenant ID is unknown (Go Piko).
    expect(await auth.authenticate(request({ Authorization: `Bearer ${token}`, 'x-piko-tenant-id': 't' }))).toMatchObject({ ok: false, error: { message: 'unknown tenant' } });
  });

  it('verifies upstream tenants with their own keys; with tenants, no tenant ID is refused', async () => {
    const config = load(['--upstream.auth.hmac-secret-key', 'default-key']);
    const tenant = Object.assign(new TenantConfig(), { id: 'a' });
    tenant.auth.hmacSecretKey = 'tenant-a-key';
    config.upstream.tenants = [tenant];
    const auth = await loaded(config, 'upstream');
    const tenantToken = await sign('tenant-a-key');
    const defaultToken = await sign('default-key');
    expect(await auth.authenticate(request({ Authorization: `Bearer ${tenantToken}`, 'x-piko-tenant-id': 'a' }))).toMatchObject({ ok: true, token: { tenantId: 'a' } });
    expect(await auth.authenticate(request({ Authorization: `Bearer ${defaultToken}`, 'x-piko-tenant-id': 'a' }))).toMatchObject({ ok: false, error: { message: 'invalid token' } });
    expect(await auth.authenticate(request({ Authorization: `Bearer ${defaultToken}` }))).toMatchObject({ ok: false, error: { message: 'unknown tenant' } });
    expect(await auth.authenticate(request({ Authorization: `Bearer ${tenantToken}`, 'x-piko-tenant-id': 'b' }))).toMatchObject({ ok: false, error: { message: 'unknown tenant' } });
  });

  it('refuses bad keys and JWKS together with another key, naming each key', async () => {
    const config = load(['--admin.auth.rsa-public-key', 'garbage', '--admin.auth.jwks.endpoint', 'file:///nonexistent/jwks.json']);
    const err = await loadAuthenticator(config, 'admin', noopLogger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([
      'admin.auth.rsa_public_key',
      'admin.auth.jwks.endpoint',
      'admin.auth.jwks.endpoint',
    ]);
  });

  it('logs refusals with their reason but never the token, and rate-limits a flood of them', async () => {
    const lines: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
    const logger = { ...noopLogger, warn: (msg: string, fields?: Record<string, unknown>) => void lines.push({ msg, fields }), child: () => logger };
    const auth = await loadAuthenticator(load(['--proxy.auth.hmac-secret-key', 'k']), 'proxy', logger);
    if (!auth) throw new Error('no authenticator');
    const bad = await sign('wrong-key');
    for (let i = 0; i < 50; i++) await auth.authenticate(request({ Authorization: `Bearer ${bad}` }), 'e');
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines[0]).toMatchObject({ msg: 'auth: invalid token', fields: { endpointId: 'e' } });
    expect(JSON.stringify(lines)).not.toContain(bad.split('.')[2]);
  });
});
