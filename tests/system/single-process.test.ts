import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import WebSocket from 'ws';
import type { ManagedProcess } from '@piko/testing';
import { curl } from './support/curl';
import { peakRssBytes } from './support/peak-rss';
import { type PikoServer, startAgent, startPikoServer, waitForRoute } from './support/piko';
import { patternChunk, UpstreamService } from './support/upstream-service';

jest.setTimeout(120_000);

// The walkthrough, as a user runs it: `piko server`, a local service, `piko agent http`,
// then real clients (curl, Node's http, a WebSocket client) against the proxy port.
describe('piko server + piko agent http (one process, real sockets)', () => {
  let server: PikoServer;
  let service: UpstreamService;
  let agent: ManagedProcess;

  beforeAll(async () => {
    service = new UpstreamService('service-a');
    const port = await service.listen();
    server = await startPikoServer(['--proxy.timeout', '1s']);
    agent = await startAgent('http', 'my-service', String(port), server.upstreamUrl);
    await waitForRoute(server.proxyUrl, 'my-service');
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.process.stop();
    await service?.close();
  });

  it('routes by the x-piko-endpoint header', async () => {
    const res = await curl(['-H', 'x-piko-endpoint: my-service', `${server.proxyUrl}/hello?x=1`]);
    expect(res.status).toBe(200);
    const echoed = JSON.parse(res.body);
    expect(echoed).toMatchObject({ name: 'service-a', method: 'GET', url: '/hello?x=1' });
  });

  it('routes by the first label of the Host header', async () => {
    const res = await curl(['-H', 'Host: my-service.piko.example.com', `${server.proxyUrl}/`]);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).name).toBe('service-a');
  });

  it('sets X-Forwarded-* and drops internal x-piko-* headers a client sends', async () => {
    const res = await curl([
      '-H', 'x-piko-endpoint: my-service',
      '-H', 'x-piko-forward: true',
      '-H', 'x-piko-authorization: Bearer secret',
      '-H', 'X-Forwarded-For: 203.0.113.9',
      `${server.proxyUrl}/`,
    ]);
    const { headers } = JSON.parse(res.body);
    // A client's own X-Forwarded-For is dropped: no proxy.trusted_proxies lists it.
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe(`127.0.0.1:${server.proxyPort}`);
    expect(headers['x-piko-forward']).toBeUndefined();
    expect(headers['x-piko-authorization']).toBeUndefined();
  });

  it("answers Go Piko's JSON errors", async () => {
    const missing = await curl([`${server.proxyUrl}/`]);
    expect(missing).toEqual({ status: 400, body: '{"error":"missing endpoint id"}\n' });

    const unknown = await curl(['-H', 'x-piko-endpoint: nobody-here', `${server.proxyUrl}/`]);
    expect(unknown).toEqual({ status: 502, body: '{"error":"no available upstreams"}\n' });

    const timeout = await curl(['-H', 'x-piko-endpoint: my-service', `${server.proxyUrl}/hang`]);
    expect(timeout).toEqual({ status: 504, body: '{"error":"upstream timeout"}\n' });
  });

  it('streams a 256 MiB upload and download with bounded memory', async () => {
    const total = 256 * 1024 * 1024;
    const chunk = patternChunk();
    const expected = createHash('sha256');
    for (let sent = 0; sent < total; sent += chunk.length) expected.update(chunk);
    const digest = expected.digest('hex');

    const upload = await new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
      const req = request(`${server.proxyUrl}/upload`, { method: 'POST', headers: { 'x-piko-endpoint': 'my-service' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve(JSON.parse(body)));
      });
      req.on('error', reject);
      pipeline(Readable.from(repeat(chunk, total / chunk.length)), req).catch(reject);
    });
    expect(upload).toEqual({ bytes: total, sha256: digest });

    const download = await new Promise<string>((resolve, reject) => {
      request(`${server.proxyUrl}/download?bytes=${total}`, { headers: { 'x-piko-endpoint': 'my-service' } }, (res) => {
        const hash = createHash('sha256');
        res.on('data', (d: Buffer) => hash.update(d));
        res.on('end', () => resolve(hash.digest('hex')));
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
    expect(download).toBe(digest);

    // Had either body been buffered whole, the peak would exceed the body's size.
    for (const pid of [server.process.pid, agent.pid]) expect(peakRssBytes(pid ?? 0)).toBeLessThan(200 * 1024 * 1024);
  });

  it('delivers server-sent events one at a time', async () => {
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      request(`${server.proxyUrl}/events?count=3`, { headers: { 'x-piko-endpoint': 'my-service' } }, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          received.push(...text.split('\n\n').filter(Boolean));
          // The service sends the next event only now: were the proxy buffering, this would never run.
          service.cueNextEvent();
        });
        res.on('end', resolve);
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
    expect(received).toEqual(['id: 1\ndata: event 1', 'id: 2\ndata: event 2', 'id: 3\ndata: event 3']);
  });

  it('passes WebSocket upgrades through', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.proxyPort}/ws`, { headers: { 'x-piko-endpoint': 'my-service' } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const replies: string[] = [];
    ws.on('message', (data) => replies.push(data.toString()));
    ws.send('ping 1');
    ws.send(Buffer.alloc(100_000, 7));
    ws.send('ping 2');
    await new Promise<void>((resolve) => {
      const check = setInterval(() => replies.length === 3 && (clearInterval(check), resolve()), 10);
    });
    expect(replies[0]).toBe('ping 1');
    expect(replies[1].length).toBe(100_000);
    expect(replies[2]).toBe('ping 2');
    ws.close();
  });

  it('balances two upstreams of one endpoint round robin, and drops one at once when it leaves', async () => {
    const second = new UpstreamService('service-b');
    const agentB = await startAgent('http', 'my-service', String(await second.listen()), server.upstreamUrl);
    try {
      const names = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const res = await curl(['-H', 'x-piko-endpoint: my-service', `${server.proxyUrl}/`]);
        names.add(JSON.parse(res.body).name);
      }
      expect([...names].sort()).toEqual(['service-a', 'service-b']);
    } finally {
      await agentB.stop();
      await second.close();
    }
    // Every request after the agent's exit reaches the remaining upstream: none 502s.
    for (let i = 0; i < 6; i++) {
      const res = await curl(['-H', 'x-piko-endpoint: my-service', `${server.proxyUrl}/`]);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).name).toBe('service-a');
    }
  });

  it('serves /health, /ready and /metrics on the admin port', async () => {
    expect(await curl([`${server.adminUrl}/health`])).toMatchObject({ status: 200 });
    const ready = await curl([`${server.adminUrl}/ready`]);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body).ready).toBe(true);
    const endpoints = await curl([`${server.adminUrl}/api/v1/endpoints`]);
    expect(JSON.parse(endpoints.body)).toMatchObject({ endpoints: [{ id: 'my-service', upstreams: 1, gatewayCount: 1 }], nextCursor: null, total: 1 });
    const metrics = await curl([`${server.adminUrl}/metrics`]);
    expect(metrics.body).toMatch(/^piko_upstreams_connected_upstreams 1$/m);
    expect(metrics.body).toMatch(/piko_proxy_requests_total\{status="200",method="GET"\} \d+/);
  });
});

function* repeat(chunk: Buffer, times: number): Generator<Buffer> {
  for (let i = 0; i < times; i++) yield chunk;
}
