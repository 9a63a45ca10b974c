import { once } from 'events';
import * as http from 'http';
import * as net from 'net';
import { runAgent } from './run-agent';
import { RecordingLogger, StubGateway } from './testing/stub-gateway';

describe('runAgent', () => {
  let gateway: StubGateway;
  let web: http.Server;
  let tcp: net.Server;

  beforeEach(async () => {
    gateway = await StubGateway.start();
    web = http.createServer((req, res) => res.end(`web ${req.url}`));
    tcp = net.createServer({ allowHalfOpen: true }, (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => socket.end(`tcp:${Buffer.concat(chunks).toString()}`));
    });
    web.listen(0, '127.0.0.1');
    tcp.listen(0, '127.0.0.1');
    await Promise.all([once(web, 'listening'), once(tcp, 'listening')]);
  });

  afterEach(async () => {
    web.closeAllConnections();
    await Promise.all([new Promise((r) => web.close(r)), new Promise((r) => tcp.close(r))]);
    await gateway.close();
  });

  it('starts every listener, serves HTTP and TCP endpoints, and closes gracefully', async () => {
    const logger = new RecordingLogger();
    const agent = await runAgent(
      {
        connect: { url: gateway.url, token: 't0ken' },
        listeners: [
          { endpointId: 'web', protocol: 'http', addr: `127.0.0.1:${(web.address() as net.AddressInfo).port}` },
          { endpointId: 'db', protocol: 'tcp', addr: String((tcp.address() as net.AddressInfo).port) },
        ],
      },
      logger,
    );

    const httpStream = await gateway.openStream('web');
    httpStream.end('GET /x HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n');
    let httpReply = '';
    for await (const chunk of httpStream) httpReply += (chunk as Buffer).toString();
    expect(httpReply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(httpReply.endsWith('web /x')).toBe(true);

    const tcpStream = await gateway.openStream('db');
    tcpStream.end('select 1');
    let tcpReply = '';
    for await (const chunk of tcpStream) tcpReply += (chunk as Buffer).toString();
    expect(tcpReply).toBe('tcp:select 1');

    const sessions = [await gateway.session('web'), await gateway.session('db')];
    await agent.close();
    await Promise.all(sessions.map((s) => (s.isClosed ? undefined : once(s, 'close'))));
    expect(logger.lines.filter((l) => l.msg === 'forwarding endpoint')).toHaveLength(2);
  });

  it('fails, and leaves nothing running, when Piko cannot be reached within connect.timeoutMs', async () => {
    const closed = net.createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));

    await expect(
      runAgent(
        {
          connect: { url: `http://127.0.0.1:${port}`, timeoutMs: 300 },
          listeners: [{ endpointId: 'web', protocol: 'http', addr: '3000' }],
        },
        new RecordingLogger(),
      ),
    ).rejects.toMatchObject({
      code: 'PIKO_CONNECT_FAILED',
      // The URL, the cause and the limit that ended the retries; not "the operation was aborted".
      message: `connect ws://127.0.0.1:${port}/piko/v1/upstream/web: connect ECONNREFUSED 127.0.0.1:${port} (gave up after 0.3 s: --connect.timeout)`,
    });
  });
});
