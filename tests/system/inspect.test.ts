import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { SignJWT } from 'jose';
import WebSocket, { WebSocketServer } from 'ws';
import type { ExchangeListResponse, ExchangeRecord, ExchangeSummary, ReplayResponse } from '@piko/inspect';
import { request as httpsRequest } from 'node:https';
import { type ManagedProcess, TestPki, waitFor } from '@piko/testing';
import { startAgent, startPikoServer, waitForRoute, type PikoServer } from './support/piko';
import { listenOnLoopback, closeHttpServer } from './support/loopback-http';
import { collectRequestEvents } from './support/sse-requests';

jest.setTimeout(120_000);

const K = 1024;
const RING = 20;
const ADMIN_KEY = 'inspect-test-admin-key';

/** What the service received for one request: exactly as its parser handed it over. */
interface Received {
  method: string;
  url: string;
  rawHeaders: string[];
  body: Buffer;
}

/**
 * The local service behind the agent: records every request it receives (for the replay
 * comparison), and answers by path: /hello, /echo (the body back), /early (413 before reading the
 * upload), /sse (three events, then the end), /set-cookie, /status/:n; WebSocket echo.
 */
class RecordingService {
  readonly received: Received[] = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const url = req.url ?? '/';
      if (url === '/early') {
        res.writeHead(413, { 'content-type': 'text/plain', 'content-length': 8 });
        return void res.end('too big!');
      }
      void readAll(req).then((body) => {
        this.received.push({ method: req.method ?? '', url, rawHeaders: req.rawHeaders, body });
        if (url === '/sse') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          let n = 0;
          const timer = setInterval(() => {
            res.write(`data: event ${++n}\n\n`);
            if (n === 3) {
              clearInterval(timer);
              res.end();
            }
          }, 20);
          return;
        }
        if (url === '/set-cookie') {
          res.writeHead(200, { 'set-cookie': 'session=server-secret-cookie', 'content-type': 'text/plain' });
          return void res.end('ok');
        }
        const status = /^\/status\/(\d{3})$/.exec(url);
        if (status) {
          res.writeHead(Number(status[1]), { 'content-type': 'text/plain' });
          return void res.end(`status ${status[1]}`);
        }
        if (url.startsWith('/echo')) {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
          return void res.end(body);
        }
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('hello from the service');
      });
    });
    new WebSocketServer({ server: this.server }).on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  }

  listen(): Promise<number> {
    return listenOnLoopback(this.server);
  }

  close(): Promise<void> {
    return closeHttpServer(this.server);
  }
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Issue 11 against `piko server`: capture, redaction, streams, bounds, replay, the runtime switch. */
describe('traffic inspection', () => {
  let service: RecordingService;
  let server: PikoServer;
  let agents: ManagedProcess[] = [];
  let token: string;
  let tcpEcho: TcpServer;

  beforeAll(async () => {
    tcpEcho = createTcpServer((socket) => socket.on('error', () => undefined).pipe(socket));
    await new Promise<void>((resolve) => tcpEcho.listen(0, '127.0.0.1', resolve));
    service = new RecordingService();
    const port = await service.listen();
    server = await startPikoServer([
      '--proxy.inspect.endpoints', 'inspected,ringed,nobody-home,tcp-echo',
      '--proxy.inspect.body-bytes', String(K),
      '--proxy.inspect.ring-size', String(RING),
      '--proxy.inspect.redact-headers', 'X-Internal-Note',
      '--admin.auth.hmac-secret-key', ADMIN_KEY,
      '--admin.api.public-read',
    ]);
    token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(ADMIN_KEY));
    for (const endpoint of ['inspected', 'ringed', 'toggled']) {
      agents.push(await startAgent('http', endpoint, String(port), server.upstreamUrl));
      await waitForRoute(server.proxyUrl, endpoint, '/route-check');
    }
    agents.push(await startAgent('tcp', 'tcp-echo', String((tcpEcho.address() as AddressInfo).port), server.upstreamUrl));
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    agents = [];
    await server?.process.stop();
    await service?.close();
    await new Promise((resolve) => tcpEcho?.close(resolve));
  });

  function proxy(endpoint: string, path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${server.proxyUrl}${path}`, { ...init, headers: { 'x-piko-endpoint': endpoint, ...(init.headers as Record<string, string>) } });
  }

  async function admin<T>(path: string, init: RequestInit = {}, auth = true): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
    if (auth) headers.authorization = `Bearer ${token}`;
    if (init.body) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.adminUrl}${path}`, { ...init, headers });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** The endpoint's captures (newest first) once `done` holds for them. */
  async function captures(endpoint: string, query = '', done: (list: ExchangeSummary[]) => boolean = (l) => l.length > 0): Promise<ExchangeSummary[]> {
    return waitFor(`captures of ${endpoint}${query}`, async () => {
      const { status, body } = await admin<ExchangeListResponse>(`/api/v1/endpoints/${endpoint}/requests${query}`);
      expect(status).toBe(200);
      expect(body.unreachable_nodes).toEqual([]);
      return done(body.requests) ? body.requests : undefined;
    }, 20_000);
  }

  async function record(id: string): Promise<ExchangeRecord> {
    const { status, body } = await admin<ExchangeRecord>(`/api/v1/requests/${encodeURIComponent(id)}`);
    expect(status).toBe(200);
    return body;
  }

  const decode = (base64: string) => Buffer.from(base64, 'base64').toString();

  it('captures a GET: heads, the response body, status, timings, client and gateway', async () => {
    const res = await proxy('inspected', '/hello?x=1', { headers: { 'x-trace': 'abc' } });
    expect(await res.text()).toBe('hello from the service');
    const [summary] = await captures('inspected', '?path_prefix=/hello', (l) => l.some((e) => e.total_ms !== null));
    expect(summary).toMatchObject({ kind: 'http', method: 'GET', target: '/hello?x=1', status: 200, endpoint_id: 'inspected', client_addr: '127.0.0.1', replayable: true });
    expect(summary.proxy_node).toBeTruthy();
    expect(summary.gateway_node).toBe(summary.proxy_node);
    expect(summary.id.startsWith(`${summary.proxy_node}.`)).toBe(true);
    expect(summary.ttfb_ms).toBeGreaterThan(0);
    expect(summary.total_ms).toBeGreaterThanOrEqual(summary.ttfb_ms ?? 0);
    const full = await record(summary.id);
    expect(full.http_version).toBe('1.1');
    expect(full.request.headers).toContainEqual(['x-trace', 'abc']);
    expect(full.request.body).toEqual({ size: 0, kept: '', truncated: false });
    expect(full.response?.headers.some(([name, value]) => name.toLowerCase() === 'content-type' && value.startsWith('text/plain'))).toBe(true);
    expect(full.response?.body).toMatchObject({ size: 22, truncated: false });
    expect(decode(full.response?.body.kept ?? '')).toBe('hello from the service');
  });

  it('keeps the first K bytes of a larger POST body, with its whole size; such a request cannot be replayed (409)', async () => {
    const body = Buffer.alloc(5000, 'abcdefghij');
    const res = await proxy('inspected', '/echo/large', { method: 'POST', body });
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
    const [summary] = await captures('inspected', '?method=POST&path_prefix=/echo/large', (l) => l.some((e) => e.total_ms !== null));
    expect(summary).toMatchObject({ bytes_in: 5000, bytes_out: 5000, replayable: false });
    const full = await record(summary.id);
    expect(full.request.body.size).toBe(5000);
    expect(full.request.body.truncated).toBe(true);
    expect(Buffer.from(full.request.body.kept, 'base64').equals(body.subarray(0, K))).toBe(true);
    expect(full.response?.body).toMatchObject({ size: 5000, truncated: true });
    const replay = await admin<{ error: string }>(`/api/v1/requests/${summary.id}/replay`, { method: 'POST', body: '{}' });
    expect(replay.status).toBe(409);
    expect(replay.body.error).toBe('request body was not captured in full');
  });

  it('captures an upload the service answered before reading it', async () => {
    const upload = Buffer.alloc(2 * 1024 * 1024, 1);
    const res = await proxy('inspected', '/early', { method: 'PUT', body: upload });
    expect(res.status).toBe(413);
    expect(await res.text()).toBe('too big!');
    const [summary] = await captures('inspected', '?path_prefix=/early', (l) => l.some((e) => e.total_ms !== null));
    expect(summary).toMatchObject({ method: 'PUT', status: 413, bytes_out: 8, replayable: false });
    const full = await record(summary.id);
    expect(decode(full.response?.body.kept ?? '')).toBe('too big!');
    expect(full.request.body.truncated).toBe(true);
    expect(full.request.body.size).toBeGreaterThanOrEqual(0);
  });

  it('records an event stream as a connection: kind sse, bytes counted, no content kept', async () => {
    const res = await proxy('inspected', '/sse');
    const text = await res.text();
    expect(text).toBe('data: event 1\n\ndata: event 2\n\ndata: event 3\n\n');
    const [summary] = await captures('inspected', '?path_prefix=/sse', (l) => l.some((e) => e.total_ms !== null));
    expect(summary).toMatchObject({ kind: 'sse', status: 200, bytes_out: Buffer.byteLength(text) });
    const full = await record(summary.id);
    expect(full.response?.body).toEqual({ size: Buffer.byteLength(text), kept: '', truncated: true, omitted: 'stream' });
  });

  it('records a WebSocket as a connection with its byte counts and duration', async () => {
    const ws = new WebSocket(`${server.proxyUrl.replace('http', 'ws')}/ws`, { headers: { 'x-piko-endpoint': 'inspected' } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const echoed = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
    ws.send('ping over the tunnel');
    expect(await echoed).toBe('ping over the tunnel');
    // Open: listed with no total yet.
    const [open] = await captures('inspected', '?path_prefix=/ws', (l) => l.some((e) => e.kind === 'websocket'));
    expect(open).toMatchObject({ kind: 'websocket', total_ms: null });
    ws.close();
    const [closed] = await captures('inspected', '?path_prefix=/ws', (l) => l.some((e) => e.id === open.id && e.total_ms !== null));
    expect(closed).toMatchObject({ id: open.id, kind: 'websocket', status: 101 });
    expect(closed.bytes_in).toBeGreaterThan('ping over the tunnel'.length);
    expect(closed.bytes_out).toBeGreaterThan('ping over the tunnel'.length);
  });

  it('records a TCP route connection as a connection: bytes each way, no content', async () => {
    const payload = Buffer.alloc(3000, 'tcp payload ');
    const echoed = await waitFor('tcp echo through the tunnel', async () => {
      const ws = new WebSocket(`${server.proxyUrl.replace('http', 'ws')}/_piko/v1/tcp/tcp-echo`);
      // A reset after the echo (the test closes first) is not the test's concern.
      ws.on('error', () => undefined);
      try {
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject).once('unexpected-response', reject));
        const got: Buffer[] = [];
        const done = new Promise<Buffer>((resolve) => ws.on('message', (data: Buffer) => {
          got.push(data);
          if (Buffer.concat(got).length >= payload.length) resolve(Buffer.concat(got));
        }));
        ws.send(payload);
        return await done;
      } finally {
        ws.close();
      }
    }, 30_000);
    expect(echoed.equals(payload)).toBe(true);
    const [closed] = await captures('tcp-echo', '', (l) => l.some((e) => e.kind === 'tcp' && e.total_ms !== null && e.bytes_out > 0));
    expect(closed).toMatchObject({ kind: 'tcp', method: '', target: '', bytes_in: payload.length, bytes_out: payload.length, replayable: false });
    const full = await record(closed.id);
    expect(full.response).toBeNull();
    expect(full.request.body).toEqual({ size: 0, kept: '', truncated: false });
  });

  it('redacts every sensitive header before it is stored', async () => {
    const secrets = ['Bearer client-secret-1', 'endpoint-token-2', 'session=client-cookie-3', 'Basic proxy-secret-4', 'custom-secret-5', 'api-key-6'];
    const res = await proxy('inspected', '/set-cookie', {
      headers: { Authorization: secrets[0], 'X-Piko-Authorization': secrets[1], Cookie: secrets[2], 'Proxy-Authorization': secrets[3], 'x-internal-note': secrets[4], 'X-Api-Key': secrets[5] },
    });
    expect(res.headers.get('set-cookie')).toBe('session=server-secret-cookie');
    const [summary] = await captures('inspected', '?path_prefix=/set-cookie', (l) => l.some((e) => e.total_ms !== null));
    const full = await record(summary.id);
    const json = JSON.stringify(full);
    for (const secret of [...secrets, 'server-secret-cookie']) expect(json.includes(secret)).toBe(false);
    const value = (headers: Array<[string, string]>, name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1];
    for (const name of ['authorization', 'x-piko-authorization', 'cookie', 'proxy-authorization', 'x-internal-note', 'x-api-key']) expect(value(full.request.headers, name)).toBe('[redacted]');
    expect(value(full.response?.headers ?? [], 'set-cookie')).toBe('[redacted]');
    // The service got those meant for it: redaction is of the record, never of the traffic (the
    // proxy's own token and Proxy-Authorization stop at the proxy, inspected or not).
    const got = service.received.filter((r) => r.url === '/set-cookie').at(-1);
    expect(got?.rawHeaders).toEqual(expect.arrayContaining([secrets[0], secrets[2], secrets[4], secrets[5]]));
  });

  it("records Piko's own error answers with their cause", async () => {
    const res = await proxy('nobody-home', '/anything');
    expect(res.status).toBe(502);
    const [summary] = await captures('nobody-home', '', (l) => l.some((e) => e.total_ms !== null));
    expect(summary).toMatchObject({ status: 502, error: { status: 502, cause: 'no available upstreams' } });
    // No upstream was reached: no gateway to name.
    expect(summary.gateway_node).toBeUndefined();
    const full = await record(summary.id);
    expect(JSON.parse(decode(full.response?.body.kept ?? ''))).toEqual({ error: 'no available upstreams' });
  });

  it('filters by status, status class, method, path prefix and time', async () => {
    const before = new Date().toISOString();
    await (await proxy('inspected', '/status/404')).text();
    await (await proxy('inspected', '/status/503')).text();
    await captures('inspected', `?since=${before}`, (l) => l.filter((e) => e.total_ms !== null).length >= 2);
    expect((await captures('inspected', '?status=404')).every((e) => e.status === 404)).toBe(true);
    const fives = await captures('inspected', `?status=5xx&since=${before}`);
    expect(fives.map((e) => e.target)).toEqual(['/status/503']);
    expect((await admin<ExchangeListResponse>(`/api/v1/endpoints/inspected/requests?until=${before}&path_prefix=/status/`)).body.requests).toEqual([]);
    const limited = await admin<ExchangeListResponse>('/api/v1/endpoints/inspected/requests?limit=1');
    expect(limited.body.requests).toHaveLength(1);
    for (const bad of ['status=6xx', 'limit=0', 'limit=1001', 'since=yesterday', 'method=G%20T', 'colour=red']) {
      const res = await admin<{ error: string }>(`/api/v1/endpoints/inspected/requests?${bad}`);
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
    }
    expect((await admin('/api/v1/requests/no-such-proxy.1')).status).toBe(404);
  });

  it('keeps the last ring_size exchanges of an endpoint', async () => {
    for (let i = 0; i < RING + 15; i++) await (await proxy('ringed', `/hello/${i}`)).text();
    const list = await captures('ringed', '?limit=1000', (l) => l[0]?.target === `/hello/${RING + 14}` && l[0].total_ms !== null);
    expect(list).toHaveLength(RING);
    expect(list.map((e) => e.target)).toEqual(Array.from({ length: RING }, (_, i) => `/hello/${RING + 14 - i}`));
  });

  it('replays a request: the service receives the same bytes, and the replay is captured next to it', async () => {
    const body = JSON.stringify({ order: 7, items: ['a', 'b'] });
    const res = await proxy('inspected', '/echo/replay?q=1', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-request-note': 'first' } });
    expect(await res.text()).toBe(body);
    const [original] = await captures('inspected', '?path_prefix=/echo/replay', (l) => l.some((e) => e.total_ms !== null));
    expect(original.replayable).toBe(true);
    const first = service.received.filter((r) => r.url === '/echo/replay?q=1');
    expect(first).toHaveLength(1);

    const replayed = await admin<ReplayResponse>(`/api/v1/requests/${original.id}/replay`, { method: 'POST', body: '{}' });
    expect(replayed.status).toBe(201);
    expect(replayed.body.original_id).toBe(original.id);
    expect(replayed.body.replay).toMatchObject({ replay_of: original.id, method: 'POST', target: '/echo/replay?q=1', status: 200, endpoint_id: 'inspected' });
    expect(decode(replayed.body.replay.response?.body.kept ?? '')).toBe(body);
    const both = service.received.filter((r) => r.url === '/echo/replay?q=1');
    expect(both).toHaveLength(2);
    expect(both[1].method).toBe(both[0].method);
    expect(both[1].rawHeaders).toEqual(both[0].rawHeaders);
    expect(both[1].body.equals(both[0].body)).toBe(true);
    const list = await captures('inspected', '?path_prefix=/echo/replay', (l) => l.length >= 2);
    expect(list[0]).toMatchObject({ id: replayed.body.replay.id, replay_of: original.id });

    // Edited: another method, path, headers and body.
    const edited = await admin<ReplayResponse>(`/api/v1/requests/${original.id}/replay`, {
      method: 'POST',
      body: JSON.stringify({ method: 'PUT', path: '/echo/edited', headers: [['Host', 'inspected.example.com'], ['X-Edited', 'yes']], body: Buffer.from('edited body').toString('base64') }),
    });
    expect(edited.status).toBe(201);
    const got = service.received.filter((r) => r.url === '/echo/edited');
    expect(got).toHaveLength(1);
    expect(got[0].method).toBe('PUT');
    expect(got[0].body.toString()).toBe('edited body');
    expect(got[0].rawHeaders).toEqual(expect.arrayContaining(['X-Edited', 'yes', 'Content-Length', '11']));
  });

  it('a replay is an action: public_read never allows it without the admin token', async () => {
    const [original] = await captures('inspected', '?path_prefix=/echo/replay');
    const count = service.received.length;
    const open = await admin<{ error: string }>(`/api/v1/requests/${original.id}/replay`, { method: 'POST', body: '{}' }, false);
    expect(open.status).toBe(401);
    const toggle = await admin(`/api/v1/endpoints/inspected/inspect`, { method: 'PUT', body: '{"enabled":false}' }, false);
    expect(toggle.status).toBe(401);
    // Reads are open with public_read, as the rest of /api/v1.
    expect((await admin(`/api/v1/requests/${original.id}`, {}, false)).status).toBe(200);
    expect(service.received.length).toBe(count);
    const badEdit = await admin(`/api/v1/requests/${original.id}/replay`, { method: 'POST', body: JSON.stringify({ headers: [['Bad Name', 'x']] }) });
    expect(badEdit.status).toBe(400);
  });

  it('sends each new capture, and its end, on the live channel as `event: request` (filtered by endpoint)', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.adminUrl}/api/v1/events?endpoint=inspected`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    const events: ExchangeSummary[] = [];
    const reading = collectRequestEvents(res.body!, events);
    try {
      // The feed's cursor starts once the stream is open: requests after it are sent.
      await waitFor('live feed polling', async () => {
        await (await proxy('inspected', '/hello/live')).text();
        await (await proxy('ringed', '/hello/not-this-endpoint')).text();
        return events.some((e) => e.target === '/hello/live' && e.total_ms !== null) ? true : undefined;
      }, 20_000);
      expect(events.every((e) => e.endpoint_id === 'inspected')).toBe(true);
    } finally {
      controller.abort();
      await reading;
    }
  });

  it('switches capture on and off at run time', async () => {
    expect((await admin('/api/v1/endpoints/toggled/inspect')).body).toMatchObject({ endpoint_id: 'toggled', enabled: false, source: 'config' });
    await (await proxy('toggled', '/hello/before')).text();
    expect((await admin<ExchangeListResponse>('/api/v1/endpoints/toggled/requests')).body.requests).toEqual([]);

    const on = await admin('/api/v1/endpoints/toggled/inspect', { method: 'PUT', body: '{"enabled":true}' });
    expect(on).toMatchObject({ status: 200, body: { endpoint_id: 'toggled', enabled: true, source: 'runtime' } });
    await (await proxy('toggled', '/hello/during')).text();
    const list = await captures('toggled', '', (l) => l.some((e) => e.total_ms !== null));
    expect(list.map((e) => e.target)).toEqual(['/hello/during']);

    const off = await admin('/api/v1/endpoints/toggled/inspect', { method: 'PUT', body: '{"enabled":false}' });
    expect(off).toMatchObject({ status: 200, body: { enabled: false, source: 'runtime' } });
    await (await proxy('toggled', '/hello/after')).text();
    expect((await admin<ExchangeListResponse>('/api/v1/endpoints/toggled/requests')).body.requests).toEqual([]);
    expect((await admin('/api/v1/endpoints/toggled/inspect', { method: 'PUT', body: '{"enabled":"yes"}' })).status).toBe(400);
  });
});

/**
 * A replay on a proxy port with TLS and proxy.auth: the proxy reaches its own port over TLS, and
 * the replay's connection (and only it) needs no token, the original's having been redacted.
 */
describe('traffic inspection replays on a TLS proxy port with proxy.auth', () => {
  const PROXY_KEY = 'inspect-test-proxy-key';
  let pki: TestPki;
  let ca: Buffer;
  let service: RecordingService;
  let server: PikoServer;
  let agent: ManagedProcess;
  let proxyToken: string;

  beforeAll(async () => {
    pki = TestPki.create();
    const cert = pki.issue({ cn: 'proxy' });
    ca = (await import('node:fs')).readFileSync(pki.ca.cert);
    service = new RecordingService();
    const port = await service.listen();
    server = await startPikoServer([
      '--proxy.tls.cert', cert.cert, '--proxy.tls.key', cert.key,
      '--proxy.auth.hmac-secret-key', PROXY_KEY,
      '--proxy.inspect.endpoints', 'secure',
    ]);
    proxyToken = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(PROXY_KEY));
    agent = await startAgent('http', 'secure', String(port), server.upstreamUrl);
    await waitFor('route to secure', async () => ((await send('/route-check', { 'x-piko-authorization': `Bearer ${proxyToken}` })).status === 200 ? true : undefined), 30_000);
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.process.stop();
    await service?.close();
    pki?.remove();
  });

  function send(path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: server.proxyPort, path, method: body ? 'POST' : 'GET', ca, servername: 'localhost', headers: { 'x-piko-endpoint': 'secure', ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('replays the request with the same bytes; a client without a token is still refused', async () => {
    const first = await send('/echo/secure', { 'x-piko-authorization': `Bearer ${proxyToken}`, 'content-type': 'text/plain' }, 'secret order');
    expect(first).toEqual({ status: 200, body: 'secret order' });
    expect((await send('/echo/secure', {}, 'no token')).status).toBe(401);
    const list = await waitFor('capture', async () => {
      const res = await fetch(`${server.adminUrl}/api/v1/endpoints/secure/requests?path_prefix=/echo/secure&status=200`);
      const body = (await res.json()) as ExchangeListResponse;
      return body.requests.length > 0 ? body.requests : undefined;
    });
    const res = await fetch(`${server.adminUrl}/api/v1/requests/${list[0].id}/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(201);
    const replayed = (await res.json()) as ReplayResponse;
    expect(replayed.replay).toMatchObject({ replay_of: list[0].id, status: 200 });
    const got = service.received.filter((r) => r.url === '/echo/secure');
    expect(got).toHaveLength(2);
    expect(got[1].rawHeaders).toEqual(got[0].rawHeaders);
    expect(got[1].body.toString()).toBe('secret order');
    // The token never reached the service, nor the record.
    expect(JSON.stringify(got[0].rawHeaders).includes(proxyToken)).toBe(false);
    expect(JSON.stringify(replayed).includes(proxyToken)).toBe(false);
    expect((await send('/echo/secure', {}, 'still no token')).status).toBe(401);
  });
});
