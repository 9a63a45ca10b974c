import { measureRedisNatsPropagation } from '@piko/cluster';
import { NatsServer, RedisServer } from '@piko/testing';

jest.setTimeout(60_000);

// A measurement, not a speed check: it prints p50/p99 and asserts only that every registration
// became visible at every reader.
describe('registration propagation (gateway → every proxy routing table)', () => {
  let redis: RedisServer;
  let nats: NatsServer;

  beforeAll(async () => {
    [redis, nats] = await Promise.all([RedisServer.start(), NatsServer.start()]);
  });

  afterAll(async () => {
    await Promise.all([redis.stop(), nats.stop()]);
  });

  it('reaches two routing tables for every sample', async () => {
    const result = await measureRedisNatsPropagation({ redisUrl: redis.url, natsServers: nats.url, samples: 200, readers: 2 });
    console.log(`registration propagation over ${result.samples} samples, 2 readers: p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, max ${result.maxMs.toFixed(2)} ms`);
    expect(result.timeouts).toBe(0);
    expect(result.samples).toBe(200);
  });
});
