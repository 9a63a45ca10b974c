import { createServer, type Server } from 'node:http';
import type { ExchangeListResponse } from '@piko/inspect';
import { type ManagedProcess, waitFor } from '@piko/testing';
import { closeHttpServer, listenOnLoopback } from './support/loopback-http';
import { startAgent, startPikoServer, waitForRoute, type PikoServer } from './support/piko';

jest.setTimeout(120_000);

const BURST = 2;
const REPLAYS = 8;

/**
 * admin.api.replay_rate / replay_burst: a replay is real traffic to a service, so an admin node
 * sends at most the burst at once and then `replay_rate` per second; the rest are answered 429
 * with Go Piko's error body (plus `code: rate_limited`) and Retry-After, and never reach the service.
 */
describe('replay rate limit', () => {
  let service: Server;
  let received = 0;
  let server: PikoServer;
  let agent: ManagedProcess;

  beforeAll(async () => {
    service = createServer((req, res) => {
      if (req.url === '/limited') received++;
      res.end('ok');
    });
    const port = await listenOnLoopback(service);
    server = await startPikoServer(['--proxy.inspect.endpoints', 'limited', '--admin.api.replay-rate', '1', '--admin.api.replay-burst', String(BURST)]);
    agent = await startAgent('http', 'limited', String(port), server.upstreamUrl);
    await waitForRoute(server.proxyUrl, 'limited', '/route-check');
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.process.stop();
    if (service) await closeHttpServer(service);
  });

  it('answers replays beyond the burst 429 rate_limited with Retry-After, and sends none of them', async () => {
    expect((await fetch(`${server.proxyUrl}/limited`, { headers: { 'x-piko-endpoint': 'limited' } })).status).toBe(200);
    const id = await waitFor('the capture', async () => {
      const list = (await (await fetch(`${server.adminUrl}/api/v1/endpoints/limited/requests?path_prefix=/limited`)).json()) as ExchangeListResponse;
      return list.requests.find((r) => r.total_ms !== null)?.id;
    }, 20_000);
    const before = received;

    // All at once: with a burst of 2 and 1 more a second, most of them must be refused.
    const answers = await Promise.all(
      Array.from({ length: REPLAYS }, async () => {
        const res = await fetch(`${server.adminUrl}/api/v1/requests/${id}/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
      }),
    );
    const sent = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 429);
    expect(sent.length + refused.length).toBe(REPLAYS);
    expect(sent.length).toBeGreaterThanOrEqual(BURST);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.body).toEqual({ error: 'too many replays: admin.api.replay_rate exceeded', code: 'rate_limited' });
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // Only the replays let through reached the service.
    expect(received - before).toBe(sent.length);
  });
});
