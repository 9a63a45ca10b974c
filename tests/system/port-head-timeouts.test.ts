import { connect } from 'node:net';
import type { ManagedProcess } from '@piko/testing';
import { type ClusterNode, TestCluster } from './support/cluster';
import { startAgent, startPikoServer, type PikoServer, waitForRoute } from './support/piko';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(120_000);

/** `<port>.read_header_timeout` of the processes under test, in seconds. */
const HEAD_TIMEOUT_S = 1;

/**
 * A connection to 127.0.0.1:`port` that sends nothing (or half a request head) and resolves with
 * how long the server took to close it, in ms, or 'held' if it was still open after `boundMs`.
 */
async function unfinishedHead(port: number, partial: boolean, boundMs = 10_000): Promise<number | 'held'> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.resume(); // read (and drop) the server's 408, or its close is never seen
  await new Promise((resolve) => socket.once('connect', resolve));
  const start = Date.now();
  if (partial) socket.write('GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - start)));
  const held = new Promise<'held'>((resolve) => setTimeout(() => resolve('held'), boundMs).unref());
  const outcome = await Promise.race([closed, held]);
  socket.destroy();
  return outcome;
}

function expectClosedByTimeout(outcomes: Array<number | 'held'>): void {
  for (const outcome of outcomes) {
    expect(outcome).not.toBe('held');
    expect(outcome).toBeGreaterThanOrEqual(HEAD_TIMEOUT_S * 1000 - 100);
  }
}

// Node's default head timeout (60 s, checked every 30 s) held idle connections to the upstream,
// admin and ops ports for up to 90 s (and the proxy port's 10 s limit, checked as often, up to 40 s): ~20,000 of them used up piko server's descriptors and the
// proxy port stopped answering (exhaustion trial). Each port now has read_header_timeout (10 s).
describe('head timeouts on the upstream, admin and ops ports', () => {
  let server: PikoServer;
  let cluster: TestCluster;
  let gateway: ClusterNode;
  const service = new UpstreamService('head-timeouts');
  const agents: ManagedProcess[] = [];

  beforeAll(async () => {
    const servicePort = await service.listen();
    server = await startPikoServer([
      '--proxy.http.read-header-timeout', `${HEAD_TIMEOUT_S}s`,
      '--upstream.read-header-timeout', `${HEAD_TIMEOUT_S}s`,
      '--admin.read-header-timeout', `${HEAD_TIMEOUT_S}s`,
    ]);
    agents.push(await startAgent('http', 'web', String(servicePort), server.upstreamUrl));
    await waitForRoute(server.proxyUrl, 'web');
    cluster = await TestCluster.start(['--ops.read-header-timeout', `${HEAD_TIMEOUT_S}s`]);
    gateway = await cluster.gateway('gateway-head-timeout');
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.process.stop();
    await cluster?.stop();
    await service.close();
  });

  it('piko server: the proxy, upstream and admin ports close a connection whose head does not come in time', async () => {
    // The proxy port had its limit but Node's 30 s check: idle connections stayed 10-40 s.
    const ports = [server.proxyPort, server.upstreamPort, server.adminPort];
    expectClosedByTimeout(await Promise.all(ports.flatMap((port) => [unfinishedHead(port, false), unfinishedHead(port, true)])));
    // The ports still serve: the agent stays connected, the admin API answers.
    expect((await fetch(`${server.adminUrl}/ready`)).status).toBe(200);
    expect((await fetch(`${server.proxyUrl}/`, { headers: { 'x-piko-endpoint': 'web' } })).status).toBe(200);
  });

  it('starts with proxy.http.read_timeout shorter than read_header_timeout (the head is then bounded by read_timeout)', async () => {
    // Node refuses a headersTimeout above requestTimeout: the process stopped at start with a RangeError.
    const short = await startPikoServer(['--proxy.http.read-timeout', '5s']);
    try {
      expect((await fetch(`${short.adminUrl}/ready`)).status).toBe(200);
    } finally {
      await short.process.stop();
    }
  });

  it('piko gateway: the ops port does too', async () => {
    expectClosedByTimeout(await Promise.all([unfinishedHead(gateway.opsPort, false), unfinishedHead(gateway.opsPort, true)]));
    expect((await fetch(`${gateway.opsUrl}/ready`)).status).toBe(200);
  });
});
