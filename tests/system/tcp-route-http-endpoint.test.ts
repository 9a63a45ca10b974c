import type { ManagedProcess } from '@piko/testing';
import WebSocket from 'ws';
import { TestCluster } from './support/cluster';
import { startAgent, startPikoServer, waitForRoute, type PikoServer } from './support/piko';
import { RawUpstream } from './support/raw-http';

jest.setTimeout(90_000);

// What a hostile client writes down the raw TCP route: a request the proxy would never forward
// as it is (a spoofed client address, a Piko header, a reserved path).
const SPOOFED =
  'GET /_piko/v1/admin HTTP/1.1\r\nHost: web\r\nX-Forwarded-For: 6.6.6.6\r\nx-piko-spoofed: 1\r\nConnection: close\r\n\r\n';

type TcpRouteResult = { status: 101; received: string } | { status: number; body: string };

/** Opens the TCP route to `endpointId` on a raw WebSocket, writes SPOOFED, reads until the far side closes. */
function spoofThroughTcpRoute(proxyPort: number, endpointId: string): Promise<TcpRouteResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/_piko/v1/tcp/${endpointId}`);
    let received = '';
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('open', () => ws.send(Buffer.from(SPOOFED)));
    ws.on('message', (data: Buffer) => {
      // An empty message is the service's FIN (half-close): its answer is complete.
      if (data.length === 0) return ws.close();
      received += data.toString();
    });
    ws.once('close', () => resolve({ status: 101, received }));
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

/** An HTTP service that records every request head it gets and answers 200. */
function recordingService(): RawUpstream {
  return new RawUpstream((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'));
}

// Issue 8: "Whatever reaches a service through an HTTP endpoint has passed the proxy's request
// rules, whichever route it came by." The raw TCP route used to deliver a client's bytes to an
// HTTP endpoint's service verbatim. The agent's HTTP listeners now declare `http` when they
// connect, and a gateway never gives them a raw TCP stream: the proxy answers 403.
describe('the raw TCP route never reaches an HTTP endpoint', () => {
  const agents: ManagedProcess[] = [];
  let service: RawUpstream;
  let servicePort: number;

  beforeEach(async () => {
    service = recordingService();
    servicePort = await service.listen();
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await service.close();
  });

  /**
   * The check both topologies share: the TCP route to `web` is refused with 403 and the service
   * sees nothing; then one request through the HTTP route reaches it. Returns the service's
   * request count from before, for further checks.
   */
  async function refusedThenHttpWorks(proxyPort: number): Promise<number> {
    await waitForRoute(`http://127.0.0.1:${proxyPort}`, 'web');
    const headsBefore = service.heads.length;
    const refused = await spoofThroughTcpRoute(proxyPort, 'web');
    expect(refused).toEqual({ status: 403, body: `{"error":"tcp connections to an http endpoint are not allowed"}\n` });
    expect(service.heads.slice(headsBefore)).toEqual([]);
    const viaHttp = await fetch(`http://127.0.0.1:${proxyPort}/hello`, { headers: { 'x-piko-endpoint': 'web' } });
    expect(viaHttp.status).toBe(200);
    expect(await viaHttp.text()).toBe('ok');
    expect(service.heads.slice(headsBefore)).toEqual([expect.stringMatching(/^GET \/hello HTTP\/1\.1\r\n/)]);
    return headsBefore;
  }

  describe('piko server', () => {
    let server: PikoServer;

    beforeEach(async () => {
      server = await startPikoServer();
    });

    afterEach(async () => {
      await server.process.stop();
    });

    it('403 with Go Piko\'s JSON error and nothing reaches the service; the HTTP route to it works, and the same bytes reach a tcp endpoint', async () => {
      agents.push(await startAgent('http', 'web', String(servicePort), server.upstreamUrl));
      // The same service as a tcp endpoint: the control that shows the raw bytes would arrive.
      agents.push(await startAgent('tcp', 'raw', String(servicePort), server.upstreamUrl));
      const headsBefore = await refusedThenHttpWorks(server.proxyPort);

      const control = await spoofThroughTcpRoute(server.proxyPort, 'raw');
      expect(control).toEqual({ status: 101, received: expect.stringMatching(/^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/) });
      expect(service.heads.slice(headsBefore + 1)).toEqual([SPOOFED]);
    });
  });

  describe('cluster: proxy and gateway processes', () => {
    let cluster: TestCluster;

    beforeEach(async () => {
      cluster = await TestCluster.start();
    });

    afterEach(async () => {
      await cluster.stop();
    });

    it('the proxy answers 403 over the relay link and nothing reaches the service; the HTTP route works', async () => {
      const gateway = await cluster.gateway('gateway-1');
      const proxy = await cluster.proxy('proxy-1');
      agents.push(await startAgent('http', 'web', String(servicePort), gateway.url));
      await refusedThenHttpWorks(proxy.port);
    });
  });
});
