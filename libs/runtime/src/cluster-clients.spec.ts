import { EventEmitter } from 'node:events';
import type { ClusterBus, ConnectionStatus, EndpointRegistry } from '@piko/cluster';
import { Readiness } from '@piko/observability';
import { Registry } from 'prom-client';
import { type ClusterClients, reportClusterHealth } from './cluster-clients';

/** A client whose connection status the test sets. */
class FakeSource extends EventEmitter {
  status: ConnectionStatus = 'reconnecting';
  set(status: ConnectionStatus): void {
    this.status = status;
    this.emit('status', status);
  }
}

function setUp() {
  const redis = new FakeSource();
  const nats = new FakeSource();
  const clients = { registry: redis as unknown as EndpointRegistry, bus: nats as unknown as ClusterBus, distributed: true, close: async () => undefined } as ClusterClients;
  const readiness = new Readiness();
  reportClusterHealth(readiness, new Registry(), clients);
  readiness.markReady();
  return { redis, nats, readiness };
}

describe('reportClusterHealth', () => {
  it('is not ready until Redis and NATS have each connected once, and names the one missing', () => {
    const { redis, nats, readiness } = setUp();
    expect(readiness.report()).toEqual({
      ready: false,
      state: 'ready',
      checks: { redis: { ok: false, detail: 'not yet connected (reconnecting)' }, nats: { ok: false, detail: 'not yet connected (reconnecting)' } },
    });
    redis.set('connected');
    expect(readiness.report()).toMatchObject({ ready: false, checks: { redis: { ok: true }, nats: { ok: false } } });
    nats.set('connected');
    expect(readiness.report()).toMatchObject({ ready: true, checks: { redis: { ok: true }, nats: { ok: true } } });
  });

  it('stays ready through a later outage, reporting it in the body', () => {
    const { redis, nats, readiness } = setUp();
    redis.set('connected');
    nats.set('connected');
    redis.set('reconnecting');
    nats.set('disconnected');
    expect(readiness.report()).toEqual({
      ready: true,
      state: 'ready',
      checks: { redis: { ok: false, detail: 'reconnecting' }, nats: { ok: false, detail: 'disconnected' } },
    });
  });
});
