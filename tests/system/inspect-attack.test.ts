import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { ExchangeListResponse } from '@piko/inspect';
import { type ManagedProcess, waitFor } from '@piko/testing';
import { startAgent, startPikoServer, type PikoServer } from './support/piko';

jest.setTimeout(120_000);

/** A service that records the targets it receives and answers 200. */
async function recordingService(): Promise<{ server: Server; port: number; received: string[] }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    received.push(req.url ?? '');
    req.resume().on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

/**
 * Issue 11, attacked: a replay skips proxy.auth (the original's token was redacted), so an edited
 * replay must not be a way to reach another endpoint without a token.
 */
describe('traffic inspection replay under attack', () => {
  const PROXY_KEY = 'inspect-attack-proxy-key';
  let server: PikoServer;
  let agents: ManagedProcess[] = [];
  let inspected: Awaited<ReturnType<typeof recordingService>>;
  let secret: Awaited<ReturnType<typeof recordingService>>;
  let proxyToken: string;

  async function send(endpoint: string, path: string, token?: string): Promise<number> {
    const headers: Record<string, string> = { 'x-piko-endpoint': endpoint };
    if (token) headers['x-piko-authorization'] = `Bearer ${token}`;
    return (await fetch(`${server.proxyUrl}${path}`, { headers })).status;
  }

  beforeAll(async () => {
    inspected = await recordingService();
    secret = await recordingService();
    server = await startPikoServer(['--proxy.auth.hmac-secret-key', PROXY_KEY, '--proxy.inspect.endpoints', 'shop']);
    proxyToken = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(PROXY_KEY));
    agents.push(await startAgent('http', 'shop', String(inspected.port), server.upstreamUrl));
    agents.push(await startAgent('http', 'vault', String(secret.port), server.upstreamUrl));
    for (const endpoint of ['shop', 'vault']) await waitFor(`route to ${endpoint}`, async () => ((await send(endpoint, '/route-check', proxyToken)) === 200 ? true : undefined), 30_000);
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    agents = [];
    await server?.process.stop();
    for (const s of [inspected, secret]) await new Promise((resolve) => s?.server.close(resolve));
  });

  it('refuses a replay whose edited headers name another endpoint (it would skip proxy.auth there)', async () => {
    expect(await send('shop', '/items', proxyToken)).toBe(200);
    expect(await send('vault', '/private')).toBe(401);
    const list = await waitFor('capture', async () => {
      const body = (await (await fetch(`${server.adminUrl}/api/v1/endpoints/shop/requests?path_prefix=/items`)).json()) as ExchangeListResponse;
      return body.requests.length > 0 ? body.requests : undefined;
    });
    const before = secret.received.length;
    const edited = await fetch(`${server.adminUrl}/api/v1/requests/${list[0].id}/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/private', headers: [['Host', 'localhost'], ['x-piko-endpoint', 'vault']] }),
    });
    const answer = (await edited.json()) as { error?: string };
    expect(edited.status).toBe(503);
    expect(answer.error).toMatch(/403/);
    expect(secret.received.slice(before)).toEqual([]);
    // The same edit to the original's endpoint still replays.
    const same = await fetch(`${server.adminUrl}/api/v1/requests/${list[0].id}/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/items?again=1', headers: [['Host', 'localhost'], ['x-piko-endpoint', 'shop']] }),
    });
    expect(same.status).toBe(201);
    expect(inspected.received).toContain('/items?again=1');
  });

  it('a replay edited to carry both Transfer-Encoding and Content-Length smuggles nothing to either service', async () => {
    const smuggled = '0\r\n\r\nGET /smuggled HTTP/1.1\r\nx-piko-endpoint: vault\r\nHost: localhost\r\n\r\n';
    const posted = await fetch(`${server.proxyUrl}/upload`, { method: 'POST', headers: { 'x-piko-endpoint': 'shop', 'x-piko-authorization': `Bearer ${proxyToken}` }, body: smuggled });
    expect(posted.status).toBe(200);
    const list = await waitFor('capture', async () => {
      const body = (await (await fetch(`${server.adminUrl}/api/v1/endpoints/shop/requests?path_prefix=/upload`)).json()) as ExchangeListResponse;
      return body.requests.length > 0 ? body.requests : undefined;
    });
    const uploads = inspected.received.filter((t) => t === '/upload').length;
    const res = await fetch(`${server.adminUrl}/api/v1/requests/${list[0].id}/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ headers: [['Host', 'localhost'], ['x-piko-endpoint', 'shop'], ['Transfer-Encoding', 'chunked'], ['Content-Length', String(Buffer.byteLength(smuggled))]] }),
    });
    expect([201, 503]).toContain(res.status);
    // Whatever the proxy made of the head, the bytes after the body never became a request.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(secret.received).not.toContain('/smuggled');
    expect(inspected.received).not.toContain('/smuggled');
    expect(inspected.received.filter((t) => t === '/upload').length).toBeLessThanOrEqual(uploads + 1);
  });

  it('refuses a replay edited into an upgrade or a CONNECT (400): a replay is one HTTP exchange', async () => {
    expect(await send('shop', '/one', proxyToken)).toBe(200);
    const list = await waitFor('capture', async () => {
      const body = (await (await fetch(`${server.adminUrl}/api/v1/endpoints/shop/requests?path_prefix=/one`)).json()) as ExchangeListResponse;
      return body.requests.length > 0 ? body.requests : undefined;
    });
    const before = inspected.received.length;
    for (const edits of [
      { headers: [['Host', 'localhost'], ['x-piko-endpoint', 'shop'], ['Connection', 'Upgrade'], ['UPGRADE', 'websocket']] },
      { method: 'connect' },
    ]) {
      const res = await fetch(`${server.adminUrl}/api/v1/requests/${list[0].id}/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(edits) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/one HTTP exchange/);
    }
    expect(inspected.received.length).toBe(before);
  });
});
