import { NatsClusterBus, RpcError, rpcSubject } from '@piko/cluster';
import { NatsServer, waitFor } from '@piko/testing';
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

  it("answers a reply over the server's max_payload (1 MiB by default) with an error naming it, and keeps serving", async () => {
    const logger = captureLogger();
    const server = new NatsClusterBus({ servers: [nats.url], logger, reconnectTimeWaitMs: 100 });
    buses.push(server);
    const client = await open();
    await server.connected;
    const subject = rpcSubject('crowded-gateway', 'upstreams');
    // ~6,000 upstreams' worth of listing: before, respond() threw and the process exited.
    server.serve(subject, (payload) => ((payload as { big?: boolean })?.big ? 'x'.repeat(2 * 1024 * 1024) : 'small'));
    await served(client, subject);
    const err = await client.request(subject, { big: true }, 2_000).catch((e: unknown) => e);
    expect((err as RpcError).reason).toMatch(/^remote error: reply of \d+ bytes is over the NATS server's max_payload \(1048576 bytes\)$/);
    expect(logger.records).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'rpc reply over the nats max_payload; answered with an error' }));
    await expect(client.request(subject, {}, 2_000)).resolves.toBe('small');
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
