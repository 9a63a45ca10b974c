import type { AddressInfo } from 'node:net';
import { type DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { noopLogger } from '@piko/observability';
import { LiveFeed } from './live-feed';
import type { LiveReading, LiveSource } from './live-source';
import { PAGE_ASSETS, type PageAssets } from './page-assets';
import { PAGE_CONTROLLERS } from './page-providers';

const assets = { html: '<!doctype html><title>t</title>', js: 'void 0;', css: 'body{}' };

const reading: LiveReading = {
  nodes: [
    {
      id: 'gw-1',
      role: 'gateway',
      state: 'active',
      addresses: { upstream: '127.0.0.1:8001' },
      version: '0.1.0',
      startedAt: '2026-11-30T12:00:00.000Z',
      lastHeartbeatAt: null,
      counts: { endpoints: 1, upstreams: 2 },
      rates: null,
    },
  ],
  endpoints: [{ id: 'my-service', upstreams: 2, gatewayCount: 1, requestsPerSecond: 3, errorsPerSecond: 1 }],
  upstreams: [],
  unreachable: [{ node: 'gw-2', reason: 'timeout after 2000 ms' }],
  ratesKnown: true,
};

const source: LiveSource = { read: async () => reading };

@Module({})
class TestPageModule {
  static register(pageAssets: PageAssets | undefined, maxStreams: number): DynamicModule {
    return {
      module: TestPageModule,
      controllers: PAGE_CONTROLLERS,
      providers: [
        { provide: PAGE_ASSETS, useValue: pageAssets },
        { provide: LiveFeed, useValue: new LiveFeed(source, { intervalMs: 250, historyMs: 60_000, chartEndpoints: 8, maxStreams }, noopLogger) },
      ],
    };
  }
}

/** The page's controllers in a real Nest app on a loopback port, read with fetch(). */
async function start(options: { assets?: PageAssets; maxStreams?: number }): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(TestPageModule.register(options.assets, options.maxStreams ?? 4), { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

/** Reads a server-sent event stream until `count` events arrived; returns their names and data. */
async function readEvents(res: Response, count: number): Promise<Array<{ event: string; data: unknown }>> {
  if (!res.body) throw new Error('no body');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const events: Array<{ event: string; data: unknown }> = [];
  while (events.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null');
      events.push({ event, data });
    }
  }
  await reader.cancel();
  return events;
}

describe('the status page and its live channel (PAGE_CONTROLLERS)', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('serves the page, script and stylesheet with their types and a CSP that allows only its own origin', async () => {
    const started = await start({ assets });
    app = started.app;
    for (const [path, type, body] of [['/', 'text/html', assets.html], ['/page/app.js', 'text/javascript', assets.js], ['/page/app.css', 'text/css', assets.css]]) {
      const res = await fetch(`${started.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toBe(body);
    }
  });

  it('answers 503 with a JSON error when the page is not built into this bundle', async () => {
    const started = await start({});
    app = started.app;
    const res = await fetch(`${started.url}/`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'the status page is not in this build (run npm run build)' });
  });

  it('streams hello, then snapshots carrying the reading and the chart point', async () => {
    const started = await start({ assets });
    app = started.app;
    const res = await fetch(`${started.url}/api/v1/events`);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(res, 3);
    expect(events[0]).toEqual({ event: 'hello', data: { intervalMs: 250, historyMs: 60_000, points: [] } });
    const { ratesKnown: _r, ...shown } = reading;
    for (const e of events.slice(1)) {
      expect(e.event).toBe('snapshot');
      expect(e.data).toMatchObject({ ...shown, point: { rates: { 'my-service': { requests: 3, errors: 1 } } } });
    }
  });

  it('refuses a stream beyond admin.page.max_streams with 503, and serves again once one closes', async () => {
    const started = await start({ assets, maxStreams: 1 });
    app = started.app;
    const first = new AbortController();
    const open = await fetch(`${started.url}/api/v1/events`, { signal: first.signal });
    expect(open.status).toBe(200);
    const refused = await fetch(`${started.url}/api/v1/events`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: 'too many live streams open (admin.page.max_streams 1)' });
    first.abort();
    await expect(open.text()).rejects.toThrow();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      const again = await fetch(`${started.url}/api/v1/events`);
      status = again.status;
      await again.body?.cancel();
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(200);
  });

  it('ends open streams when the app closes, so shutdown does not wait on them', async () => {
    const started = await start({ assets });
    const res = await fetch(`${started.url}/api/v1/events`);
    const body = res.text();
    await started.app.close();
    await expect(body).resolves.toContain('event: hello');
  });
});
