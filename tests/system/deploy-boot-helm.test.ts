import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ManagedProcess, NatsServer, RedisServer } from '@piko/testing';
import { SignJWT } from 'jose';
import { startAgent, waitForRoute } from './support/piko';
import { type BootedPod, bootPod, expandEnv, renderPods, type RenderedPod, tlsClientFor } from './support/rendered-pod';
import { sendStackTraffic } from './support/stack-traffic';
import { TcpTestService } from './support/tcp-test-service';
import { UpstreamService } from './support/upstream-service';

// The Helm chart proven to run, not only to render: for each value set `npm run check:deploy`
// renders (tools/deploy/render-chart.mjs VALUE_SETS: default, external, production, combined),
// real helm renders the chart, every Piko Deployment's container is materialized as the kubelet
// would start it (tools/deploy/pod-processes.mjs: args with $(POD_NAME)/$(POD_IP) from the
// downward API, env from the operator's Secret, ConfigMap and Secret volumes written to a temp
// dir), up to two replicas each, and started natively as the real `piko` on loopback against a real
// nats-server and redis-server. Only what one machine needs changes: container ports move to free
// loopback ports and the NATS/Redis hosts point at the test's servers (support/rendered-pod.ts).
// Each pod must pass its rendered readinessProbe; then HTTP, WebSocket and TCP go through every
// proxy pod → gateway → agent, the admin API lists the endpoints, and one SIGTERM ends every pod
// with code 0.

jest.setTimeout(180_000);

const VALUE_SETS = ['default', 'external', 'production', 'combined'];
const hex = () => randomBytes(32).toString('hex');

/** GET over http or https (trusting `tls`), for the admin API. */
function getText(url: string, tls?: { ca: string; servername: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, { timeout: 10_000, ...tls }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The NATS user a pod's cluster.nats_url logs in with (after --config.expand-env), if any. */
function natsUser(pod: RenderedPod, config: string): { name: string; password: string } | undefined {
  const m = /nats_url:\s*(\S+)/.exec(config);
  if (!m) throw new Error(`${pod.deployment}: no cluster.nats_url`);
  const url = expandEnv(m[1].replace(/^["']|["']$/g, ''), pod.env).split(',')[0];
  const { username, password } = new URL(url);
  return username ? { name: decodeURIComponent(username), password: decodeURIComponent(password) } : undefined;
}

describe.each(VALUE_SETS)('Helm value set %s: the rendered pods boot and carry traffic', (valueSet) => {
  let dir = '';
  const natsPassword = hex();
  const redisPassword = hex();
  let nats: NatsServer;
  let redis: RedisServer;
  let pods: BootedPod[] = [];
  const agents: ManagedProcess[] = [];
  const web = new UpstreamService('web');
  const echo = new TcpTestService();
  let webPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `piko-boot-${valueSet}-`));
    // The operator's Secret (docs/kubernetes.md): the chart's keys, with URLs naming the test's servers' credentials.
    const rendered = await renderPods(valueSet, dir, {
      'relay-secret': hex(),
      'nats-password': natsPassword,
      'redis-password': redisPassword,
      'nats-url': `nats://piko:${natsPassword}@nats.example:4222`,
      'redis-url': `redis://:${redisPassword}@redis.example:6379`,
      'upstream-hmac-key': hex(),
    });
    const configText = (p: RenderedPod) => readFileSync((p.argv.find((a) => a.startsWith('--config.path=')) ?? '').slice('--config.path='.length), 'utf8');
    const user = natsUser(rendered[0], configText(rendered[0]));
    [nats, redis] = await Promise.all([NatsServer.start({ user }), RedisServer.start({ password: redisPassword })]);
    pods = await Promise.all(rendered.map((p) => bootPod(p, { nats: `127.0.0.1:${nats.port}`, redis: `127.0.0.1:${redis.port}` })));

    webPort = await web.listen();
    const echoPort = await echo.listen();
    const gateway = pods.find((p) => p.ports.upstream !== undefined && p.pod.replica === 0);
    if (!gateway) throw new Error('no gateway pod');
    const connect = [] as string[];
    const tls = tlsClientFor(gateway, 'upstream');
    if (tls) connect.push('--connect.tls.root-cas', tls.caPath, '--connect.tls.server-name', tls.servername);
    const hmac = gateway.config.upstream?.auth?.hmac_secret_key;
    if (hmac) {
      const key = new TextEncoder().encode(expandEnv(hmac, gateway.pod.env));
      connect.push('--connect.token', await new SignJWT({ piko: { endpoints: ['web', 'echo'] } }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key));
    }
    agents.push(await startAgent('http', 'web', String(webPort), gateway.url('upstream'), ['--access-log=false', ...connect]));
    agents.push(await startAgent('tcp', 'echo', `127.0.0.1:${echoPort}`, gateway.url('upstream'), ['--access-log=false', ...connect]));
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop('SIGKILL')));
    await Promise.all(pods.map((p) => p.process.stop('SIGKILL')));
    await Promise.all([nats?.stop(), redis?.stop(), web.close(), echo.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every Piko Deployment has a pod that passed its rendered readinessProbe', () => {
    const deployments = new Set(pods.map((p) => p.pod.deployment));
    expect(deployments.size).toBeGreaterThan(0);
    if (valueSet === 'combined') expect([...new Set(pods.map((p) => p.pod.role))]).toEqual(['server']);
    else expect(new Set(pods.map((p) => p.pod.role))).toEqual(new Set(['proxy', 'gateway', 'admin']));
    for (const p of pods) expect(p.process.running).toBe(true);
    // Two replicas of every Deployment that asks for two or more: a proxy pod then reaches the
    // agent on another pod's gateway over the relay link.
    for (const d of deployments) {
      const replicas = pods.filter((p) => p.pod.deployment === d);
      expect(replicas.length).toBe(Math.min(replicas[0].pod.replicas, 2));
    }
  });

  it('HTTP, WebSocket and TCP through every proxy pod reach the agent on the first gateway pod', async () => {
    const proxies = pods.filter((p) => p.ports.proxy !== undefined);
    expect(proxies.length).toBeGreaterThan(0);
    for (const proxy of proxies) {
      const tls = tlsClientFor(proxy, 'proxy');
      if (!tls) await waitForRoute(proxy.url('proxy'), 'web');
      const { sent, got } = await retryUntilRouted(() =>
        sendStackTraffic({ proxyUrl: proxy.url('proxy'), httpEndpoint: 'web', directUrl: `http://127.0.0.1:${webPort}`, tcpEndpoint: 'echo', tls: tls && { ca: tls.ca, servername: tls.servername } }),
      );
      expect(got.http.tunnelled).toEqual(got.http.direct);
      expect(got.http.tunnelled.name).toBe('web');
      expect(got.webSocket).toBe(sent.ws);
      expect(got.tcp).toBe(sent.tcp);
    }
  });

  it("the admin API (over the rendered admin TLS, if any) lists both endpoints", async () => {
    const admin = pods.find((p) => p.ports.admin !== undefined);
    if (!admin) throw new Error('no admin pod');
    const tls = tlsClientFor(admin, 'admin');
    const { status, text } = await getText(`${admin.url('admin')}/api/v1/endpoints`, tls && { ca: tls.ca, servername: tls.servername });
    expect(status).toBe(200);
    // Either shape of the route: a map keyed by ID, or a page of { id, … } summaries.
    const { endpoints } = JSON.parse(text) as { endpoints: Record<string, unknown> | Array<{ id: string }> };
    const ids = Array.isArray(endpoints) ? endpoints.map((e) => e.id) : Object.keys(endpoints);
    expect(ids.sort()).toEqual(['echo', 'web']);
  });

  it('one SIGTERM ends every pod with code 0 (shutdown_delay, then drain)', async () => {
    const exits = await Promise.all(pods.map((p) => p.process.stop('SIGTERM', 60_000)));
    expect(exits).toEqual(pods.map(() => ({ code: 0, signal: null })));
  });
});

/** Retries `send` while the route is still propagating (a 502 from a proxy whose table has not caught up). */
async function retryUntilRouted<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (attempt >= 20 || !/: 502 /.test((err as Error).message)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
