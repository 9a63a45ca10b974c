import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, StatusConfig } from '@piko/config';
import { AdminClient } from './admin-client';
import { bodyLines, exchangeText, terminalSafe } from './exchange-text';
import type { ExchangeRecord, ExchangeSummary } from '@piko/inspect';
import { followRequests, passes } from './follow-requests';
import { runStatus, type StatusOutputStreams } from './run-status';
import { type StatusView, statusView } from './status-views';

function config(argv: string[] = []): StatusConfig {
  return loadConfig(StatusConfig, { argv, env: {} }).config;
}

function capture(): StatusOutputStreams & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out: { write: (t: string) => (io.stdout += t) }, err: { write: (t: string) => (io.stderr += t) } };
  return io;
}

function summary(over: Partial<ExchangeSummary> = {}): ExchangeSummary {
  return {
    id: 'proxy-a.1',
    endpoint_id: 'web',
    proxy_node: 'proxy-a',
    gateway_node: 'gateway-a',
    kind: 'http',
    started_at: '2026-11-30T16:00:00.125Z',
    client_addr: '127.0.0.1:50000',
    method: 'GET',
    target: '/items?x=1',
    status: 200,
    ttfb_ms: 1.25,
    total_ms: 2.5,
    bytes_in: 0,
    bytes_out: 2048,
    replayable: true,
    ...over,
  };
}

/** A stand-in admin port: the list route, one record, and a live stream the test writes to. */
async function fakeAdmin(list: ExchangeSummary[], record?: ExchangeRecord, inspecting = true) {
  const requests: URL[] = [];
  const streams: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url);
    if (url.pathname === '/api/v1/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: hello\ndata: {"intervalMs":1000,"historyMs":1000,"points":[]}\n\n');
      streams.push(res);
      return;
    }
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/api/v1/endpoints/web/requests') return json(200, { requests: list, unreachable_nodes: ['proxy-z'], cursor: `c${requests.length}` });
    if (record && url.pathname === `/api/v1/requests/${record.id}`) return json(200, record);
    if (url.pathname === '/api/v1/endpoints/web/inspect') return json(200, { endpoint_id: 'web', enabled: inspecting, source: 'config', unreachable_nodes: [] });
    json(404, { error: 'request not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const send = (s: ExchangeSummary) => streams.forEach((r) => r.write(`event: request\ndata: ${JSON.stringify(s)}\n\n`));
  return { url, requests, streams, send, close: () => new Promise((r) => server.close(r)) };
}

async function until(what: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!what()) throw new Error('timed out');
}

describe('piko status requests / request', () => {
  it('lists oldest first with filters sent in the API spelling, and names proxies that did not answer', async () => {
    const admin = await fakeAdmin([
      summary({ id: 'proxy-a.2', started_at: '2026-11-30T16:00:01.000Z', method: 'POST', target: '/up', status: 502, ttfb_ms: null, total_ms: 30000, error: { status: 502, cause: 'upstream unreachable' } }),
      summary(),
    ]);
    try {
      const argv = ['--status', '5xx', '--method', 'post', '--path-prefix', '/u', '--limit', '5000'];
      const io = capture();
      const code = await runStatus(statusView('requests', 'web', config(argv)) as StatusView, new AdminClient({ url: admin.url, timeoutMs: 5_000 }), config(argv), io, new AbortController().signal, 't');
      expect(code).toBe(0);
      expect(admin.requests[0].pathname + admin.requests[0].search).toBe('/api/v1/endpoints/web/requests?status=5xx&method=POST&path_prefix=%2Fu&limit=1000');
      const lines = io.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^TIME\(UTC\)\s+ID\s+METHOD\s+TARGET\s+STATUS\s+TTFB\s+TOTAL\s+IN\s+OUT\s+CLIENT\s+NOTE$/);
      expect(lines[1]).toMatch(/^16:00:00\.125\s+proxy-a\.1\s+GET\s+\/items\?x=1\s+200\s+1\.3ms\s+2\.5ms\s+0B\s+2\.0KiB\s+127\.0\.0\.1:50000\s+-$/);
      expect(lines[2]).toMatch(/^16:00:01\.000\s+proxy-a\.2\s+POST\s+\/up\s+502\s+-\s+30\.00s\s+.*piko 502: upstream unreachable$/);
      expect(io.stderr).toBe('piko status: proxy-z did not answer (no answer in time); what it holds is missing\n');

      const json = capture();
      await runStatus(statusView('requests', 'web', config(['--output', 'json'])) as StatusView, new AdminClient({ url: admin.url, timeoutMs: 5_000 }), config(['--output', 'json']), json, new AbortController().signal, 't');
      expect((JSON.parse(json.stdout) as { requests: ExchangeSummary[] }).requests.map((s) => s.id)).toEqual(['proxy-a.2', 'proxy-a.1']);
    } finally {
      await admin.close();
    }
  });

  it('an empty list says on stderr when the endpoint is not being captured (and only then), listing or following', async () => {
    const off = await fakeAdmin([], undefined, false);
    const on = await fakeAdmin([], undefined, true);
    try {
      const listed = async (url: string) => {
        const io = capture();
        await runStatus(statusView('requests', 'web', config()) as StatusView, new AdminClient({ url, timeoutMs: 5_000 }), config(), io, new AbortController().signal, 't');
        return io.stderr;
      };
      const warning = /^piko status: inspection is off for web, so nothing is captured: turn it on with the proxies' --proxy\.inspect\.endpoints, or now with PUT \/api\/v1\/endpoints\/web\/inspect \{"enabled": true\}/m;
      expect(await listed(off.url)).toMatch(warning);
      expect(await listed(on.url)).not.toMatch(/inspection is off/);

      const io = capture();
      const stop = new AbortController();
      const following = followRequests('web', new AdminClient({ url: off.url, timeoutMs: 5_000 }), config(['--follow']), io, stop.signal);
      await until(() => off.streams.length > 0);
      stop.abort();
      expect(await following).toBe(0);
      expect(io.stderr).toMatch(warning);
    } finally {
      await off.close();
      await on.close();
    }
  });

  it('needs an endpoint for requests and an ID for request', () => {
    expect(statusView('requests', undefined, config())).toMatch(/needs the endpoint ID/);
    expect(statusView('request', undefined, config())).toMatch(/needs a request ID/);
  });

  it('prints one exchange as curl -v would, bodies as text or hex with their size, control characters made visible', () => {
    const rec: ExchangeRecord = {
      ...summary({ method: 'POST', target: '/x\u001b[31m' }),
      http_version: '1.1',
      request: { headers: [['authorization', '[redacted]'], ['x-evil', 'a\u001b]0;title\u0007b']], body: { size: 5000, kept: Buffer.from('{"a":1').toString('base64'), truncated: true } },
      response: { reason: 'OK\u001b[2J', headers: [['content-type', 'application/octet-stream']], body: { size: 3, kept: Buffer.from([0, 0xff, 0x41]).toString('base64'), truncated: false } },
    };
    const text = exchangeText(rec);
    expect(text).toContain('> POST /x\\x1b[31m HTTP/1.1\n> authorization: [redacted]\n> x-evil: a\\x1b]0;title\\x07b\n>\n(body: 5000 bytes; cut: the first 6 bytes kept)\n{"a":1\n');
    expect(text).toContain('< HTTP/1.1 200 OK\\x1b[2J\n< content-type: application/octet-stream\n<\n(body: 3 bytes, all kept)\n00000000: 00ff 41                                  ..A\n');
    expect(text).not.toContain('\u001b');
    expect(terminalSafe('a\u009b2Jb')).toBe('a\\x9b2Jb');
    expect(bodyLines({ size: 10, kept: '', truncated: true, omitted: 'content_type' })).toEqual(['(body: 10 bytes, not kept: its content type is never stored)']);
  });

  it('filters live captures as the API filters lists', () => {
    const s = summary({ status: 503, method: 'POST', target: '/api/x?y' });
    expect(passes(s, config(['--status', '5xx', '--method', 'post', '--path-prefix', '/api/']))).toBe(true);
    expect(passes(s, config(['--status', '503']))).toBe(true);
    expect(passes(s, config(['--status', '502']))).toBe(false);
    expect(passes(s, config(['--status', '4xx']))).toBe(false);
    expect(passes(s, config(['--method', 'GET']))).toBe(false);
    expect(passes(s, config(['--path-prefix', '/api/x?']))).toBe(false);
  });

  it('--follow: the list, then captures the stream announces (filtered, each once, again when changed) until stopped', async () => {
    const admin = await fakeAdmin([summary()]);
    const io = capture();
    const stop = new AbortController();
    const cfg = config(['--follow', '--method', 'GET']);
    const done = followRequests('web', new AdminClient({ url: admin.url, timeoutMs: 5_000 }), cfg, io, stop.signal);
    try {
      await until(() => io.stdout.includes('proxy-a.1') && admin.streams.length === 1);
      // The stream is opened after the list, with the endpoint and the list's cursor (captures made in between come first).
      expect(admin.requests.map((u) => u.pathname + u.search)).toEqual(['/api/v1/endpoints/web/requests?method=GET&limit=1000', '/api/v1/events?endpoint=web&cursor=c1']);
      admin.send(summary({ id: 'proxy-a.2', total_ms: null, kind: 'sse' }));
      admin.send(summary({ id: 'proxy-a.3', method: 'POST' })); // filtered out
      admin.send(summary({ id: 'proxy-a.4', total_ms: null })); // an HTTP exchange still going: printed once over
      admin.send(summary({ id: 'proxy-b.1', endpoint_id: 'other' })); // another endpoint
      admin.send(summary({ id: 'proxy-a.2', total_ms: null, kind: 'sse' })); // the same again: not printed
      admin.send(summary({ id: 'proxy-a.2', total_ms: 900, kind: 'sse' })); // closed: printed again
      admin.send(summary({ id: 'proxy-a.4', total_ms: 5 })); // over now
      await until(() => io.stdout.includes('proxy-a.4'));
      stop.abort();
      expect(await done).toBe(0);
      const lines = io.stdout.trimEnd().split('\n');
      expect(lines.map((l) => l.split(/\s+/)[1])).toEqual(['ID', 'proxy-a.1', 'proxy-a.2', 'proxy-a.2', 'proxy-a.4']);
      expect(lines[2]).toMatch(/sse; open$/);
      expect(lines[3]).toMatch(/900ms .*sse$/);
    } finally {
      stop.abort();
      admin.streams.forEach((r) => r.destroy());
      await admin.close();
    }
  });

  it('--follow -o json: one JSON summary a line; a stream that ends is reopened and the list read again', async () => {
    const admin = await fakeAdmin([summary()]);
    const io = capture();
    const stop = new AbortController();
    const done = followRequests('web', new AdminClient({ url: admin.url, timeoutMs: 5_000 }), config(['--follow', '--output', 'json']), io, stop.signal);
    try {
      await until(() => io.stdout.includes('proxy-a.1') && admin.streams.length === 1);
      admin.streams[0].end();
      await until(() => admin.streams.length === 2 && admin.requests.length === 4);
      // Reopened with the new list's cursor.
      expect(admin.requests[3].searchParams.get('cursor')).toBe('c3');
      admin.send(summary({ id: 'proxy-a.9' }));
      await until(() => io.stdout.includes('proxy-a.9'));
      stop.abort();
      expect(await done).toBe(0);
      expect(io.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as ExchangeSummary).id)).toEqual(['proxy-a.1', 'proxy-a.9']);
      expect(io.stderr).toContain('piko status: the live stream ended (the admin closed it); reconnecting\n');
    } finally {
      stop.abort();
      admin.streams.forEach((r) => r.destroy());
      await admin.close();
    }
  });
});
