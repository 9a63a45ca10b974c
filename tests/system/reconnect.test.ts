import { request } from 'node:http';
import { startAgent, startPikoServer, waitForRoute, type PikoServer } from './support/piko';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(60_000);

interface LogLine {
  msg: string;
  attempt?: number;
  backoffMs?: number;
}

/** The agent's JSON log lines (stderr), in order. */
function logLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

function status(url: string, endpointId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'x-piko-endpoint': endpointId } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

async function restart(server: PikoServer): Promise<PikoServer> {
  await server.process.stop();
  return startPikoServer([], server);
}

describe('agent reconnects after a server restart', () => {
  it('the first retry after a healthy session waits the initial backoff, however long the previous outage', async () => {
    const service = new UpstreamService('comeback');
    const port = await service.listen();
    let server = await startPikoServer();
    const agent = await startAgent('http', 'comeback', String(port), server.upstreamUrl);
    try {
      await waitForRoute(server.proxyUrl, 'comeback');

      // First restart: the agent's retries grow while the server is down (go-away, then refused).
      server = await restart(server);
      await waitForRoute(server.proxyUrl, 'comeback');
      const firstOutage = logLines(agent.logs).filter((l) => l.msg === 'connect failed; retrying');
      expect(firstOutage.map((l) => l.attempt)).toEqual(firstOutage.map((_, i) => i));
      expect(firstOutage.length).toBeGreaterThan(1);
      // Early in an outage (its first 30 s) the agent retries at most 1 s apart.
      for (const line of firstOutage) expect(line.backoffMs).toBeLessThanOrEqual(1_000);
      const mark = agent.logs.length;

      // Second restart: the session of the first came up healthy, so the backoff starts over
      // (before the fix it went on from where the first outage left it: a 5-9 s first wait).
      server = await restart(server);
      await waitForRoute(server.proxyUrl, 'comeback');
      const secondOutage = logLines(agent.logs.slice(mark)).filter((l) => l.msg === 'connect failed; retrying');
      expect(secondOutage[0]).toMatchObject({ attempt: 0 });
      // The initial backoff: 100 ms (connect's default minimum) with equal jitter, 50..100 ms.
      expect(secondOutage[0].backoffMs).toBeLessThanOrEqual(100);
      expect(await status(server.proxyUrl, 'comeback')).toBe(200);
    } finally {
      await agent.stop();
      await server.process.stop();
      await service.close();
    }
  });
});
