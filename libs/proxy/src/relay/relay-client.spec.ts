import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { Registry } from 'prom-client';
import { RelayStatus } from '@piko/protocol';
import { RelayClient } from './relay-client';
import { DEFAULT_RELAY_CLIENT_OPTIONS, type RelayClientOptions } from './relay-client-options';
import { TEST_RELAY_SECRET, TestRelayGateway, accepted, readAll, recordingLogger } from './testing/test-relay-gateway';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('RelayClient', () => {
  const gateways: TestRelayGateway[] = [];
  const clients: RelayClient[] = [];

  async function gateway(port = 0): Promise<TestRelayGateway> {
    const g = await TestRelayGateway.start(port);
    gateways.push(g);
    return g;
  }

  function client(options: Partial<RelayClientOptions> = {}, registry?: Registry): RelayClient {
    const c = new RelayClient({ ...DEFAULT_RELAY_CLIENT_OPTIONS, secret: TEST_RELAY_SECRET, mux: { keepAliveInterval: 0 }, ...options }, recordingLogger(), registry);
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const g of gateways.splice(0)) await g.stop();
  });

  it('resolves a stream on ACCEPTED that carries bytes both ways, after the header', async () => {
    const g = await gateway();
    const c = client();
    const stream = await accepted(c.dial(g.relayAddr, 'my-service'));
    stream.end('ping');
    expect((await readAll(stream)).toString()).toBe('ping');
    expect(g.seen).toEqual(['my-service']);
    expect(c.connections()).toEqual([{ relayAddr: g.relayAddr, state: 'connected', streams: expect.any(Number) }]);
  });

  it('sends nothing to a relay that cannot prove the cluster secret (a fake relay at a forged address)', async () => {
    const fake = await gateway();
    fake.secret = Buffer.from('a-secret-of-another-cluster');
    const c = client();
    await expect(c.dial(fake.relayAddr, 'my-service')).rejects.toMatchObject({ code: 'ERR_RELAY_AUTH' });
    // The handshake failed before any session: no stream was opened, no header was sent.
    expect(fake.seen).toEqual([]);
  });

  it('a gateway refuses a proxy with the wrong secret before any stream', async () => {
    const g = await gateway();
    const c = client({ secret: Buffer.from('a-secret-of-another-cluster') });
    await expect(c.dial(g.relayAddr, 'my-service')).rejects.toMatchObject({ code: 'ERR_RELAY_AUTH' });
    expect(g.seen).toEqual([]);
    while (g.refused === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(g.refused).toBe(1);
  });

  it("hands Node's HTTP client a stream it can use as its socket", async () => {
    const g = await gateway();
    g.onAccepted = (stream) => {
      stream.once('data', () => stream.end('HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello'));
    };
    const stream = await client().dial(g.relayAddr, 'web');
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ path: '/', headers: { host: 'web' }, createConnection: () => stream as never }, resolve);
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    expect((await readAll(res as unknown as Duplex)).toString()).toBe('hello');
  });

  it('resolves undefined on NO_UPSTREAM and DRAINING, and resets the refused stream', async () => {
    const g = await gateway();
    g.answer = (id) => (id === 'stale' ? RelayStatus.NoUpstream : RelayStatus.Draining);
    const c = client();
    expect(await c.dial(g.relayAddr, 'stale')).toBeUndefined();
    expect(await c.open(g.relayAddr, 'stale')).toEqual({ status: RelayStatus.NoUpstream });
    expect(await c.open(g.relayAddr, 'other')).toEqual({ status: RelayStatus.Draining });
    expect(g.count(RelayStatus.NoUpstream)).toBe(2);
    // The refused streams are gone on this side and the connection stays for the next dial.
    expect(c.connections()).toEqual([{ relayAddr: g.relayAddr, state: 'connected', streams: 0 }]);
  });

  it('rejects ERR_RELAY_BAD_REQUEST when the gateway refuses the header', async () => {
    const g = await gateway();
    g.answer = () => RelayStatus.BadRequest;
    await expect(client().dial(g.relayAddr, 'x')).rejects.toMatchObject({ code: 'ERR_RELAY_BAD_REQUEST' });
  });

  it('shares one connection between concurrent first dials', async () => {
    const g = await gateway();
    const c = client();
    const streams = await Promise.all(Array.from({ length: 20 }, (_, i) => accepted(c.dial(g.relayAddr, `ep-${i}`))));
    expect(g.connections).toBe(1);
    for (const s of streams) s.destroy();
  });

  it('reconnects after the gateway restarts', async () => {
    const first = await gateway();
    const port = first.port;
    const c = client();
    const before = await accepted(c.dial(first.relayAddr, 'ep'));
    before.destroy();
    await first.stop();
    gateways.splice(gateways.indexOf(first), 1);

    const second = await gateway(port);
    // Whether or not the client noticed the old connection closing, the dial lands on the new one.
    const after = await accepted(c.dial(second.relayAddr, 'ep'));
    after.end('again');
    expect((await readAll(after)).toString()).toBe('again');
    expect(second.connections).toBe(1);
  });

  it('retries on a fresh connection when the pooled one turns out dead during the header exchange', async () => {
    const first = await gateway();
    const port = first.port;
    const logger = recordingLogger();
    const c = new RelayClient({ ...DEFAULT_RELAY_CLIENT_OPTIONS, secret: TEST_RELAY_SECRET, mux: { keepAliveInterval: 0 } }, logger);
    clients.push(c);
    (await accepted(c.dial(first.relayAddr, 'ep'))).destroy();

    // In one tick: the gateway goes (its FIN has not reached the client yet), a new one binds the
    // same port, and the client dials on the connection it still believes alive.
    const stopped = first.stop();
    gateways.splice(gateways.indexOf(first), 1);
    const starting = gateway(port);
    const dialed = c.dial(`127.0.0.1:${port}`, 'ep');
    await stopped;
    const second = await starting;
    const stream = await accepted(dialed);
    stream.end('fresh');
    expect((await readAll(stream)).toString()).toBe('fresh');
    expect(second.connections).toBe(1);
    // The dial started on the old connection (no I/O ran before it), so it went through the retry.
    expect(logger.records.map((r) => r.msg)).toContain('relay connection was dead, reconnecting');
  });

  it('rejects ERR_RELAY_CONNECT when the gateway is unreachable, and fails fast during the retry hold', async () => {
    const port = await closedPort();
    const c = client({ connectRetryHoldMs: 60_000 });
    await expect(c.dial(`127.0.0.1:${port}`, 'ep')).rejects.toMatchObject({ code: 'ERR_RELAY_CONNECT' });
    expect(c.connections()).toEqual([{ relayAddr: `127.0.0.1:${port}`, state: 'failed', streams: 0 }]);

    const g = await gateway(port);
    await expect(c.dial(g.relayAddr, 'ep')).rejects.toMatchObject({ code: 'ERR_RELAY_CONNECT' });
    expect(g.connections).toBe(0);

    // Without a hold the next dial connects again.
    const other = client({ connectRetryHoldMs: 0 });
    expect(await other.dial(g.relayAddr, 'ep')).toBeDefined();
  });

  it('rejects ERR_RELAY_STREAM when the gateway does not answer in time', async () => {
    const g = await gateway();
    g.answer = () => undefined;
    const err = await client({ acceptTimeoutMs: 30 }).dial(g.relayAddr, 'ep').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_RELAY_STREAM', cause: { code: 'ERR_RELAY_HEADER_TIMEOUT' } });
  });

  it('rejects an invalid relay address without connecting', async () => {
    await expect(client().dial('no-port', 'ep')).rejects.toMatchObject({ code: 'ERR_RELAY_CONNECT' });
  });

  it('close() resets open relay streams and later dials reject ERR_RELAY_CLOSED', async () => {
    const g = await gateway();
    const c = client();
    const stream = await accepted(c.dial(g.relayAddr, 'ep'));
    const closed = once(stream, 'close');
    c.close();
    await closed;
    expect(stream.destroyed).toBe(true);
    await expect(c.dial(g.relayAddr, 'ep')).rejects.toMatchObject({ code: 'ERR_RELAY_CLOSED' });
  });

  it('exposes dials by result and connection state as metrics', async () => {
    const g = await gateway();
    g.answer = (id) => (id === 'ok' ? RelayStatus.Accepted : RelayStatus.NoUpstream);
    const registry = new Registry();
    const c = client({}, registry);
    (await accepted(c.dial(g.relayAddr, 'ok'))).destroy();
    await c.dial(g.relayAddr, 'nope');
    const text = await registry.metrics();
    expect(text).toContain('piko_relay_client_dials_total{result="accepted"} 1');
    expect(text).toContain('piko_relay_client_dials_total{result="no_upstream"} 1');
    expect(text).toContain(`piko_relay_client_connections{relay_addr="${g.relayAddr}",state="connected"} 1`);
  });
});
