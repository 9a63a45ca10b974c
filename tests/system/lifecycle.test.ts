import { request } from 'node:http';
import { waitFor } from '@piko/testing';
import { curl } from './support/curl';
import { startAgent, startPikoServer, waitForRoute } from './support/piko';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(60_000);

function get(url: string, endpointId: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'x-piko-endpoint': endpointId } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('lifecycle of piko server and agent', () => {
  it('SIGTERM: not ready at once, in-flight requests finish, then a clean exit', async () => {
    const service = new UpstreamService('slow');
    const server = await startPikoServer(['--grace-period', '20s']);
    const agent = await startAgent('http', 'slow', String(await service.listen()), server.upstreamUrl);
    try {
      await waitForRoute(server.proxyUrl, 'slow');
      const inFlight = get(`${server.proxyUrl}/slow`, 'slow');
      await waitFor('request to reach the service', () => (service.slowWaiting > 0 ? true : undefined));

      server.process.child.kill('SIGTERM');
      await waitFor('/ready to turn 503', async () => ((await fetch(`${server.adminUrl}/ready`)).status === 503 ? true : undefined));
      // A new connection to the proxy is refused once shutdown began.
      await waitFor('proxy to stop accepting', () => curl([`${server.proxyUrl}/`]).then(() => undefined, () => true));

      service.releaseSlow();
      expect(await inFlight).toEqual({ status: 200, body: JSON.stringify({ name: 'slow', slow: true }) });
      expect(await server.process.exited).toEqual({ code: 0, signal: null });
    } finally {
      await agent.stop();
      await server.process.stop();
      await service.close();
    }
  });

  it('an upstream killed with SIGKILL is removed at once: the next requests get 502, not a hang', async () => {
    const service = new UpstreamService('doomed');
    const server = await startPikoServer();
    const agent = await startAgent('http', 'doomed', String(await service.listen()), server.upstreamUrl);
    try {
      await waitForRoute(server.proxyUrl, 'doomed');
      await agent.kill();
      await waitFor('the upstream to be dropped', async () => {
        const metrics = await (await fetch(`${server.adminUrl}/metrics`)).text();
        return /^piko_upstreams_connected_upstreams 0$/m.test(metrics) ? true : undefined;
      });
      expect(await get(`${server.proxyUrl}/`, 'doomed')).toEqual({ status: 502, body: '{"error":"no available upstreams"}\n' });
    } finally {
      await server.process.stop();
      await service.close();
    }
  });

  it('the agent reconnects with backoff when the server restarts on the same port', async () => {
    const service = new UpstreamService('comeback');
    const port = await service.listen();
    let server = await startPikoServer();
    const agent = await startAgent('http', 'comeback', String(port), server.upstreamUrl);
    try {
      await waitForRoute(server.proxyUrl, 'comeback');
      await server.process.stop();
      server = await startPikoServer([], server);
      await waitForRoute(server.proxyUrl, 'comeback');
      expect((await get(`${server.proxyUrl}/`, 'comeback')).status).toBe(200);
    } finally {
      await agent.stop();
      await server.process.stop();
      await service.close();
    }
  });
});
