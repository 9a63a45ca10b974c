import { RpcError, rpcSubject } from './cluster-rpc';
import { InMemoryClusterBus } from './in-memory-cluster-bus';

/** The in-process twin of NATS request/reply (tests/integration/bus-rpc.test.ts covers NATS). */
describe('InMemoryClusterBus request/reply', () => {
  it('answers with the handler reply, payload and reply passed through JSON', async () => {
    const bus = new InMemoryClusterBus();
    const subject = rpcSubject('local', 'upstreams');
    let received: unknown;
    bus.serve(subject, (payload) => {
      received = payload;
      return { at: new Date(5), skipped: undefined };
    });
    const payload = { endpointId: 'svc' };
    await expect(bus.request(subject, payload, 1_000)).resolves.toEqual({ at: '1970-01-01T00:00:00.005Z' });
    expect(received).toEqual(payload);
    expect(received).not.toBe(payload);
  });

  it('rejects with "no responder", a remote error, or a timeout, as over NATS', async () => {
    const bus = new InMemoryClusterBus();
    await expect(bus.request(rpcSubject('none', 'drain'), {}, 1_000)).rejects.toMatchObject({ reason: 'no responder' });
    bus.serve('bad', () => {
      throw new Error('endpointId is required');
    });
    await expect(bus.request('bad', {}, 1_000)).rejects.toMatchObject({ reason: 'remote error: endpointId is required' });
    bus.serve('slow', () => new Promise(() => undefined));
    const err = await bus.request('slow', {}, 20).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).reason).toBe('timeout after 20 ms');
  });

  it('stops answering after the serve is cancelled or the bus is closed', async () => {
    const bus = new InMemoryClusterBus();
    const stop = bus.serve('s', () => 1);
    await expect(bus.request('s', {}, 100)).resolves.toBe(1);
    stop();
    await expect(bus.request('s', {}, 100)).rejects.toMatchObject({ reason: 'no responder' });
    bus.serve('s', () => 2);
    await bus.close();
    await expect(bus.request('s', {}, 100)).rejects.toMatchObject({ reason: 'not connected' });
  });
});

describe('rpcSubject', () => {
  it('keeps safe node IDs readable and hex-encodes the rest into one token', () => {
    expect(rpcSubject('gateway-k3x9q2a', 'upstreams')).toBe('piko.rpc.gateway-k3x9q2a.upstreams');
    expect(rpcSubject('a.b', 'drain')).toBe(`piko.rpc.~${Buffer.from('a.b').toString('hex')}.drain`);
    expect(rpcSubject('a.b', 'drain')).not.toBe(rpcSubject('a_b', 'drain'));
  });
});
