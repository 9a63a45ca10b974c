import { buildGoPeer, startGoPeer } from '../interop/go-peer';
import { curl } from './support/curl';
import { startAgent, startPikoServer, waitForRoute } from './support/piko';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(120_000);

// The wire protocol is Go Piko's: a Go agent (hashicorp/yamux + gorilla/websocket, as Go Piko's
// agent is built) works with our server, and our agent with a Go server, driven by curl.
describe('interoperability of the real piko processes with Go Piko peers', () => {
  let binary: string;

  beforeAll(async () => {
    binary = await buildGoPeer();
  });

  it('a Go Piko-style agent registers with piko server and serves requests through its proxy', async () => {
    const server = await startPikoServer();
    const agent = startGoPeer(binary, ['piko-agent', '-url', `ws://127.0.0.1:${server.upstreamPort}/piko/v1/upstream/go-agent`]);
    try {
      await agent.waitForLine(/^connected /);
      await waitForRoute(server.proxyUrl, 'go-agent');
      expect(await curl(['-H', 'x-piko-endpoint: go-agent', `${server.proxyUrl}/hello?x=1`])).toEqual({ status: 200, body: 'go-agent:GET /hello?x=1' });
      expect(await curl(['-H', 'Host: go-agent.example.com', `${server.proxyUrl}/b`])).toEqual({ status: 200, body: 'go-agent:GET /b' });
    } finally {
      await agent.stop();
      await server.process.stop();
    }
  });

  it('piko agent http registers with a Go Piko-style server, which proxies to it', async () => {
    const service = new UpstreamService('behind-go');
    const port = await service.listen();
    const server = startGoPeer(binary, ['piko-server', '-upstream', '127.0.0.1:0', '-proxy', '127.0.0.1:0']);
    try {
      const upstreamAddr = (await server.waitForLine(/^upstream listening (\S+)/))[1];
      const proxyAddr = (await server.waitForLine(/^proxy listening (\S+)/))[1];
      const agent = await startAgent('http', 'ours', String(port), `http://${upstreamAddr}`);
      try {
        await server.waitForLine(/^upstream connected ours/);
        const res = await curl(['-H', 'x-piko-endpoint: ours', `http://${proxyAddr}/via-go?y=2`]);
        expect(res.status).toBe(200);
        expect(JSON.parse(res.body)).toMatchObject({ name: 'behind-go', method: 'GET', url: '/via-go?y=2' });
      } finally {
        await agent.stop();
      }
    } finally {
      await server.stop();
      await service.close();
    }
  });
});
