import { createServer, type Server } from 'node:http';
import type { ExchangeListResponse, ExchangeSummary } from '@piko/inspect';
import { type ManagedProcess, waitFor } from '@piko/testing';
import { closeHttpServer, listenOnLoopback } from './support/loopback-http';
import { startAgent, startPikoServer, waitForRoute, type PikoServer } from './support/piko';
import { collectRequestEvents } from './support/sse-requests';

jest.setTimeout(120_000);

/**
 * The live channel's gap at subscription (issue 11): a capture made after a client read the list
 * and before it opened `GET /api/v1/events` is sent when the stream is opened with the list's
 * `cursor`, so a page or CLI that lists first and then subscribes misses nothing.
 */
describe('live feed cursor', () => {
  let service: Server;
  let server: PikoServer;
  let agent: ManagedProcess;

  beforeAll(async () => {
    service = createServer((_req, res) => res.end('ok'));
    const port = await listenOnLoopback(service);
    server = await startPikoServer(['--proxy.inspect.endpoints', 'cursored']);
    agent = await startAgent('http', 'cursored', String(port), server.upstreamUrl);
    await waitForRoute(server.proxyUrl, 'cursored', '/route-check');
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.process.stop();
    if (service) await closeHttpServer(service);
  });

  const proxy = async (path: string) => (await fetch(`${server.proxyUrl}${path}`, { headers: { 'x-piko-endpoint': 'cursored' } })).text();
  const list = async () => (await (await fetch(`${server.adminUrl}/api/v1/endpoints/cursored/requests`)).json()) as ExchangeListResponse;

  /** Opens the live channel and collects its `request` events until `stop` is called. */
  async function subscribe(query: string): Promise<{ status: number; events: ExchangeSummary[]; stop: () => Promise<void> }> {
    const controller = new AbortController();
    const res = await fetch(`${server.adminUrl}/api/v1/events?${query}`, { signal: controller.signal });
    const events: ExchangeSummary[] = [];
    if (res.status !== 200) return { status: res.status, events, stop: async () => controller.abort() };
    const reading = collectRequestEvents(res.body!, events);
    return { status: 200, events, stop: async () => (controller.abort(), await reading) };
  }

  it('sends the captures made between the list and the subscription when given the list cursor', async () => {
    await proxy('/before-list');
    await waitFor('the first capture, finished', async () => ((await list()).requests.some((r) => r.target === '/before-list' && r.total_ms !== null) ? true : undefined), 20_000);
    const { cursor, requests } = await list();
    expect(typeof cursor).toBe('string');
    expect(requests.map((r) => r.target)).not.toContain('/in-the-gap');

    // Made after the list was read, before the stream is open: the gap.
    await proxy('/in-the-gap');
    await waitFor('the gap capture, finished', async () => ((await list()).requests.some((r) => r.target === '/in-the-gap' && r.total_ms !== null) ? true : undefined), 20_000);

    const withCursor = await subscribe(`endpoint=cursored&cursor=${cursor}`);
    try {
      await waitFor('the gap capture on the stream', async () => (withCursor.events.some((e) => e.target === '/in-the-gap' && e.total_ms !== null) ? true : undefined), 20_000);
      // Only what changed after the list: the capture listed before is not sent again.
      expect(withCursor.events.map((e) => e.target)).not.toContain('/before-list');
    } finally {
      await withCursor.stop();
    }
  });

  it('refuses a cursor that is not one (400)', async () => {
    const bad = await subscribe('endpoint=cursored&cursor=not-a-cursor');
    await bad.stop();
    expect(bad.status).toBe(400);
  });
});
