import { once } from 'events';
import * as http from 'http';
import type { AddressInfo } from 'net';
import type { Duplex } from 'stream';
import { WebSocketServer } from 'ws';
import { webSocketDuplex } from '@piko/protocol';
import { Dialer } from './dialer';
import { AbortError, UnauthorizedError } from './errors';
import { readAll } from './testing/fake-gateway';

// The proxy's /_piko/v1/tcp/:endpointId is built elsewhere; this stand-in echoes what it gets.
describe('Dialer', () => {
  let server: http.Server;
  let wss: WebSocketServer;
  let url: string;
  const seen: Array<{ path: string; authorization?: string }> = [];
  const hanging: Duplex[] = [];

  beforeEach(async () => {
    seen.length = 0;
    server = http.createServer();
    wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      if (req.headers.authorization === 'Bearer bad') {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"error":"no token"}');
        return;
      }
      if (req.url?.includes('hang')) {
        hanging.push(socket); // never answers: only an abort ends the dial
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        // Half-close mode, as the proxy's TcpForwarder: the echo ends only after the client's FIN.
        const duplex = webSocketDuplex(ws, { halfClose: true });
        if (req.url?.includes('speaks-first')) {
          // Written in the same tick as the 101, so it reaches the client in the same read.
          duplex.write('banner\n');
        }
        if (req.url?.includes('reply-after-eof')) {
          let received = 0;
          duplex.on('data', (chunk: Buffer) => (received += chunk.length));
          duplex.once('end', () => duplex.end(`got ${received} bytes`));
          return;
        }
        duplex.pipe(duplex);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prefix`;
  });

  afterEach(async () => {
    for (const socket of hanging.splice(0)) socket.destroy();
    for (const client of wss.clients) client.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('dials <url>/_piko/v1/tcp/<endpoint> with the token and returns a byte stream', async () => {
    const conn = await new Dialer({ url, token: 'good' }).dial('db');
    conn.end('ping over piko');
    expect((await readAll(conn)).toString()).toBe('ping over piko');
    expect(seen).toEqual([{ path: '/prefix/_piko/v1/tcp/db', authorization: 'Bearer good' }]);
  });

  it('half-closes on end(): the reply sent after EOF still arrives', async () => {
    const conn = await new Dialer({ url }).dial('reply-after-eof');
    conn.write(Buffer.alloc(100_000));
    conn.end();
    expect((await readAll(conn)).toString()).toBe('got 100000 bytes');
  });

  it('keeps bytes the far end sent right behind the 101 (a server that speaks first)', async () => {
    const dialer = new Dialer({ url });
    for (let i = 0; i < 20; i++) {
      const conn = await dialer.dial('speaks-first');
      conn.end('bye');
      expect((await readAll(conn)).toString()).toBe('banner\nbye');
    }
  });

  it('rejects with UnauthorizedError on 401', async () => {
    await expect(new Dialer({ url, token: 'bad' }).dial('db')).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('rejects with AbortError when the signal aborts mid-handshake', async () => {
    const controller = new AbortController();
    const dialing = new Dialer({ url }).dial('hang', { signal: controller.signal });
    while (seen.length === 0) await once(server, 'upgrade');
    controller.abort();
    await expect(dialing).rejects.toBeInstanceOf(AbortError);
  });
});
