import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { ManagedProcess } from '@piko/testing';
import { waitFor } from '@piko/testing';
import { type PikoServer, startAgent, startPikoServer, waitForRoute } from './support/piko';

jest.setTimeout(120_000);

type LogLine = { msg: string } & Record<string, unknown>;

/**
 * Issue 9, "reuse instead of re-create": the proxy keeps idle streams per upstream and sends the
 * next request on one (HTTP/1.1 keep-alive inside a yamux stream), and the agent keeps the
 * stream's connection to the service. The same requests go to the service directly, as the
 * control: what the client gets must not differ, and the service must see connections reused.
 */
describe('keep-alive streams: proxy → agent → service connections are reused, each request stays whole', () => {
  let server: PikoServer;
  let agent: ManagedProcess;
  let service: http.Server;
  let servicePort: number;
  /** Every TCP connection the service accepted. */
  const connections: Socket[] = [];
  let client: http.Agent;

  beforeAll(async () => {
    service = http.createServer((req, res) => {
      let body = 0;
      req.on('data', (chunk: Buffer) => (body += chunk.length));
      req.on('end', () => {
        if (req.url === '/close') res.setHeader('connection', 'close');
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`${req.method} ${req.url} ${body}`);
      });
    });
    // Short, so the service closes idle connections under the agent during the test.
    service.keepAliveTimeout = 200;
    const wss = new WebSocketServer({ server: service });
    wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo ${data}`)));
    service.on('connection', (socket: Socket) => connections.push(socket));
    service.listen(0, '127.0.0.1');
    await once(service, 'listening');
    servicePort = (service.address() as AddressInfo).port;
    server = await startPikoServer();
    agent = await startAgent('http', 'ka', String(servicePort), server.upstreamUrl, ['--access-log.level', 'info']);
    await waitForRoute(server.proxyUrl, 'ka');
    client = new http.Agent({ keepAlive: true, maxSockets: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    await agent?.stop();
    await server?.process.stop();
    service?.closeAllConnections();
    await new Promise((resolve) => service?.close(resolve));
  });

  async function get(path: string, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
    const url = new URL(path, server.proxyUrl);
    const req = http.request(url, { agent: client, method, headers: { 'x-piko-endpoint': 'ka', ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) } });
    req.end(body);
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    let text = '';
    for await (const chunk of res) text += (chunk as Buffer).toString();
    return { status: res.statusCode ?? 0, body: text };
  }

  function agentRequests(): LogLine[] {
    return agent.logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine)
      .filter((line) => line.msg === 'request');
  }

  it('sends sequential requests over one service connection, and the agent logs every one', async () => {
    const before = connections.length;
    const logged = agentRequests().length;
    for (let i = 0; i < 20; i++) expect(await get(`/seq/${i}?q=${i}`)).toEqual({ status: 200, body: `GET /seq/${i}?q=${i} 0` });
    expect(await get('/post', 'POST', 'hello')).toEqual({ status: 200, body: 'POST /post 5' });
    // One stream, so one service connection (two if the service's keep-alive timer fired between).
    expect(connections.length - before).toBeLessThanOrEqual(2);
    await waitFor('agent logged 21 requests', async () => (agentRequests().length - logged >= 21 ? true : undefined));
    const paths = agentRequests()
      .slice(logged)
      .map((line) => line.path);
    expect(paths).toEqual([...Array.from({ length: 20 }, (_, i) => `/seq/${i}`), '/post']);
  });

  it('a service that closed the idle connection, or answered Connection: close, costs the next request nothing', async () => {
    expect(await get('/before-idle')).toEqual({ status: 200, body: 'GET /before-idle 0' });
    // Past the service's keep-alive timeout (Node adds 1 s): it has closed the connection under the kept stream.
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect(await get('/after-idle')).toEqual({ status: 200, body: 'GET /after-idle 0' });
    expect(await get('/close')).toEqual({ status: 200, body: 'GET /close 0' });
    expect(await get('/after-close')).toEqual({ status: 200, body: 'GET /after-close 0' });
  });

  it('a client aborting mid-body does not leave a half-sent request on a kept stream', async () => {
    const url = new URL('/upload', server.proxyUrl);
    const aborted = http.request(url, { method: 'POST', headers: { 'x-piko-endpoint': 'ka', 'content-length': 1_000_000 } });
    aborted.on('error', () => undefined);
    aborted.write(Buffer.alloc(64 * 1024, 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    aborted.destroy();
    // Many requests after it, on whatever streams the proxy keeps: every one whole and its own.
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => fetch(`${server.proxyUrl}/after-abort/${i}`, { headers: { 'x-piko-endpoint': 'ka' } }).then(async (r) => [r.status, await r.text()])));
    expect(results).toEqual(Array.from({ length: 10 }, (_, i) => [200, `GET /after-abort/${i} 0`]));
  });

  it('a WebSocket upgrade works between kept-alive requests', async () => {
    expect(await get('/before-ws')).toEqual({ status: 200, body: 'GET /before-ws 0' });
    const ws = new WebSocket(`${server.proxyUrl.replace('http', 'ws')}/ws`, { headers: { 'x-piko-endpoint': 'ka' } });
    await once(ws, 'open');
    ws.send('hi');
    const [reply] = await once(ws, 'message');
    expect(String(reply)).toBe('echo hi');
    ws.close();
    expect(await get('/after-ws')).toEqual({ status: 200, body: 'GET /after-ws 0' });
  });

  it('concurrent clients get their own answers over the kept streams', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => fetch(`${server.proxyUrl}/c/${i}`, { headers: { 'x-piko-endpoint': 'ka' } }).then(async (r) => [r.status, await r.text()])),
    );
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => [200, `GET /c/${i} 0`]));
  });
});
