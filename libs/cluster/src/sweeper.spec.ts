import { InMemoryEndpointRegistry } from './in-memory-endpoint-registry';
import { Sweeper } from './sweeper';

describe('Sweeper', () => {
  it('sweeps expired nodes and counts them', async () => {
    let now = 0;
    const registry = new InMemoryEndpointRegistry({ leaseTtlMs: 10, now: () => now });
    await registry.registerNode({ id: 'a', role: 'gateway', state: 'active', startedAt: 0 });
    await registry.registerNode({ id: 'b', role: 'gateway', state: 'active', startedAt: 0 });
    now = 8;
    await registry.refreshLease('b'); // b lives until 18, a until 10
    const sweeper = new Sweeper({ registry });
    now = 12;
    expect(await sweeper.sweepOnce()).toBe(1);
    expect(await sweeper.sweepOnce()).toBe(0);
    expect((await registry.snapshot()).nodes.has('b')).toBe(true);
    expect(sweeper.sweptTotal).toBe(1);
    await sweeper.stop();
  });

  it('logs and survives a failing registry', async () => {
    const registry = new InMemoryEndpointRegistry();
    await registry.close();
    const warnings: string[] = [];
    const ignore = () => undefined;
    const logger = { debug: ignore, info: ignore, error: ignore, warn: (msg: string) => warnings.push(msg), child: () => logger };
    const sweeper = new Sweeper({ registry, logger });
    await expect(sweeper.sweepOnce()).resolves.toBe(0);
    expect(warnings).toEqual(['sweep failed; will retry']);
  });
});
