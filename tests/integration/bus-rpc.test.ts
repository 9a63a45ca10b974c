import { NatsClusterBus, RpcError, rpcSubject } from '@piko/cluster';
import { NatsServer, waitFor } from '@piko/testing';
import { connect, RequestStrategy } from 'nats';
import { captureLogger } from './support/capture-logger';

jest.setTimeout(30_000);

/** Request/reply between nodes (the admin API's questions and commands) over a real nats-server. */
describe('NatsClusterBus request/reply against a real nats-server', () => {
  let nats: NatsServer;
  const buses: NatsClusterBus[] = [];

  const open = async (): Promise<NatsClusterBus> => {
    const bus = new NatsClusterBus({ servers: [nats.url], logger: captureLogger(), reconnectTimeWaitMs: 100 });
    buses.push(bus);
    await bus.connected;
    return bus;
  };

  /** A SUB reaches the server asynchronously: ask until the responder answers. */
  const served = async (asker: NatsClusterBus, subject: string): Promise<void> => {
    await waitFor(`a responder on ${subject}`, async () => {
      try {
        await asker.request(subject, { probe: true }, 500);
        return true;
      } catch (err) {
        return (err as RpcError).reason === 'no responder' ? undefined : true;
      }
    });
  };

  beforeAll(async () => {
    nats = await NatsServer.start();
  });

  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await nats.stop();
  });

  it('answers a request from another connection with the handler reply, payload passed as JSON', async () => {
    const [server, client] = await Promise.all([open(), open()]);
    const subject = rpcSubject('gateway-abc1234', 'echo');
    const seen: unknown[] = [];
    server.serve(subject, async (payload) => {
      seen.push(payload);
      return { got: payload, at: 'gateway-abc1234' };
    });
    await served(client, subject);
    await expect(client.request(subject, { endpointId: 'svc' }, 2_000)).resolves.toEqual({ got: { endpointId: 'svc' }, at: 'gateway-abc1234' });
    expect(seen).toContainEqual({ endpointId: 'svc' });
  });

  it('rejects with "no responder" when nobody serves the subject, at once', async () => {
    const client = await open();
    const err = await client.request(rpcSubject('nobody', 'upstreams'), {}, 5_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).reason).toBe('no responder');
  });

  it('rejects with a timeout when the responder does not answer in time', async () => {
    const [server, client] = await Promise.all([open(), open()]);
    const subject = rpcSubject('slow-node', 'upstreams');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    server.serve(subject, async (payload) => {
      if ((payload as { probe?: boolean })?.probe) return 'ready';
      await held;
      return 'late';
    });
    await served(client, subject);
    const err = await client.request(subject, {}, 300).catch((e: unknown) => e);
    release();
    expect((err as RpcError).reason).toBe('timeout after 300 ms');
  });

  it("carries the handler's error back as a remote error", async () => {
    const [server, client] = await Promise.all([open(), open()]);
    const subject = rpcSubject('failing', 'disconnect-upstream');
    server.serve(subject, (payload) => {
      if ((payload as { probe?: boolean })?.probe) return 'ready';
      throw new Error('id is required');
    });
    await served(client, subject);
    const err = await client.request(subject, {}, 2_000).catch((e: unknown) => e);
    expect((err as RpcError).reason).toBe('remote error: id is required');
  });

  it("carries a reply over the server's max_payload (1 MiB by default) in parts, intact, and small ones as one message", async () => {
    const [server, client] = await Promise.all([open(), open()]);
    const subject = rpcSubject('crowded-gateway', 'upstreams');
    // ~15,000 upstreams' worth of listing (before: respond() threw and the process exited).
    const big = Array.from({ length: 15_000 }, (_, i) => ({ id: `upstream-${i}`, endpoint: `endpoint-${i % 97}`, addr: `10.0.${i % 256}.${i % 199}:51234` }));
    server.serve(subject, (payload) => ((payload as { big?: boolean })?.big ? big : 'small'));
    await served(client, subject);
    expect(Buffer.byteLength(JSON.stringify(big))).toBeGreaterThan(1024 * 1024);
    await expect(client.request(subject, { big: true }, 5_000)).resolves.toEqual(big);
    await expect(client.request(subject, {}, 2_000)).resolves.toBe('small');
    // What goes on the wire: a small reply is one plain message, a large one parts with a header.
    const raw = await connect({ servers: nats.url });
    try {
      const small = await raw.request(subject, '{}', { timeout: 2_000 });
      expect(small.headers).toBeUndefined();
      expect(JSON.parse(small.string())).toEqual({ ok: 'small' });
      const parts = await raw.requestMany(subject, JSON.stringify({ big: true }), { maxWait: 1_000, strategy: RequestStrategy.Timer });
      const seen: string[] = [];
      for await (const m of parts) seen.push(m.headers?.get('Piko-Rpc-Part') ?? '');
      expect(seen.length).toBeGreaterThan(1);
      expect(seen).toEqual(seen.map((_, i) => `${i + 1}/${seen.length}`));
    } finally {
      await raw.close();
    }
  });

  it('gives node IDs NATS cannot carry their own subject, so two such nodes never share one', async () => {
    const [server, client] = await Promise.all([open(), open()]);
    const a = rpcSubject('node.a b*', 'upstreams');
    const b = rpcSubject('node.a_b', 'upstreams');
    expect(a).not.toBe(b);
    expect(a.split('.')).toHaveLength(4);
    server.serve(a, () => 'a');
    server.serve(b, () => 'b');
    await served(client, a);
    await served(client, b);
    await expect(client.request(a, {}, 2_000)).resolves.toBe('a');
    await expect(client.request(b, {}, 2_000)).resolves.toBe('b');
  });

  it('stops answering once the serve is cancelled', async () => {
    const [server, client] = await Promise.all([open(), open()]);
    const subject = rpcSubject('cancelled', 'upstreams');
    const stop = server.serve(subject, () => 'here');
    await served(client, subject);
    stop();
    await waitFor('the responder to go', async () => {
      const err = await client.request(subject, {}, 500).then(
        () => undefined,
        (e: unknown) => e as RpcError,
      );
      return err?.reason === 'no responder' ? true : undefined;
    });
  });

  it('serves again after nats-server restarts', async () => {
    const [server, client] = await Promise.all([open(), open()]);
    const subject = rpcSubject('restarted', 'upstreams');
    server.serve(subject, () => 'still here');
    await served(client, subject);
    await nats.stop();
    await expect(client.request(subject, {}, 500)).rejects.toBeInstanceOf(RpcError);
    await nats.restart();
    await waitFor('an answer after the restart', async () => {
      try {
        return (await client.request(subject, {}, 500)) === 'still here' ? true : undefined;
      } catch {
        return undefined;
      }
    });
  });
});
