import { type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ClusterRpc } from '@piko/cluster';
import { type ExchangeSummary, MAX_CHANGES_PER_ANSWER } from '@piko/inspect';
import { noopLogger } from '@piko/observability';
import { encodeFeedCursor } from './feed-cursor';
import { LiveFeed, type LiveFeedOptions } from './live-feed';
import type { LiveReading, LiveSource } from './live-source';
import { PAGE_ASSETS, type PageAssets } from './page-assets';
import { PAGE_CONTROLLERS } from './page-providers';
import { RequestFeed } from './request-feed';

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
  static register(pageAssets: PageAssets | undefined, options: LiveFeedOptions, requests?: RequestFeed, liveSource: LiveSource = source): DynamicModule {
    return {
      module: TestPageModule,
      controllers: PAGE_CONTROLLERS,
      providers: [
        { provide: PAGE_ASSETS, useValue: pageAssets },
        { provide: LiveFeed, useValue: new LiveFeed(liveSource, options, noopLogger) },
        ...(requests ? [{ provide: RequestFeed, useValue: requests }] : []),
      ],
    };
  }
}

/** The page's controllers in a real Nest app on a loopback port, read with fetch(). */
async function start(
  options: { assets?: PageAssets; requests?: RequestFeed; source?: LiveSource } & Partial<Pick<LiveFeedOptions, 'maxStreams' | 'maxStreamsPerClient' | 'stalledStreamTimeoutMs'>>,
): Promise<{ app: INestApplication; url: string; port: number }> {
  const feedOptions: LiveFeedOptions = {
    intervalMs: 250,
    historyMs: 60_000,
    chartEndpoints: 8,
    maxStreams: options.maxStreams ?? 4,
    maxStreamsPerClient: options.maxStreamsPerClient ?? 0,
    stalledStreamTimeoutMs: options.stalledStreamTimeoutMs ?? 60_000,
  };
  const app = await NestFactory.create(TestPageModule.register(options.assets, feedOptions, options.requests, options.source), { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, port };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it is true, for `timeoutMs` at most. */
async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** A request summary of about 1 KB (its target is long), so one answer of MAX_CHANGES_PER_ANSWER is about 2 MB. */
function bigSummary(node: string, seq: number): ExchangeSummary {
  return {
    id: `${node}.${seq}`,
    endpoint_id: 'web',
    proxy_node: node,
    kind: 'http',
    started_at: '2026-11-30T16:00:00.000Z',
    client_addr: '127.0.0.1:50000',
    method: 'GET',
    target: `/${'x'.repeat(1_000)}`,
    status: 502,
    ttfb_ms: 1,
    total_ms: 1,
    bytes_in: 0,
    bytes_out: 0,
    replayable: true,
  };
}

/** Versions from here on are the live polls' (a catch-up answer never reaches them). */
const LIVE_BASE = 1_000_000;

/**
 * One proxy, 'p1', over a fake ClusterRpc: `inspect-changes` from a version below LIVE_BASE is a
 * catch-up ask, answered with the next MAX_CHANGES_PER_ANSWER of `catchUpTotal` summaries;
 * a poll (since -1 or from LIVE_BASE) gets the summaries the test pushed onto `live`.
 */
class PagedProxyRpc implements ClusterRpc {
  /** Catch-up answers given so far. */
  catchUpAnswers = 0;
  readonly live: ExchangeSummary[] = [];

  constructor(private readonly catchUpTotal: number) {}

  serve(): () => void {
    return () => undefined;
  }

  async request(_subject: string, payload: unknown): Promise<unknown> {
    const { since } = payload as { since: number };
    if (since === -1 || since >= LIVE_BASE) {
      return { version: LIVE_BASE + this.live.length, changes: since === -1 ? [] : this.live.slice(since - LIVE_BASE), missed: false };
    }
    this.catchUpAnswers++;
    const changes: ExchangeSummary[] = [];
    for (let seq = since + 1; seq <= Math.min(since + MAX_CHANGES_PER_ANSWER, this.catchUpTotal); seq++) changes.push(bigSummary('p1', seq));
    return { version: since + changes.length, changes, missed: false };
  }
}

/**
 * GET `path` with node:http, not reading the body until `read()` is called (the response stays
 * paused, so the client stops taking bytes off its socket once its buffers are full).
 */
function slowGet(
  port: number,
  path: string,
  localAddress?: string,
): { status: Promise<number>; received: () => string; read: () => void; close: () => void; closed: () => boolean } {
  const req = request({ port, host: '127.0.0.1', path, localAddress, agent: false });
  req.on('error', () => undefined);
  let text = '';
  let closed = false;
  const response = new Promise<IncomingMessage>((resolve) => req.on('response', resolve));
  void response.then((res) => res.on('close', () => (closed = true)));
  req.end();
  return {
    status: response.then((res) => res.statusCode ?? 0),
    received: () => text,
    read: () =>
      void response.then((res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', () => undefined);
      }),
    close: () => req.destroy(),
    closed: () => closed,
  };
}

/** The ids of the whole `request` events received so far. */
function requestIds(raw: string): string[] {
  return [...raw.matchAll(/^event: request\ndata: (.*)\n\n/gm)].map((m) => (JSON.parse(m[1]) as ExchangeSummary).id);
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

  it('sends a ?cursor= catch-up only as the client reads: one that does not read costs about one answer, and once it reads it gets every summary, then the live ones', async () => {
    const total = 8 * MAX_CHANGES_PER_ANSWER;
    const rpc = new PagedProxyRpc(total);
    const requests = new RequestFeed({ rpc, proxies: async () => ['p1'], timeoutMs: 1_000, intervalMs: 100, logger: noopLogger });
    const started = await start({ assets, requests });
    app = started.app;
    const client = slowGet(started.port, `/api/v1/events?cursor=${encodeFeedCursor({ p1: 0 })}`);
    try {
      await until('the first catch-up answer', () => rpc.catchUpAnswers >= 1);
      // Not reading: the first answer (about 2 MB) does not fit in the socket's buffers, so the
      // next is not asked for. Before the fix all 8 (about 16 MB) were asked for and written at once.
      await sleep(1_000);
      expect(rpc.catchUpAnswers).toBeLessThanOrEqual(2);
      // Reading: every summary comes, each once and in order, then a live one.
      client.read();
      await until('the whole catch-up', () => requestIds(client.received()).length >= total, 30_000);
      expect(requestIds(client.received())).toEqual(Array.from({ length: total }, (_, i) => `p1.${i + 1}`));
      expect(rpc.catchUpAnswers).toBe(8);
      rpc.live.push(bigSummary('p1', LIVE_BASE + 1));
      await until('the live summary', () => requestIds(client.received()).includes(`p1.${LIVE_BASE + 1}`));
    } finally {
      client.close();
    }
  }, 60_000);

  it('stops a ?cursor= catch-up when its client goes away, without asking the proxies for more', async () => {
    const rpc = new PagedProxyRpc(8 * MAX_CHANGES_PER_ANSWER);
    const requests = new RequestFeed({ rpc, proxies: async () => ['p1'], timeoutMs: 1_000, intervalMs: 100, logger: noopLogger });
    const started = await start({ assets, requests });
    app = started.app;
    const client = slowGet(started.port, `/api/v1/events?cursor=${encodeFeedCursor({ p1: 0 })}`);
    await until('the first catch-up answer', () => rpc.catchUpAnswers >= 1);
    client.close();
    const asked = rpc.catchUpAnswers;
    await sleep(500);
    expect(rpc.catchUpAnswers).toBe(asked);
    expect(asked).toBeLessThanOrEqual(2);
  }, 30_000);

  it('closes a stream whose client has not read for admin.page.stalled_stream_timeout, which frees its place', async () => {
    // Snapshots of ~800 KB every 250 ms: a client that does not read backs its socket up at once.
    const big: LiveReading = { ...reading, endpoints: Array.from({ length: 8_000 }, (_, i) => ({ id: `endpoint-${i}-${'x'.repeat(60)}`, upstreams: 1, gatewayCount: 1, requestsPerSecond: 1, errorsPerSecond: 0 })) };
    const started = await start({ assets, maxStreams: 1, stalledStreamTimeoutMs: 500, source: { read: async () => big } });
    app = started.app;
    const stalled = slowGet(started.port, '/api/v1/events');
    try {
      expect(await stalled.status).toBe(200);
      // The one place is taken until the stalled stream is closed; then another page gets it.
      let status = 0;
      const deadline = Date.now() + 25_000;
      while (status !== 200 && Date.now() < deadline) {
        const probe = await fetch(`${started.url}/api/v1/events`);
        status = probe.status;
        await probe.body?.cancel();
        if (status !== 200) await sleep(100);
      }
      expect(status).toBe(200);
      // Reading now, the stalled client finds its stream ended.
      stalled.read();
      await until('the stalled stream to end', () => stalled.closed());
    } finally {
      stalled.close();
    }
  }, 40_000);

  it('refuses a stream beyond admin.page.max_streams_per_client from one address with 503, while another address still gets one', async () => {
    const started = await start({ assets, maxStreams: 32, maxStreamsPerClient: 4 });
    app = started.app;
    const held = Array.from({ length: 4 }, () => slowGet(started.port, '/api/v1/events', '127.0.0.1'));
    const others: Array<ReturnType<typeof slowGet>> = [];
    try {
      for (const stream of held) {
        stream.read();
        expect(await stream.status).toBe(200);
      }
      const refused = await fetch(`${started.url}/api/v1/events`);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual({ error: 'too many live streams open from your address (admin.page.max_streams_per_client 4)' });
      const other = slowGet(started.port, '/api/v1/events', '127.0.0.2');
      others.push(other);
      other.read();
      expect(await other.status).toBe(200);
      // One of the four closes: the first address gets a stream again.
      held[0].close();
      await until('the closed stream to be counted out', () => held[0].closed());
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        const again = await fetch(`${started.url}/api/v1/events`);
        status = again.status;
        await again.body?.cancel();
        if (status !== 200) await sleep(20);
      }
      expect(status).toBe(200);
    } finally {
      for (const stream of [...held, ...others]) stream.close();
    }
  }, 30_000);
});
