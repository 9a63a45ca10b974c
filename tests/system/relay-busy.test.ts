import { type ManagedProcess, waitFor } from '@piko/testing';
import { type ClusterNode, TestCluster } from './support/cluster';
import { CountingService } from './support/counting-service';
import { type Answer, LoopbackClients } from './support/loopback-clients';
import { startAgent } from './support/piko';
import { parsePrometheusText, sampleValue } from './support/prometheus-text';

jest.setTimeout(300_000);

// Issue 8, "one client can exhaust an endpoint", through a cluster: a gateway whose upstream is at
// `upstream.mux.max_streams` answers the proxy's relay stream BUSY (relay status 5); the proxy tries
// the endpoint's other gateways, and when none accepts answers 503 {"error":"endpoint busy"}, not
// 502 "no available upstreams". Real redis-server, nats-server, `piko proxy`, two `piko gateway`s
// and `piko agent`s: client -> proxy -> relay -> gateway -> agent -> service.

const MAX_STREAMS = 16;
const BUSY = { status: 503, body: '{"error":"endpoint busy"}\n' };

/** Keep-alive clients at a few loopback addresses. */
const clients = new LoopbackClients();
afterAll(() => clients.destroy());

interface LogLine {
  msg: string;
  [field: string]: unknown;
}
const logLines = (process: ManagedProcess): LogLine[] =>
  process.logs
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

describe('relay BUSY through a cluster: 503 endpoint busy when every gateway is at its stream limit', () => {
  let cluster: TestCluster;
  let gateways: ClusterNode[];
  let proxy: ClusterNode;
  const services: CountingService[] = [];
  const agents: ManagedProcess[] = [];
  let other: CountingService;

  beforeAll(async () => {
    cluster = await TestCluster.start();
    // Each gateway's upstream connections carry at most MAX_STREAMS streams at once.
    gateways = [
      await cluster.gateway('gateway-1', ['--upstream.mux.max-streams', String(MAX_STREAMS), '--log.level', 'info']),
      await cluster.gateway('gateway-2', ['--upstream.mux.max-streams', String(MAX_STREAMS), '--log.level', 'info']),
    ];
    // No per-address limit here (the busy test's clients share few addresses); info level, so a
    // line per refused relay stream would show.
    proxy = await cluster.proxy('proxy', ['--proxy.max-streams-per-client', '0', '--log.level', 'info', '--proxy.access-log=false']);
    // Endpoint `busy`: one upstream on each gateway. Endpoint `other`: on gateway 1 only, served
    // by its own upstream connection (its own MAX_STREAMS).
    for (const [i, gateway] of gateways.entries()) {
      const service = new CountingService(`busy-${i + 1}`);
      services.push(service);
      agents.push(await startAgent('http', 'busy', String(await service.listen()), gateway.url, ['--access-log=false', '--max-connections', '0']));
    }
    other = new CountingService('other');
    agents.push(await startAgent('http', 'other', String(await other.listen()), gateways[0].url, ['--access-log=false']));
    await waitFor('both gateways route busy, gateway 1 routes other', async () => {
      const names = new Set<string>();
      for (let i = 0; i < 20; i++) names.add((await clients.send(proxy.port, 'busy', '/', '127.0.0.9')).body);
      const otherAnswer = await clients.send(proxy.port, 'other', '/', '127.0.0.9');
      return names.has('busy-1') && names.has('busy-2') && otherAnswer.body === 'other' ? true : undefined;
    }, 60_000);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop('SIGKILL')));
    await cluster?.stop();
    await Promise.all([...services, other].filter(Boolean).map((s) => s.close()));
  });

  async function relayStreams(gateway: ClusterNode, result: string): Promise<number> {
    const text = await (await fetch(`${gateway.opsUrl}/metrics`)).text();
    return sampleValue(parsePrometheusText(text), 'piko_relay_server_streams_total', { result }) ?? 0;
  }

  it('both gateways full: every request beyond 2 x upstream.mux.max_streams gets 503 endpoint busy; another endpoint on the same gateway is served; logs stay a few lines', async () => {
    const busyBefore = await Promise.all(gateways.map((g) => relayStreams(g, 'busy')));
    const held = 2 * MAX_STREAMS;
    const count = held + 48;
    const answers: Answer[] = [];
    // From four client addresses, as many clients would be.
    const all = Array.from({ length: count }, (_, i) => clients.send(proxy.port, 'busy', '/hold', `127.0.0.${1 + (i % 4)}`).then((a) => void answers.push(a)));
    await waitFor(`${held} held and ${count - held} answered`, () => {
      const holding = services.reduce((n, s) => n + s.holding, 0);
      return holding === held && answers.length === count - held ? true : undefined;
    }, 120_000);

    // Meanwhile: the other endpoint, on gateway 1's other upstream connection, is served.
    for (let i = 0; i < 10; i++) expect(await clients.send(proxy.port, 'other', `/n/${i}`, '127.0.0.9')).toEqual({ status: 200, body: String(i) });

    for (const service of services) service.release();
    await Promise.all(all);
    // Each gateway's upstream carried exactly its limit; nothing beyond it reached a service.
    expect(services.map((s) => s.peak)).toEqual([MAX_STREAMS, MAX_STREAMS]);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(held);
    expect(answers.filter((a) => a.status !== 200)).toEqual(Array.from({ length: count - held }, () => BUSY));

    // The gateways said BUSY (relay status 5), each at least once per refused request it saw: a
    // refused request was refused by both (the proxy tries the endpoint's other gateway first).
    const busyAfter = await Promise.all(gateways.map((g) => relayStreams(g, 'busy')));
    expect(busyAfter[0] - busyBefore[0] + (busyAfter[1] - busyBefore[1])).toBeGreaterThanOrEqual(2 * (count - held));

    // Logs: the refusals are told, rate-limited (the first 5 lines of each message, then one
    // summary per 10 s while they go on: RateLimitedLog), never a line per refused stream at info
    // or above (48 refused requests, 96+ BUSY answers).
    await waitFor('the proxy logs the busy endpoint', () =>
      logLines(proxy.process).some((l) => l.msg === 'endpoint busy: every upstream at its stream limit' && l.limit === 'upstream.mux.max_streams') ? true : undefined,
    );
    // The proxy logs at info (so a line per refused relay stream at info would be here).
    expect(logLines(proxy.process).some((l) => l.level === 'info')).toBe(true);
    const proxyLines = logLines(proxy.process).filter((l) => /busy|refused/.test(l.msg));
    expect(proxyLines.filter((l) => l.msg === 'endpoint busy: every upstream at its stream limit')).toHaveLength(5);
    expect(proxyLines.length).toBeLessThanOrEqual(8);
    for (const gateway of gateways) {
      const lines = logLines(gateway.process).filter((l) => /busy|refused/.test(l.msg));
      expect(lines.some((l) => l.msg === 'relay stream refused: every upstream at its stream limit' && l.limit === 'upstream.mux.max_streams')).toBe(true);
      expect(lines.length).toBeLessThanOrEqual(8);
    }
  });

  it('once the held requests are answered the endpoint serves again from both gateways', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const answer = await clients.send(proxy.port, 'busy', '/', '127.0.0.1');
      expect(answer.status).toBe(200);
      names.add(answer.body);
    }
    expect(names).toEqual(new Set(['busy-1', 'busy-2']));
  });
});
