import type { ManagedProcess } from '@piko/testing';
import WebSocket from 'ws';
import { BannerService } from './support/banner-service';
import { startAgent, startPikoServer, type PikoServer } from './support/piko';

jest.setTimeout(60_000);

type Handshake = { status: 101; received: string } | { status: number; body: string };

/**
 * Opens a WebSocket with the given Origin (none when undefined), as a browser page would. On a
 * 101 it sends one line and reads until the service's `end` (the banner service's last line);
 * on a refusal it returns the HTTP status and body.
 */
function handshake(url: string, origin: string | undefined): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    let received = '';
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('message', (data: Buffer) => {
      received += data.toString();
      // The service closed its side (half-close keeps the tunnel open for our side): done.
      if (received.endsWith('end\n')) ws.close();
    });
    ws.once('open', () => ws.send(Buffer.from('bye\n')));
    ws.once('close', () => resolve({ status: 101, received }));
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

// Issue 8: the WebSocket Origin was never checked, so any web page a user visited could open an
// upstream (register an endpoint) or a TCP tunnel through a Piko its browser can reach. As
// gorilla/websocket's default (Go Piko): no Origin or the same origin is accepted, any other is
// refused with 403, and the allow-lists add origins.
describe('WebSocket Origin on the upstream port and the TCP route', () => {
  let service: BannerService;
  let server: PikoServer;
  let agent: ManagedProcess;

  beforeAll(async () => {
    service = new BannerService();
    const servicePort = await service.listen();
    server = await startPikoServer([
      '--upstream.allowed-origins', 'https://ops.example.com',
      '--proxy.tcp-allowed-origins', 'https://app.example.com,https://other.example.com:8443',
    ]);
    // The agent sends no Origin: its connection is accepted as before.
    agent = await startAgent('tcp', 'banner', String(servicePort), server.upstreamUrl);
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.process.stop();
    await service?.close();
  });

  const tcpRoute = () => `ws://127.0.0.1:${server.proxyPort}/_piko/v1/tcp/banner`;
  const upstream = (endpointId: string) => `ws://127.0.0.1:${server.upstreamPort}/piko/v1/upstream/${endpointId}`;

  it('the TCP route refuses a foreign origin with 403 and Go Piko\'s JSON error; the service sees no connection', async () => {
    const before = service.connections;
    for (const origin of ['https://evil.example', 'null', 'https://app.example.com.evil.example', `http://127.0.0.1:${server.upstreamPort}`]) {
      const result = await handshake(tcpRoute(), origin);
      expect(result).toEqual({ status: 403, body: `{"error":"origin not allowed"}\n` });
    }
    expect(service.connections).toBe(before);
  });

  it('the TCP route accepts no Origin, the same origin and listed origins, and carries the bytes', async () => {
    for (const origin of [undefined, `http://127.0.0.1:${server.proxyPort}`, 'https://app.example.com', 'HTTPS://OTHER.example.com:8443']) {
      const result = await handshake(tcpRoute(), origin);
      expect(result).toEqual({ status: 101, received: expect.stringMatching(/^banner \d+\nend\n$/) });
    }
  });

  it('the upstream port refuses a foreign origin with 403 before registering anything', async () => {
    const result = await handshake(upstream('hijack'), 'https://evil.example');
    expect(result).toEqual({ status: 403, body: `{"error":"origin not allowed"}\n` });
    // Not registered: the proxy has no upstream for it.
    const res = await fetch(`${server.proxyUrl}/`, { headers: { 'x-piko-endpoint': 'hijack' } });
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: 'no available upstreams' });
  });

  it('the upstream port accepts no Origin, its own origin and a listed one', async () => {
    for (const origin of [undefined, `http://127.0.0.1:${server.upstreamPort}`, 'https://ops.example.com']) {
      const ws = new WebSocket(upstream('origin-ok'), origin === undefined ? {} : { origin });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      ws.terminate();
    }
  });
});
