import { once } from 'events';
import * as http from 'http';
import * as net from 'net';
import type { Duplex } from 'stream';
import { WebSocket, WebSocketServer } from 'ws';
import { Upstream } from '@piko/client';
import { HttpAgentListener } from './http-agent-listener';
import { DEFAULT_ACCESS_LOG } from './access-log';
import { RecordingLogger, StubGateway } from './testing/stub-gateway';

/**
 * Streams that carry several requests (Piko's proxy reuses idle streams, HTTP/1.1 keep-alive):
 * each request is logged and prefixed, the service connection lives as long as the stream, and
 * a service that closes it between requests costs nothing.
 */
describe('HttpAgentListener keep-alive streams', () => {
  let gateway: StubGateway;
  let logger: RecordingLogger;
  let agents: HttpAgentListener[];
  const servers: net.Server[] = [];

  beforeEach(async () => {
    gateway = await StubGateway.start();
    logger = new RecordingLogger();
    agents = [];
  });

  afterEach(async () => {
    for (const agent of agents) agent.shutdown();
    for (const server of servers.splice(0)) {
      if (server instanceof http.Server) server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    await gateway.close();
  });

  async function listen<T extends net.Server>(server: T): Promise<{ server: T; port: number; connections: net.Socket[] }> {
    const connections: net.Socket[] = [];
    server.on('connection', (socket: net.Socket) => {
      connections.push(socket);
      socket.on('error', () => undefined);
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { server, port: (server.address() as net.AddressInfo).port, connections };
  }

  async function startAgent(addr: string, idleConnTimeoutMs?: number): Promise<HttpAgentListener> {
    const agent = new HttpAgentListener(
      { endpointId: 'my-app', addr, accessLog: DEFAULT_ACCESS_LOG, timeoutMs: 5_000, maxRequestLineBytes: 64 * 1024, maxConnections: 0, logger, idleConnTimeoutMs },
      new Upstream({ url: gateway.url, logger }),
    );
    agents.push(agent);
    await agent.start();
    return agent;
  }

  /** An HTTP client that sends every request down the one stream, as Piko's proxy does with an idle stream. */
  function clientOn(stream: Duplex): http.Agent {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const hooks = agent as unknown as Record<string, unknown>;
    hooks.createConnection = () => stream;
    hooks.keepSocketAlive = () => true;
    hooks.reuseSocket = (_socket: unknown, req: http.ClientRequest) => (req.reusedSocket = true);
    return agent;
  }

  async function request(agent: http.Agent, options: http.RequestOptions, body?: string): Promise<{ status: number; body: string; reused: boolean }> {
    const req = http.request({ agent, host: 'my-app', ...options });
    req.end(body);
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    let text = '';
    for await (const chunk of res) text += (chunk as Buffer).toString();
    return { status: res.statusCode ?? 0, body: text, reused: req.reusedSocket };
  }

  /** Writes `request` on the stream and reads until `done` says the bytes read so far are the whole response. */
  async function exchange(stream: Duplex, request: string, done: (received: string) => boolean): Promise<string> {
    let received = '';
    const finished = new Promise<void>((resolve) => {
      const onData = (chunk: Buffer): void => {
        received += chunk.toString('latin1');
        if (done(received)) {
          stream.off('data', onData);
          resolve();
        }
      };
      stream.on('data', onData);
    });
    stream.write(request);
    await finished;
    return received;
  }

  it('carries many requests on one stream over one service connection, logging and prefixing each', async () => {
    const service = await listen(
      http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(req.method === 'HEAD' ? undefined : `${req.method} ${req.url} ${body}`));
      }),
    );
    await startAgent(`http://127.0.0.1:${service.port}/api`);
    const stream = await gateway.openStream('my-app');
    const client = clientOn(stream);
    expect(await request(client, { path: '/a?x=1' })).toEqual({ status: 200, body: 'GET /api/a?x=1 ', reused: false });
    expect(await request(client, { method: 'POST', path: '/b', headers: { 'content-length': 5 } }, 'hello')).toEqual({ status: 200, body: 'POST /api/b hello', reused: true });
    // A chunked body, then a HEAD (whose response has a Content-Length but no body).
    const chunked = http.request({ agent: client, host: 'my-app', method: 'PUT', path: '/c' });
    chunked.write('one,');
    chunked.end('two');
    const [chunkedRes] = (await once(chunked, 'response')) as [http.IncomingMessage];
    chunkedRes.resume();
    await once(chunkedRes, 'end');
    expect(await request(client, { path: '/e' })).toEqual({ status: 200, body: 'GET /api/e ', reused: true });
    expect(service.connections).toHaveLength(1);

    const paths = () => logger.lines.filter((l) => l.msg === 'request').map((l) => `${l.fields.method} ${l.fields.path} ${l.fields.status}`);
    while (paths().length < 4) await new Promise((r) => setTimeout(r, 10));
    expect(paths()).toEqual(['GET /a 200', 'POST /b 200', 'PUT /c 200', 'GET /e 200']);
    client.destroy();
  });

  it('connects again when the service closed the idle connection, and after a response with Connection: close', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/close') res.setHeader('connection', 'close');
      res.end(`ok ${req.url === '/head' ? '/headx' : req.url}`);
    });
    server.keepAliveTimeout = 100;
    const service = await listen(server);
    await startAgent(String(service.port));
    const stream = await gateway.openStream('my-app');
    const whole = (r: string): boolean => /\r\n\r\n/.test(r) && r.endsWith(r.match(/ok \S+$/)?.[0] ?? '\0');
    expect(await exchange(stream, 'GET /one HTTP/1.1\r\nHost: a\r\n\r\n', whole)).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*ok \/one$/);
    await new Promise((r) => setTimeout(r, 1_500)); // past the service's keep-alive timeout (Node adds 1 s to it)
    expect(await exchange(stream, 'GET /two HTTP/1.1\r\nHost: a\r\n\r\n', whole)).toMatch(/ok \/two$/);
    // A HEAD's response has no body, whatever its head says.
    expect(await exchange(stream, 'HEAD /head HTTP/1.1\r\nHost: a\r\n\r\n', (r) => r.endsWith('\r\n\r\n'))).toMatch(/^HTTP\/1\.1 200 OK\r\n(?![\s\S]*ok)/);
    expect(await exchange(stream, 'GET /close HTTP/1.1\r\nHost: a\r\n\r\n', whole)).toMatch(/connection: close[\s\S]*ok \/close$/i);
    expect(await exchange(stream, 'GET /three HTTP/1.1\r\nHost: a\r\n\r\n', whole)).toMatch(/ok \/three$/);
    expect(service.connections).toHaveLength(3);
    stream.destroy();
  });

  it('sends an idempotent request again when the service closes a reused connection before answering it; a POST gets 502', async () => {
    // The keep-alive race: the service reads the second request on a connection and closes it unanswered.
    let served = 0;
    const service = await listen(
      net.createServer((socket) => {
        let requests = 0;
        socket.on('data', () => {
          if (++requests === 2) return void socket.destroy();
          served++;
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`);
        });
      }),
    );
    await startAgent(String(service.port));
    const stream = await gateway.openStream('my-app');
    const whole = (r: string): boolean => r.endsWith('\r\n\r\nok') || r.endsWith('}\n');
    await exchange(stream, 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\n', whole);
    expect(await exchange(stream, 'GET /2 HTTP/1.1\r\nHost: a\r\n\r\n', whole)).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(service.connections).toHaveLength(2);
    expect(served).toBe(2);
    const post = await exchange(stream, 'POST /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx', whole);
    expect(post).toMatch(/^HTTP\/1\.1 502 Bad Gateway/);
    expect(post).toContain('{"error":"upstream unreachable"}');
  });

  it('switches to a tunnel on a 101 after earlier requests on the same stream', async () => {
    const server = http.createServer((_req, res) => res.end('plain'));
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo ${data}`)));
    const service = await listen(server);
    await startAgent(String(service.port));
    const stream = await gateway.openStream('my-app');
    const first = await exchange(stream, 'GET /plain HTTP/1.1\r\nHost: a\r\n\r\n', (r) => r.endsWith('plain'));
    expect(first).toMatch(/^HTTP\/1\.1 200 OK/);
    const ws = new WebSocket('ws://a/ws', { createConnection: () => stream as net.Socket });
    await once(ws, 'open');
    ws.send('hi');
    const [reply] = await once(ws, 'message');
    expect(String(reply)).toBe('echo hi');
    ws.close();
    const upgrade = await logger.waitFor((l) => l.msg === 'request' && l.fields.status === 101);
    expect(upgrade.fields).toMatchObject({ method: 'GET', path: '/ws', upgrade: true });
    expect(service.connections).toHaveLength(1);
    for (const client of wss.clients) client.terminate();
    wss.close();
  });

  it('close() ends idle keep-alive streams at once, so the session can close', async () => {
    const service = await listen(http.createServer((_req, res) => res.end('ok')));
    const agent = await startAgent(String(service.port));
    const stream = await gateway.openStream('my-app');
    await exchange(stream, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', (r) => r.endsWith('ok'));
    const ended = once(stream, 'end');
    stream.resume();
    const closing = agent.close();
    await ended;
    stream.end();
    await closing;
  });

  it('closes a service connection idle for idle_conn_timeout; the stream stays and connects again', async () => {
    const service = await listen(http.createServer((req, res) => res.end(`ok ${req.url}`)));
    await startAgent(String(service.port), 100);
    const stream = await gateway.openStream('my-app');
    await exchange(stream, 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\n', (r) => r.endsWith('ok /1'));
    await once(service.connections[0], 'close');
    expect(await exchange(stream, 'GET /2 HTTP/1.1\r\nHost: a\r\n\r\n', (r) => r.endsWith('ok /2'))).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(service.connections).toHaveLength(2);
    stream.destroy();
  });
});
