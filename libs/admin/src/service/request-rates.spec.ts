import { InMemoryClusterBus, InMemoryEndpointRegistry, type RequestStatsReply, RPC_VERBS, rpcSubject } from '@piko/cluster';
import { noopLogger } from '@piko/observability';
import { NodeHistory } from './node-history';
import { RequestRatesPoller } from './request-rates';

describe('RequestRatesPoller', () => {
  const setup = async () => {
    const registry = new InMemoryEndpointRegistry();
    const bus = new InMemoryClusterBus();
    await registry.registerNode({ id: 'p1', role: 'proxy', state: 'active', startedAt: 0, proxyAddr: 'h:1' });
    await registry.registerNode({ id: 'p2', role: 'proxy', state: 'active', startedAt: 0, proxyAddr: 'h:2' });
    await registry.registerNode({ id: 'g1', role: 'gateway', state: 'active', startedAt: 0 });
    const poller = new RequestRatesPoller({ registry, rpc: bus, history: new NodeHistory(60_000), intervalMs: 60_000, timeoutMs: 50, logger: noopLogger });
    return { bus, poller };
  };

  it('turns two samples of cumulative counters into per-second rates per node and endpoint', async () => {
    const { bus, poller } = await setup();
    const samples: RequestStatsReply[] = [
      { at: 10_000, endpoints: { svc: [100, 1], db: [4, 0] } },
      { at: 12_000, endpoints: { svc: [160, 5], db: [2, 0] } },
    ];
    bus.serve(rpcSubject('p1', RPC_VERBS.requestStats), () => samples.shift());
    bus.serve(rpcSubject('p2', RPC_VERBS.requestStats), () => ({ at: Date.now(), endpoints: {} }));
    await poller.tick();
    expect(poller.nodeRates('p1')).toBeNull();
    await poller.tick();
    // svc: 60 requests and 4 errors in 2 s; db went down (restart): counted from 0, 2 in 2 s.
    expect(poller.nodeRates('p1')).toEqual({ requestsPerSecond: 31, errorsPerSecond: 2 });
    expect(poller.endpointRates('svc')).toEqual({ requestsPerSecond: 30, errorsPerSecond: 2 });
    expect(poller.endpointRates('db')).toEqual({ requestsPerSecond: 1, errorsPerSecond: 0 });
    expect(poller.totalRates()).toEqual({ requestsPerSecond: 31, errorsPerSecond: 2 });
    // A gateway is never asked: it has no proxy address.
    expect(poller.nodeRates('g1')).toBeNull();
    expect(poller.unreachable()).toEqual([]);
  });

  it('lists a proxy that does not answer, and one that answers nonsense, as unreachable', async () => {
    const { bus, poller } = await setup();
    bus.serve(rpcSubject('p1', RPC_VERBS.requestStats), () => new Promise(() => undefined));
    bus.serve(rpcSubject('p2', RPC_VERBS.requestStats), () => ({ at: 'soon' }));
    await poller.tick();
    expect(poller.unreachable()).toEqual([
      { node: 'p1', reason: 'timeout after 50 ms' },
      { node: 'p2', reason: 'malformed reply' },
    ]);
  });
});
