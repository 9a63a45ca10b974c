import { Readiness } from './readiness';

describe('Readiness', () => {
  it('is ready only between markReady and markShuttingDown', () => {
    const readiness = new Readiness();
    expect(readiness.isReady).toBe(false);
    expect(readiness.lifecycle).toBe('starting');
    readiness.markReady();
    expect(readiness.isReady).toBe(true);
    readiness.markShuttingDown();
    expect(readiness.isReady).toBe(false);
    readiness.markReady();
    expect(readiness.lifecycle).toBe('shutting_down');
    expect(readiness.report()).toEqual({ ready: false, state: 'shutting_down', checks: {} });
  });

  it('reports every check, with non-critical failures not affecting readiness', () => {
    const readiness = new Readiness();
    let redisUp = false;
    readiness.setCheck('redis', () => (redisUp ? { ok: true } : { ok: false, detail: 'connection refused' }));
    readiness.setCheck('nats', () => ({ ok: true, detail: 'connected to nats://127.0.0.1:4222' }));
    readiness.markReady();
    expect(readiness.report()).toEqual({
      ready: true,
      state: 'ready',
      checks: { redis: { ok: false, detail: 'connection refused' }, nats: { ok: true, detail: 'connected to nats://127.0.0.1:4222' } },
    });
    redisUp = true;
    expect(readiness.report().checks.redis).toEqual({ ok: true });
    readiness.removeCheck('nats');
    expect(Object.keys(readiness.report().checks)).toEqual(['redis']);
  });

  it('is not ready while a critical check fails', () => {
    const readiness = new Readiness();
    let ok = false;
    readiness.setCheck('listener', () => ({ ok }), { critical: true });
    readiness.markReady();
    expect(readiness.isReady).toBe(false);
    ok = true;
    expect(readiness.isReady).toBe(true);
  });

  it('reports a check that throws as failed', () => {
    const readiness = new Readiness();
    readiness.setCheck('broken', () => {
      throw new Error('boom');
    }, { critical: true });
    readiness.markReady();
    expect(readiness.report()).toEqual({ ready: false, state: 'ready', checks: { broken: { ok: false, detail: 'check failed: boom' } } });
  });
});
