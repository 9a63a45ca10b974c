import { once } from 'events';
import * as http from 'http';
import * as net from 'net';
import type { Duplex } from 'stream';
import { WebSocket, WebSocketServer } from 'ws';
import { Upstream } from '@piko/client';
import { HttpAgentListener } from './http-agent-listener';
import { type AccessLogOptions, DEFAULT_ACCESS_LOG } from './access-log';
import { RecordingLogger, StubGateway } from './testing/stub-gateway';

const FIVE_MIB = 5 * 1024 * 1024;

interface ProxiedResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

describe('HttpAgentListener', () => {
  let gateway: StubGateway;
  let service: http.Server;
  let serviceWss: WebSocketServer;
  let servicePort: number;
  let logger: RecordingLogger;
  let agents: HttpAgentListener[];
  // Lets the SSE handler wait for the test between events.
  let sseNext: (() => void) | undefined;
  const hung: http.ServerResponse[] = [];
  const rawServices: net.Server[] = [];
  const rawSockets: net.Socket[] = [];

  beforeEach(async () => {
    gateway = await StubGateway.start();
    logger = new RecordingLogger();
    agents = [];
    service = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      switch (url.pathname) {
        case '/hello':
          res.writeHead(200, { 'content-type': 'text/plain', 'x-service': 'yes' });
          res.end(`hello ${req.method} ${req.url} host=${req.headers.host}`);
          return;
        case '/sink': {
          // Answers only once the whole body is in: no response byte while the upload flows.
          let received = 0;
          req.on('data', (chunk: Buffer) => (received += chunk.length));
          req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`received ${received}`));
          return;
        }
        case '/echo':
          res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' });
          req.pipe(res);
          return;
        case '/big':
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': FIVE_MIB });
          res.end(Buffer.alloc(FIVE_MIB, 7));
          return;
        case '/sse': {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          let n = 0;
          const send = (): void => {
            n++;
            if (n > 3) return void res.end();
            res.write(`data: event ${n}\n\n`);
            sseNext = send;
          };
          send();
          return;
        }
        case '/slow':
          hung.push(res); // never answers: the agent must give up with 504
          return;
        default:
          res.writeHead(404).end();
      }
    });
    serviceWss = new WebSocketServer({ server: service, path: '/ws' });
    serviceWss.on('connection', (ws, req) => {
      ws.send(`welcome ${req.url}`);
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
    service.listen(0, '127.0.0.1');
    await once(service, 'listening');
    servicePort = (service.address() as net.AddressInfo).port;
  });

  afterEach(async () => {
    for (const agent of agents) agent.shutdown();
    for (const res of hung.splice(0)) res.destroy();
    for (const socket of rawSockets.splice(0)) socket.destroy();
    await Promise.all(rawServices.splice(0).map((server) => new Promise((r) => server.close(r))));
    for (const ws of serviceWss.clients) ws.terminate();
    serviceWss.close();
    service.closeAllConnections();
    await new Promise((r) => service.close(r));
    await gateway.close();
  });

  /** A TCP service that records the bytes of each connection and answers with `reply` once the request side ends. */
  async function startRawService(reply: string): Promise<{ port: number; received: Promise<Buffer>; server: net.Server }> {
    const server = net.createServer({ allowHalfOpen: true });
    rawServices.push(server);
    // The agent connects before it has read a request line, so a stream it answers itself (400)
    // leaves an idle connection here too: track every one, to close it after the test.
    server.on('connection', (socket: net.Socket) => {
      rawSockets.push(socket);
      socket.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const received = new Promise<Buffer>((resolve) =>
      server.once('connection', (socket: net.Socket) => {
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('end', () => {
          resolve(Buffer.concat(chunks));
          socket.end(reply);
        });
      }),
    );
    return { port: (server.address() as net.AddressInfo).port, received, server };
  }

  /** Writes raw bytes down a fresh Piko stream, half-closes it, and collects everything sent back. */
  async function sendRaw(request: Buffer | string): Promise<Buffer> {
    const stream = await gateway.openStream('my-app');
    stream.end(request);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async function startAgent(
    options: { addr?: string; timeoutMs?: number; accessLog?: boolean | AccessLogOptions; maxRequestLineBytes?: number; maxConnections?: number } = {},
  ): Promise<HttpAgentListener> {
    // The boolean of Go Piko before v0.8: true logs at info, false at debug.
    const accessLog = typeof options.accessLog === 'object' ? options.accessLog : { ...DEFAULT_ACCESS_LOG, level: options.accessLog ? ('info' as const) : ('debug' as const) };
    const upstream = new Upstream({ url: gateway.url, logger });
    const agent = new HttpAgentListener(
      {
        endpointId: 'my-app',
        addr: options.addr ?? String(servicePort),
        accessLog,
        timeoutMs: options.timeoutMs ?? 10_000,
        maxRequestLineBytes: options.maxRequestLineBytes ?? 1024 * 1024,
        maxConnections: options.maxConnections ?? 0,
        logger,
      },
      upstream,
    );
    agents.push(agent);
    await agent.start();
    return agent;
  }

  /** Sends one HTTP request down a fresh Piko stream, as the gateway would for a proxied request. */
  async function send(
    options: http.RequestOptions,
    body?: (req: http.ClientRequest) => void,
  ): Promise<ProxiedResponse & { res: http.IncomingMessage }> {
    const stream = await gateway.openStream('my-app');
    const req = http.request({ ...options, createConnection: () => stream as net.Socket });
    if (body) body(req);
    else req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), res };
  }

  it('proxies a GET, keeping the Host header and the query string', async () => {
    await startAgent();
    const res = await send({ method: 'GET', path: '/hello?x=1', headers: { host: 'my-app.piko.example' } });
    expect(res.status).toBe(200);
    expect(res.headers['x-service']).toBe('yes');
    expect(res.body.toString()).toBe('hello GET /hello?x=1 host=my-app.piko.example');
  });

  it('answers 503 endpoint busy, without reaching the service, beyond max_connections; a freed slot serves again', async () => {
    await startAgent({ maxConnections: 1 });
    const first = await gateway.openStream('my-app');
    first.write('GET /hello HTTP/1.1\r\nHost: my-app\r\n'); // head not finished: its connection stays open
    const busy = (await sendRaw('GET /hello HTTP/1.1\r\nHost: my-app\r\n\r\n')).toString('latin1');
    expect(busy).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(busy.endsWith('\r\n\r\n{"error":"endpoint busy"}\n')).toBe(true);
    first.destroy();
    // The slot is free once the agent has seen the stream close: until then it may still answer 503.
    let status = 503;
    while (status === 503) status = (await send({ method: 'GET', path: '/hello' })).status;
    expect(status).toBe(200);
  });

  it('passes the request and the response through byte for byte', async () => {
    // Header case, order, duplicates and hop-by-hop fields are the proxy's business, not the agent's.
    const request =
      'POST /raw?q=1 HTTP/1.1\r\nHost: my-app\r\nX-Dup: a\r\nx-dup: b\r\nConnection: close, X-Private\r\n' +
      'X-Private: 1\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
    const reply = 'HTTP/1.1 200 OK\r\nX-Hop: secret\r\nConnection: close\r\n\r\nraw body, no length';
    const service = await startRawService(reply);
    await startAgent({ addr: `127.0.0.1:${service.port}` });
    const response = await sendRaw(request);
    expect((await service.received).toString('latin1')).toBe(request);
    expect(response.toString('latin1')).toBe(reply);
  });

  it('prefixes every request line with the target path, leaving every other byte alone', async () => {
    const rest = 'Host: my-app\r\nX-Path: /users?x=1\r\n\r\nGET /users HTTP/1.1\r\n';
    const service = await startRawService('HTTP/1.1 204 No Content\r\n\r\n');
    await startAgent({ addr: `http://127.0.0.1:${service.port}/api/?k=v` });
    const stream = await gateway.openStream('my-app');
    // The request line arrives in pieces: the agent must hold them until the line is complete.
    stream.write('GET /us');
    await new Promise((r) => setImmediate(r));
    stream.write('ers?x=1 HTTP/1.1\r');
    await new Promise((r) => setImmediate(r));
    stream.end(`\n${rest}`);
    stream.resume();
    // The second request on the stream (keep-alive) is prefixed too; its headers never came.
    expect((await service.received).toString('latin1')).toBe(
      `GET /api/users?k=v&x=1 HTTP/1.1\r\nHost: my-app\r\nX-Path: /users?x=1\r\n\r\nGET /api/users?k=v HTTP/1.1\r\n`,
    );
  });

  it('forwards a request line just under max_request_line_bytes, and answers 400 when no line ends within it', async () => {
    const longPath = `/${'a'.repeat(8_000)}`;
    const service = await startRawService('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    await startAgent({ addr: `http://127.0.0.1:${service.port}/p`, maxRequestLineBytes: 8 * 1024 });
    const ok = `GET ${longPath} HTTP/1.1\r\nHost: h\r\n\r\n`;
    expect((await sendRaw(ok)).toString()).toMatch(/^HTTP\/1\.1 200 /);
    expect((await service.received).toString('latin1')).toBe(`GET /p${longPath} HTTP/1.1\r\nHost: h\r\n\r\n`);

    const tooLong = (await sendRaw(`GET /${'b'.repeat(9_000)} HTTP/1.1\r\n\r\n`)).toString();
    expect(tooLong).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(tooLong).toContain('Connection: close\r\n');
    expect(tooLong.endsWith('{"error":"request line too long"}\n')).toBe(true);
  });

  it('answers 431 and ends the stream for a header line over max_request_line_bytes: what follows is never forwarded unprefixed', async () => {
    const service = await startRawService('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    let seen = '';
    service.server.on('connection', (socket: net.Socket) => socket.on('data', (c: Buffer) => (seen += c.toString('latin1'))));
    await startAgent({ addr: `http://127.0.0.1:${service.port}/api`, maxRequestLineBytes: 4 * 1024 });
    // Before: the rest of the stream became an unparsed tunnel, so a later request on it reached
    // the service without the /api prefix and without an access-log line.
    const answer = (await sendRaw(`GET /big HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(5_000)}\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n`)).toString();
    expect(answer).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(answer.endsWith('{"error":"request header too large"}\n')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).not.toContain('GET /admin');
  });

  it('resets the connection to the service when the stream is reset', async () => {
    const service = await startRawService('unused');
    await startAgent({ addr: `127.0.0.1:${service.port}` });
    const connected = once(service.server, 'connection') as Promise<[net.Socket]>;
    const stream = await gateway.openStream('my-app');
    stream.on('error', () => undefined);
    stream.write('GET /reset HTTP/1.1\r\nHost: h\r\n\r\n');
    const [socket] = await connected;
    await once(socket, 'data');
    const errored = once(socket, 'error') as Promise<[NodeJS.ErrnoException]>;
    stream.destroy();
    const [err] = await errored;
    expect(err.code).toBe('ECONNRESET'); // a TCP reset, not a FIN
  });

  it('streams a POST body of unknown length to the service and back', async () => {
    await startAgent();
    const parts = ['first,', 'second,', 'third'];
    const res = await send({ method: 'POST', path: '/echo', headers: { 'content-type': 'text/plain' } }, (req) => {
      // No content-length: the body goes chunked, each part written separately.
      for (const part of parts) req.write(part);
      req.end();
    });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(parts.join(''));
  });

  it('does not time out an upload that takes longer than timeoutMs while its bytes keep coming', async () => {
    await startAgent({ timeoutMs: 500 });
    const parts = 10;
    const res = await send({ method: 'POST', path: '/sink' }, (req) => {
      let sent = 0;
      const tick = setInterval(() => {
        req.write('x'.repeat(100));
        if (++sent === parts) {
          clearInterval(tick);
          req.end();
        }
      }, 100);
    });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(`received ${parts * 100}`);
  });

  it('carries a 5 MiB download intact', async () => {
    await startAgent();
    const res = await send({ path: '/big' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(FIVE_MIB));
    expect(res.body.length).toBe(FIVE_MIB);
    expect(res.body.every((b) => b === 7)).toBe(true);
  });

  it('delivers server-sent events one by one, before the stream ends', async () => {
    // A timeout far shorter than the event stream: it must only bound the wait for the first byte.
    await startAgent({ timeoutMs: 1_000 });
    const stream = await gateway.openStream('my-app');
    const req = http.request({ path: '/sse', createConnection: () => stream as net.Socket });
    req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    expect(res.headers['content-type']).toBe('text/event-stream');
    res.setEncoding('utf8');
    const received: string[] = [];
    for await (const chunk of res) {
      received.push(chunk as string);
      // The service sends the next event only now: had the agent buffered, this would hang.
      sseNext?.();
    }
    expect(received.join('')).toBe('data: event 1\n\ndata: event 2\n\ndata: event 3\n\n');
    expect(received[0]).toBe('data: event 1\n\n');
  });

  it('answers 502 {"error":"upstream unreachable"} when the service refuses connections', async () => {
    const closed = net.createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));

    await startAgent({ addr: `http://127.0.0.1:${port}` });
    const res = await send({ path: '/anything' });
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body.toString())).toEqual({ error: 'upstream unreachable' });
  });

  it('answers 504 {"error":"upstream timeout"} when no response byte comes within the timeout', async () => {
    await startAgent({ timeoutMs: 100 });
    const res = await send({ path: '/slow' });
    expect(res.status).toBe(504);
    expect(JSON.parse(res.body.toString())).toEqual({ error: 'upstream timeout' });
    expect(hung).toHaveLength(1);
  });

  it('passes a WebSocket upgrade through and echoes messages', async () => {
    await startAgent({ accessLog: true });
    const stream = await gateway.openStream('my-app');
    const ws = new WebSocket('ws://my-app/ws?room=1', { createConnection: () => stream as net.Socket });
    const messages: string[] = [];
    const gotTwo = new Promise<void>((resolve) =>
      ws.on('message', (data) => {
        messages.push(data.toString());
        if (messages.length === 2) resolve();
      }),
    );
    await once(ws, 'open');
    ws.send('ping through piko');
    await gotTwo;
    expect(messages).toEqual(['welcome /ws?room=1', 'ping through piko']);
    ws.close();
    const line = await logger.waitFor((l) => l.msg === 'request' && l.fields.upgrade === true);
    expect(line.fields).toMatchObject({ method: 'GET', path: '/ws', status: 101 });
    expect(line.fields.closeReason).toMatch(/^(service|client) closed$/);
  });

  it('logs each request when the access log is on, without credentials', async () => {
    await startAgent({ accessLog: true });
    const request =
      'GET /hello?token=query-secret HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer header-secret\r\n' +
      'Cookie: session=cookie-secret\r\nConnection: close\r\n\r\n';
    const response = await sendRaw(request);
    expect(response.toString()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const line = await logger.waitFor((l) => l.msg === 'request');
    expect(line.level).toBe('info');
    expect(line.fields).toMatchObject({ endpointId: 'my-app', method: 'GET', path: '/hello', status: 200 });
    expect(line.fields.bytesIn).toBe(Buffer.byteLength(request));
    expect(line.fields.bytesOut).toBe(response.length);
    expect(typeof line.fields.durationMs).toBe('number');
    const everything = JSON.stringify(logger.lines);
    expect(everything).not.toContain('header-secret');
    expect(everything).not.toContain('cookie-secret');
    expect(everything).not.toContain('query-secret');
  });

  it('logs the request and response headers the lists allow, credentials redacted', async () => {
    await startAgent({
      accessLog: { ...DEFAULT_ACCESS_LOG, requestHeaders: { allowList: ['X-Request-Id', 'Authorization'], blockList: [] }, responseHeaders: { allowList: [], blockList: ['Date'] } },
    });
    await sendRaw('GET /hello HTTP/1.1\r\nHost: h\r\nX-Request-Id: r-1\r\nAuthorization: Bearer header-secret\r\nUser-Agent: t\r\nConnection: close\r\n\r\n');
    const line = await logger.waitFor((l) => l.msg === 'request');
    expect(line.fields.requestHeaders).toEqual({ 'X-Request-Id': ['r-1'], Authorization: ['[REDACTED]'] });
    const responseHeaders = line.fields.responseHeaders as Record<string, string[]>;
    expect(responseHeaders['Content-Type']).toBeDefined();
    expect(responseHeaders.Date).toBeUndefined();
    expect(JSON.stringify(logger.lines)).not.toContain('header-secret');
  });

  it('logs requests at debug only when the access log is off', async () => {
    await startAgent({ accessLog: false });
    await send({ path: '/hello', headers: { host: 'h' } });
    const line = await logger.waitFor((l) => l.msg === 'request');
    expect(line.level).toBe('debug');
  });

  it('close() lets an in-flight request finish, then disconnects', async () => {
    const agent = await startAgent();
    const session = await gateway.session('my-app');
    const stream = await gateway.openStream('my-app');
    const req = http.request({ path: '/sse', createConnection: () => stream as Duplex as net.Socket });
    req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    res.setEncoding('utf8');

    const goAway = once(session, 'goaway');
    const closing = agent.close();
    await goAway;
    let body = '';
    for await (const chunk of res) {
      body += chunk as string;
      sseNext?.();
    }
    expect(body).toBe('data: event 1\n\ndata: event 2\n\ndata: event 3\n\n');
    await closing;
    await once(session, 'close');
  });
});
