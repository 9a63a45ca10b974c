import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { type Duplex, PassThrough } from 'node:stream';
import { EndpointBusyError, RelayStatus, TcpToHttpEndpointError } from '@piko/protocol';
import { Registry } from 'prom-client';
import { ClusterDialMetrics } from './cluster-dial-metrics';
import { ClusterUpstreamDialer, type GatewayRoute } from './cluster-upstream-dialer';
import { RecentlyServed } from './recently-served';
import { SINGLE_REQUEST } from '../upstream-stream-agent';
import { RelayClient } from './relay-client';
import { DEFAULT_RELAY_CLIENT_OPTIONS } from './relay-client-options';
import { TEST_RELAY_SECRET, TestRelayGateway, accepted, readAll, recordingLogger } from './testing/test-relay-gateway';
import { pickWeighted } from './weighted-pick';

describe('pickWeighted', () => {
  it('maps the random draw onto cumulative counts, skipping zero counts', () => {
    const items = [{ count: 1 }, { count: 0 }, { count: 3 }];
    expect(pickWeighted(items, () => 0)).toBe(0);
    expect(pickWeighted(items, () => 0.2499)).toBe(0);
    expect(pickWeighted(items, () => 0.25)).toBe(2);
    expect(pickWeighted(items, () => 0.9999)).toBe(2);
  });

  it('picks uniformly when no item has a positive count', () => {
    const items = [{ count: 0 }, { count: 0 }];
    expect(pickWeighted(items, () => 0.1)).toBe(0);
    expect(pickWeighted(items, () => 0.9)).toBe(1);
  });
});

describe('ClusterUpstreamDialer', () => {
  const gateways: TestRelayGateway[] = [];
  let client: RelayClient;
  let logger: ReturnType<typeof recordingLogger>;

  async function gateway(answer: RelayStatus = RelayStatus.Accepted): Promise<TestRelayGateway> {
    const g = await TestRelayGateway.start();
    g.answer = () => answer;
    gateways.push(g);
    return g;
  }

  function route(g: TestRelayGateway | string, count = 1, nodeId = 'node'): GatewayRoute {
    return { nodeId, relayAddr: typeof g === 'string' ? g : g.relayAddr, count };
  }

  function dialer(routes: GatewayRoute[], random?: () => number): ClusterUpstreamDialer {
    return new ClusterUpstreamDialer({ routes: () => routes }, client, logger, random);
  }

  beforeEach(() => {
    logger = recordingLogger();
    client = new RelayClient({ ...DEFAULT_RELAY_CLIENT_OPTIONS, secret: TEST_RELAY_SECRET, mux: { keepAliveInterval: 0 } }, logger);
  });

  afterEach(async () => {
    client.close();
    for (const g of gateways.splice(0)) await g.stop();
  });

  it('flags raw TCP streams, tries past HTTP_ONLY gateways, and rejects when every one said HTTP_ONLY', async () => {
    const httpOnly = await gateway();
    httpOnly.answer = (_id, rawTcp) => (rawTcp ? RelayStatus.HttpOnly : RelayStatus.Accepted);
    const tcp = await gateway();
    const stream = await accepted(dialer([route(httpOnly, 5), route(tcp, 1)], () => 0).dial('mixed', { rawTcp: true }));
    stream.end('raw bytes');
    expect((await readAll(stream)).toString()).toBe('raw bytes');
    expect(httpOnly.rawTcpSeen).toEqual([true]);
    expect(httpOnly.count(RelayStatus.HttpOnly)).toBe(1);

    await expect(dialer([route(httpOnly)]).dial('web', { rawTcp: true })).rejects.toBeInstanceOf(TcpToHttpEndpointError);
    // An HTTP stream is sent unflagged (relay header version 1) and accepted there.
    const http = await accepted(dialer([route(httpOnly)]).dial('web'));
    http.destroy();
    expect(httpOnly.rawTcpSeen).toEqual([true, true, false]);
  });

  it('retries on the next gateway when the first refuses, logging the refusal at info', async () => {
    const stale = await gateway(RelayStatus.NoUpstream);
    const live = await gateway();
    // random() = 0 always picks the first candidate: the stale gateway is tried first.
    const stream = await accepted(dialer([route(stale, 5, 'stale-node'), route(live, 1, 'live-node')], () => 0).dial('my-service'));
    stream.end('through the second gateway');
    expect((await readAll(stream)).toString()).toBe('through the second gateway');
    expect(stale.count(RelayStatus.NoUpstream)).toBe(1);
    expect(live.count(RelayStatus.Accepted)).toBe(1);
    expect(logger.records).toContainEqual({
      level: 'info',
      msg: 'gateway refused relay stream',
      fields: { endpointId: 'my-service', nodeId: 'stale-node', relayAddr: stale.relayAddr, reason: 'no upstream' },
    });
    expect(logger.records.filter((r) => r.msg === 'retrying relay on another gateway').map((r) => r.level)).toEqual(['debug']);
  });

  it('choose picks a gateway per request, keyed by node and endpoint, whose open tries that gateway first', async () => {
    const a = await gateway();
    const b = await gateway();
    // random() = 0.9 picks the second candidate by weight; open must dial it, not redraw.
    const choice = dialer([route(a, 1, 'node-a'), route(b, 1, 'node-b')], () => 0.9).choose('svc');
    // A relay stream carries one endpoint: streams are pooled per gateway and endpoint.
    expect(choice?.key).toBe('node-b\nsvc');
    expect(dialer([route(a, 1, 'node-a'), route(b, 1, 'node-b')], () => 0.9).choose('other')?.key).toBe('node-b\nother');
    const stream = await accepted(choice?.open() ?? Promise.resolve(undefined));
    stream.end('via b');
    expect((await readAll(stream)).toString()).toBe('via b');
    expect([a.count(RelayStatus.Accepted), b.count(RelayStatus.Accepted)]).toEqual([0, 1]);
    expect(dialer([]).choose('svc')).toBeUndefined();
  });

  it('a stream open gets from another gateway (the chosen one refused) carries one request, never kept under the chosen key', async () => {
    const busy = await gateway(RelayStatus.Busy);
    const other = await gateway(RelayStatus.AcceptedKeepAlive);
    const routes = [route(busy, 1, 'node-busy'), route(other, 1, 'node-other')];
    // 0.1 picks node-busy; it answers BUSY and open falls back to node-other.
    const choice = dialer(routes, () => 0.1).choose('svc');
    expect(choice?.key).toBe('node-busy\nsvc');
    const fallback = (await accepted(choice?.open() ?? Promise.resolve(undefined))) as Duplex & { [SINGLE_REQUEST]?: true };
    expect(fallback[SINGLE_REQUEST]).toBe(true);
    fallback.destroy();
    // From the chosen gateway itself, a kept stream stays reusable.
    const direct = (await accepted(dialer(routes, () => 0.9).choose('svc')?.open() ?? Promise.resolve(undefined))) as Duplex & { [SINGLE_REQUEST]?: true };
    expect(direct[SINGLE_REQUEST]).toBeUndefined();
    direct.destroy();
  });

  it('choose then open looks the routes up once and draws once (dial does not pick again)', async () => {
    const a = await gateway();
    const b = await gateway();
    const routes = [route(a, 1, 'node-a'), route(b, 1, 'node-b')];
    let lookups = 0;
    let draws = 0;
    const counting = new ClusterUpstreamDialer(
      {
        routes: () => {
          lookups++;
          return routes;
        },
      },
      client,
      logger,
      () => {
        draws++;
        return 0.9;
      },
    );
    const stream = await accepted(counting.choose('svc')?.open() ?? Promise.resolve(undefined));
    stream.destroy();
    expect({ lookups, draws }).toEqual({ lookups: 1, draws: 1 });
    expect([a.count(RelayStatus.Accepted), b.count(RelayStatus.Accepted)]).toEqual([0, 1]);
  });

  it('moves on from a gateway it cannot connect to', async () => {
    const dead = net.createServer().listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const deadAddr = `127.0.0.1:${(dead.address() as net.AddressInfo).port}`;
    await new Promise((resolve) => dead.close(resolve));
    const live = await gateway();
    const stream = await accepted(dialer([route(deadAddr, 9), route(live, 1)], () => 0).dial('ep'));
    stream.destroy();
    expect(logger.records.some((r) => r.level === 'debug' && r.msg === 'relay dial failed' && r.fields?.relayAddr === deadAddr)).toBe(true);
  });

  it('resolves undefined when every gateway refuses, having tried each once', async () => {
    const a = await gateway(RelayStatus.NoUpstream);
    const b = await gateway(RelayStatus.Draining);
    const c = await gateway(RelayStatus.NoUpstream);
    expect(await dialer([route(a), route(b), route(c)]).dial('ep')).toBeUndefined();
    expect([a.seen.length, b.seen.length, c.seen.length]).toEqual([1, 1, 1]);
  });

  it('tries past a BUSY gateway, and rejects with EndpointBusyError (503, not 502) when none accepts and one said BUSY', async () => {
    const busy = await gateway(RelayStatus.Busy);
    const live = await gateway();
    const stream = await accepted(dialer([route(busy, 5), route(live, 1)], () => 0).dial('ep'));
    stream.destroy();
    expect(busy.count(RelayStatus.Busy)).toBe(1);
    // Not a line at info per BUSY (one per request while a gateway is full): debug only.
    expect(logger.records.filter((r) => r.msg === 'gateway refused relay stream').map((r) => [r.level, r.fields?.reason])).toEqual([['debug', 'busy']]);
    const gone = await gateway(RelayStatus.NoUpstream);
    await expect(dialer([route(busy), route(gone)]).dial('ep')).rejects.toBeInstanceOf(EndpointBusyError);
  });

  it('resolves undefined without dialing when the endpoint has no routes', async () => {
    expect(await dialer([]).dial('ep')).toBeUndefined();
  });

  it('spreads streams over gateways in proportion to their upstream counts', async () => {
    // The weighting is the dialer's own: a relay that accepts at once and counts where each stream
    // was opened stands in for the gateways, so the draws cost no sockets (the tests above open
    // real relay streams). With Math.random, as in production.
    const opened = new Map<string, number>();
    const relay = {
      open: async (relayAddr: string) => {
        opened.set(relayAddr, (opened.get(relayAddr) ?? 0) + 1);
        return { status: RelayStatus.Accepted as const, stream: new PassThrough(), keepAlive: false };
      },
    };
    const d = new ClusterUpstreamDialer({ routes: () => [route('127.0.0.1:1', 1), route('127.0.0.1:3', 3)] }, relay, logger);
    const total = 1000;
    for (let i = 0; i < total; i++) (await accepted(d.dial('ep'))).destroy();
    expect((opened.get('127.0.0.1:1') ?? 0) + (opened.get('127.0.0.1:3') ?? 0)).toBe(total);
    // Expected share 0.75, standard deviation about 0.014: a ±0.1 band (7 deviations) only catches
    // a wrong weighting; an unweighted pick (0.5, deviation 0.016) lands 9 deviations below it.
    const share = (opened.get('127.0.0.1:3') ?? 0) / total;
    expect(share).toBeGreaterThan(0.65);
    expect(share).toBeLessThan(0.85);
  });
});

/** A routing table the test edits: `set` changes an endpoint's routes and emits `update`, as RoutingTable does. */
class EditableRoutes extends EventEmitter {
  private table = new Map<string, GatewayRoute[]>();
  routes(endpointId: string): GatewayRoute[] {
    return this.table.get(endpointId) ?? [];
  }
  set(endpointId: string, routes: GatewayRoute[]): void {
    this.table.set(endpointId, routes);
    this.emit('update');
  }
}

describe('ClusterUpstreamDialer: an upstream moving between gateways (proxy.reroute_timeout)', () => {
  const gateways: TestRelayGateway[] = [];
  let client: RelayClient;
  let table: EditableRoutes;
  let metrics: Registry;
  /** Waits recorded in piko_proxy_reroute_waits_total, by result. */
  async function waits(): Promise<Record<string, number>> {
    const metric = await metrics.getSingleMetric('piko_proxy_reroute_waits_total')?.get();
    return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.result), v.value]));
  }

  async function gateway(answer: RelayStatus = RelayStatus.Accepted): Promise<TestRelayGateway> {
    const g = await TestRelayGateway.start();
    g.answer = () => answer;
    gateways.push(g);
    return g;
  }
  const route = (g: TestRelayGateway, nodeId: string): GatewayRoute => ({ nodeId, relayAddr: g.relayAddr, count: 1 });
  let dialMetrics: ClusterDialMetrics;
  const dialer = (rerouteTimeoutMs: number) => new ClusterUpstreamDialer(table, client, recordingLogger(), Math.random, dialMetrics, { rerouteTimeoutMs });

  beforeEach(() => {
    table = new EditableRoutes();
    metrics = new Registry();
    dialMetrics = new ClusterDialMetrics(metrics);
    client = new RelayClient({ ...DEFAULT_RELAY_CLIENT_OPTIONS, secret: TEST_RELAY_SECRET, mux: { keepAliveInterval: 0 } }, recordingLogger());
  });

  afterEach(async () => {
    client.close();
    for (const g of gateways.splice(0)) await g.stop();
  });

  it('a request the old gateway refuses waits for the new route and goes there, once the endpoint was reached before', async () => {
    const old = await gateway();
    table.set('moving', [route(old, 'old')]);
    const d = dialer(5_000);
    (await accepted(d.dial('moving'))).destroy();

    old.answer = () => RelayStatus.NoUpstream; // the upstream left it (go-away)
    const pending = d.dial('moving');
    await waitUntil(() => old.count(RelayStatus.NoUpstream) === 1);
    const moved = await gateway();
    table.set('moving', [route(old, 'old'), route(moved, 'new')]); // the new gateway's announcement
    const stream = await accepted(pending);
    stream.end('after the move');
    expect((await readAll(stream)).toString()).toBe('after the move');
    expect(moved.count(RelayStatus.Accepted)).toBe(1);
    expect(await waits()).toEqual({ changed: 1 });
    expect(table.listenerCount('update')).toBe(0);
  });

  it('also when the old route disappears before the new one appears', async () => {
    const old = await gateway();
    table.set('moving', [route(old, 'old')]);
    const d = dialer(5_000);
    (await accepted(d.dial('moving'))).destroy();

    table.set('moving', []);
    const pending = d.dial('moving');
    const moved = await gateway();
    setTimeout(() => table.set('moving', [route(moved, 'new')]), 50);
    (await accepted(pending)).destroy();
    expect(moved.count(RelayStatus.Accepted)).toBe(1);
  });

  it('answers at once for an endpoint never reached, and with reroute_timeout 0', async () => {
    const stale = await gateway(RelayStatus.NoUpstream);
    table.set('never', [route(stale, 'stale')]);
    expect(await dialer(60_000).dial('never')).toBeUndefined();
    expect(await dialer(60_000).dial('unknown')).toBeUndefined();

    const live = await gateway();
    table.set('served', [route(live, 'live')]);
    const noWait = dialer(0);
    (await accepted(noWait.dial('served'))).destroy();
    live.answer = () => RelayStatus.NoUpstream;
    expect(await noWait.dial('served')).toBeUndefined();
    // Had any of them waited, it would be waiting still (60 s) and record a wait when it ended.
    expect(await waits()).toEqual({});
    expect(table.listenerCount('update')).toBe(0);
  });

  it('gives up reroute_timeout after the endpoint was last reached, and later requests do not wait again', async () => {
    const g = await gateway();
    table.set('gone', [route(g, 'g')]);
    const d = dialer(300);
    (await accepted(d.dial('gone'))).destroy();
    const lastReached = Date.now();
    g.answer = () => RelayStatus.NoUpstream;
    expect(await d.dial('gone')).toBeUndefined();
    expect(Date.now() - lastReached).toBeGreaterThanOrEqual(290);
    expect(await waits()).toEqual({ timeout: 1 });
    expect(await d.dial('gone')).toBeUndefined();
    expect(await waits()).toEqual({ timeout: 1 });
    expect(table.listenerCount('update')).toBe(0);
  });
});

describe('RecentlyServed', () => {
  it('remembers an endpoint for one window and forgets old ones as new ones are served', () => {
    let now = 1_000;
    const recent = new RecentlyServed(100, () => now);
    recent.served('a');
    expect(recent.waitDeadline('a')).toBe(1_100);
    expect(recent.waitDeadline('b')).toBe(0);
    now = 1_150;
    recent.served('b'); // a sweep: 'a' is older than the window
    expect(recent.waitDeadline('a')).toBe(0);
    expect(recent.size).toBe(1);
    for (let i = 0; i < 1_000; i++) {
      now += 1;
      recent.served(`ep-${i}`);
    }
    expect(recent.size).toBeLessThanOrEqual(200);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
