import { type ClusterEvent, NatsClusterBus } from '@piko/cluster';
import { NatsServer, waitFor } from '@piko/testing';
import { connect } from 'nats';
import { captureLogger } from './support/capture-logger';
import { uniquePrefix } from './support/unique';

jest.setTimeout(30_000);

const endpointEvent = (seq: number): ClusterEvent => ({ type: 'endpoint', nodeId: 'gw-1', seq, endpointId: 'svc', count: seq });

/**
 * Resolves once `bus`'s subscription is live on nats-server. A SUB reaches the server
 * asynchronously, so another connection's publish could overtake it; the bus's own event, sent
 * after its SUB on the same connection, comes back only once the subscription is live. Empties
 * `received` (what the bus's handler collects) afterwards.
 */
async function subscriptionLive(bus: NatsClusterBus, received: ClusterEvent[]): Promise<void> {
  const probe: ClusterEvent = { type: 'endpoint', nodeId: 'probe', seq: 1, endpointId: 'probe', count: 1 };
  await bus.publish(probe);
  await waitFor('the subscription to be live', () => (received.length > 0 ? true : undefined));
  expect(received).toEqual([probe]);
  received.length = 0;
}

describe('NatsClusterBus against a real nats-server', () => {
  let nats: NatsServer;
  const buses: NatsClusterBus[] = [];

  const open = (subjectPrefix: string, logger = captureLogger()): NatsClusterBus => {
    const bus = new NatsClusterBus({ servers: [nats.url], subjectPrefix, logger, reconnectTimeWaitMs: 100 });
    buses.push(bus);
    return bus;
  };

  beforeAll(async () => {
    nats = await NatsServer.start();
  });

  afterAll(async () => {
    for (const bus of buses) await bus.close();
    await nats.stop();
  });

  it('delivers published events to subscribers on other connections', async () => {
    const prefix = uniquePrefix('piko.bus');
    const publisher = open(prefix);
    const subscriber = open(prefix);
    await Promise.all([publisher.connected, subscriber.connected]);
    const received: ClusterEvent[] = [];
    subscriber.subscribe((event) => received.push(event));
    await subscriptionLive(subscriber, received);
    const node = { id: 'gw-1', role: 'gateway' as const, state: 'active' as const, relayAddr: '127.0.0.1:8003', startedAt: 5 };
    await publisher.publish({ type: 'node', nodeId: 'gw-1', seq: 1, kind: 'join', node });
    await publisher.publish(endpointEvent(2));
    await waitFor('two events', () => (received.length === 2 ? true : undefined));
    expect(received).toEqual([{ type: 'node', nodeId: 'gw-1', seq: 1, kind: 'join', node }, endpointEvent(2)]);
    expect(publisher.subjects).toEqual({ endpoint: `${prefix}.endpoint`, node: `${prefix}.node`, all: `${prefix}.*` });
  });

  /**
   * A bus on a fresh prefix, logging to `logger`; `messages` ([subject suffix, payload]) are
   * published by a plain NATS client, then the one valid event that follows them is awaited.
   */
  async function deliverRaw(logger: ReturnType<typeof captureLogger>, messages: Array<[string, string]>): Promise<ClusterEvent[]> {
    const prefix = uniquePrefix('piko.raw');
    const bus = open(prefix, logger);
    await bus.connected;
    const received: ClusterEvent[] = [];
    bus.subscribe((event) => received.push(event));
    await subscriptionLive(bus, received);
    const raw = await connect({ servers: nats.url });
    try {
      for (const [suffix, payload] of messages) raw.publish(`${prefix}.${suffix}`, payload);
      raw.publish(`${prefix}.endpoint`, JSON.stringify(endpointEvent(7)));
      await raw.flush();
    } finally {
      await raw.close();
    }
    await waitFor('the valid event', () => (received.length === 1 ? true : undefined));
    return received;
  }

  it('logs and drops malformed messages, and keeps delivering', async () => {
    const logger = captureLogger();
    const received = await deliverRaw(logger, [
      ['endpoint', 'not json{'],
      ['endpoint', JSON.stringify({ type: 'endpoint', nodeId: 'gw-1', seq: -1, endpointId: 'svc', count: 1 })],
      ['node', JSON.stringify(endpointEvent(1))], // valid event on the wrong subject
    ]);
    expect(received).toEqual([endpointEvent(7)]);
    const drops = logger.records.filter((r) => r.msg === 'dropping malformed cluster event');
    expect(drops).toHaveLength(3);
    expect(drops.every((r) => r.level === 'warn')).toBe(true);
  });

  it('logs a flood of malformed messages as a few lines, not one each', async () => {
    const logger = captureLogger();
    const received = await deliverRaw(logger, Array.from({ length: 1_000 }, (): [string, string] => ['endpoint', 'not json{']));
    expect(received).toEqual([endpointEvent(7)]);
    // The first five as they come; the rest in one summary per 10 s (RateLimitedLog).
    expect(logger.records.filter((r) => r.msg === 'dropping malformed cluster event')).toHaveLength(5);
  });

  it('rejects publish before the first connection', async () => {
    const bus = new NatsClusterBus({ servers: 'nats://127.0.0.1:1', reconnectTimeWaitMs: 50 });
    buses.push(bus);
    expect(bus.status).toBe('disconnected');
    await expect(bus.publish(endpointEvent(1))).rejects.toMatchObject({ code: 'ERR_BUS_UNAVAILABLE' });
  });

  it('reconnects after nats-server restarts and delivers again', async () => {
    const prefix = uniquePrefix('piko.restart');
    const logger = captureLogger();
    const publisher = open(prefix, logger);
    const subscriber = open(prefix);
    await Promise.all([publisher.connected, subscriber.connected]);
    const statuses: string[] = [];
    subscriber.on('status', (status) => statuses.push(status));
    const received: ClusterEvent[] = [];
    subscriber.subscribe((event) => received.push(event));

    await nats.stop();
    await waitFor('both buses to notice', () => (publisher.status === 'reconnecting' && subscriber.status === 'reconnecting' ? true : undefined));
    await nats.restart();
    await waitFor('both buses to reconnect', () => (publisher.status === 'connected' && subscriber.status === 'connected' ? true : undefined));

    await publisher.publish(endpointEvent(1));
    await waitFor('the event after the restart', () => (received.length > 0 ? true : undefined));
    expect(received).toEqual([endpointEvent(1)]);
    expect(statuses).toEqual(['reconnecting', 'connected']);
    expect(logger.records.some((r) => r.level === 'warn' && r.msg === 'nats connection lost; reconnecting')).toBe(true);
  });
});
