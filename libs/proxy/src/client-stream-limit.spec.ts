import { ClientStreamLimit } from './client-stream-limit';

describe('ClientStreamLimit', () => {
  it('refuses an address at its limit until it gives a slot back; other addresses are counted apart', () => {
    const limit = new ClientStreamLimit(2);
    const first = limit.acquire('10.0.0.1');
    const second = limit.acquire('10.0.0.1');
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(limit.acquire('10.0.0.1')).toBeUndefined();
    expect(limit.acquire('10.0.0.2')).toBeDefined();
    first?.();
    first?.(); // a second release gives nothing more back
    expect(limit.count('10.0.0.1')).toBe(1);
    expect(limit.acquire('10.0.0.1')).toBeDefined();
    expect(limit.acquire('10.0.0.1')).toBeUndefined();
  });

  it('forgets an address with nothing in progress, and 0 means no limit', () => {
    const limit = new ClientStreamLimit(1);
    limit.acquire('10.0.0.1')?.();
    expect(limit.count('10.0.0.1')).toBe(0);
    const unlimited = new ClientStreamLimit(0);
    for (let i = 0; i < 1000; i++) expect(unlimited.acquire('10.0.0.1')).toBeDefined();
  });
});
