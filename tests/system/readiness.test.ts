import { waitFor } from '@piko/testing';
import { type ClusterNode, TestCluster } from './support/cluster';

jest.setTimeout(120_000);

interface ReadyBody {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

async function ready(node: ClusterNode): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${node.opsUrl}/ready`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

describe('readiness of cluster roles: serving needs a first Redis and NATS connection', () => {
  let cluster: TestCluster;

  beforeEach(async () => {
    cluster = await TestCluster.start(['--grace-period', '5s'], { awaitReady: false });
  });

  afterEach(async () => {
    await cluster.stop();
  });

  it('started with Redis and NATS down: 503 naming both; Redis back: 503 naming NATS; both back: ready', async () => {
    await Promise.all([cluster.redis.stop(), cluster.nats.stop()]);
    const nodes = [await cluster.gateway('gateway-1'), await cluster.proxy('proxy-1'), await cluster.admin('admin')];

    for (const node of nodes) {
      const { status, body } = await ready(node);
      expect({ status, ready: body.ready, redis: body.checks.redis, nats: body.checks.nats }).toEqual({
        status: 503,
        ready: false,
        redis: { ok: false, detail: expect.stringMatching(/^not yet connected/) },
        nats: { ok: false, detail: expect.stringMatching(/^not yet connected/) },
      });
    }

    await cluster.redis.restart();
    for (const node of nodes) {
      const { status, body } = await waitFor('redis connected', async () => {
        const r = await ready(node);
        return r.body.checks.redis.ok ? r : undefined;
      }, 20_000);
      expect({ status, ready: body.ready, nats: body.checks.nats }).toEqual({
        status: 503,
        ready: false,
        nats: { ok: false, detail: expect.stringMatching(/^not yet connected/) },
      });
    }

    await cluster.nats.restart();
    for (const node of nodes) {
      await waitFor('ready', async () => ((await ready(node)).status === 200 ? true : undefined), 20_000);
    }
    // A later outage keeps the node ready (degraded), reporting it in the body.
    await cluster.redis.stop();
    for (const node of nodes) {
      const { status, body } = await waitFor('redis reported down', async () => {
        const r = await ready(node);
        return r.body.checks.redis.ok ? undefined : r;
      }, 20_000);
      expect({ status, ready: body.ready }).toEqual({ status: 200, ready: true });
    }
  });
});
