import { join } from 'node:path';
import { freePort, ManagedProcess, waitFor } from '@piko/testing';
import { dashboardSelections } from './support/dashboard-queries';
import { type ClusterNode, TestCluster } from './support/cluster';
import { type PikoServer, startAgent, startPikoServer, waitForRoute } from './support/piko';
import { type MetricFamily, parsePrometheusText, sampleValue } from './support/prometheus-text';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(120_000);

const DASHBOARD = join(__dirname, '../../deploy/grafana/piko.json');

async function scrape(url: string): Promise<Map<string, MetricFamily>> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePrometheusText(await res.text());
}

/**
 * Real processes of every kind: a cluster (proxy, gateway, admin over real NATS and Redis), a
 * one-process `piko server` and agents with their server enabled, with traffic through each.
 */
describe('metrics of every process, the Grafana dashboard and the agent server', () => {
  let cluster: TestCluster;
  let gateway: ClusterNode;
  let proxy: ClusterNode;
  let admin: ClusterNode;
  let server: PikoServer;
  let clusterAgentServer: string;
  let serverAgentServer: string;
  // 502s each proxy had answered before the one request for a missing endpoint: waitForRoute's
  // own tries count too, and how many it needed depends on how fast the route propagated.
  const earlier502s = new Map<string, number>();
  const services: UpstreamService[] = [];
  const agents: ManagedProcess[] = [];

  async function agentWithServer(endpointId: string, upstreamUrl: string): Promise<string> {
    const service = new UpstreamService(endpointId);
    services.push(service);
    const port = await freePort();
    agents.push(await startAgent('http', endpointId, String(await service.listen()), upstreamUrl, ['--server.enabled', '--server.bind-addr', `127.0.0.1:${port}`]));
    return `http://127.0.0.1:${port}`;
  }

  beforeAll(async () => {
    cluster = await TestCluster.start(['--cluster.resync-interval', '1s']);
    gateway = await cluster.gateway('gateway');
    proxy = await cluster.proxy('proxy');
    admin = await cluster.admin('admin');
    clusterAgentServer = await agentWithServer('obs-cluster', gateway.url);
    await waitForRoute(proxy.url, 'obs-cluster');
    server = await startPikoServer(['--log.level', 'warn']);
    serverAgentServer = await agentWithServer('obs-server', server.upstreamUrl);
    await waitForRoute(server.proxyUrl, 'obs-server');
    for (const [url, endpoint, metricsUrl] of [
      [proxy.url, 'obs-cluster', proxy.opsUrl],
      [server.proxyUrl, 'obs-server', server.adminUrl],
    ]) {
      for (let i = 0; i < 3; i++) expect((await fetch(`${url}/x`, { headers: { 'x-piko-endpoint': endpoint } })).status).toBe(200);
      earlier502s.set(metricsUrl, sampleValue(await scrape(metricsUrl), 'piko_proxy_requests_total', { status: '502', method: 'GET' }) ?? 0);
      expect((await fetch(`${url}/x`, { headers: { 'x-piko-endpoint': 'obs-missing' } })).status).toBe(502);
    }
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.process.stop();
    await cluster?.stop();
    await Promise.all(services.map((s) => s.close()));
  });

  it("every metric (and matcher label) the dashboard's PromQL names is exported by a real process", async () => {
    const scrapes = {
      proxy: await scrape(proxy.opsUrl),
      gateway: await scrape(gateway.opsUrl),
      admin: await scrape(admin.url),
      server: await scrape(server.adminUrl),
      agent: await scrape(clusterAgentServer),
    };
    const selections = dashboardSelections(DASHBOARD);
    expect(selections.length).toBeGreaterThan(40);
    const missing: string[] = [];
    for (const s of selections) {
      const families = Object.values(scrapes).filter((f) => [...f.values()].some((family) => family.sampleNames.has(s.metric)));
      if (families.length === 0) {
        missing.push(`${s.metric} (panel "${s.panel}")`);
        continue;
      }
      const labels = new Set(families.flatMap((f) => [...f.values()].filter((family) => family.sampleNames.has(s.metric)).flatMap((family) => [...family.labelNames])));
      for (const label of s.labels) if (!labels.has(label)) missing.push(`${s.metric}{${label}} (panel "${s.panel}")`);
    }
    expect(missing).toEqual([]);
  });

  it("exports Go Piko's proxy and upstream metrics with the traffic they saw", async () => {
    for (const [families, gatewayFamilies, metricsUrl] of [
      [await scrape(proxy.opsUrl), await scrape(gateway.opsUrl), proxy.opsUrl],
      [await scrape(server.adminUrl), await scrape(server.adminUrl), server.adminUrl],
    ] as const) {
      expect(sampleValue(families, 'piko_proxy_requests_total', { status: '200', method: 'GET' })).toBeGreaterThanOrEqual(3);
      // The request for the missing endpoint, counted once.
      expect(sampleValue(families, 'piko_proxy_requests_total', { status: '502', method: 'GET' })).toBe((earlier502s.get(metricsUrl) ?? 0) + 1);
      expect(sampleValue(families, 'piko_proxy_request_latency_seconds_count', { status: '200', method: 'GET' })).toBeGreaterThanOrEqual(3);
      expect(sampleValue(families, 'piko_proxy_request_latency_seconds_bucket', { le: '10', status: '200', method: 'GET' })).toBeGreaterThanOrEqual(3);
      expect(sampleValue(families, 'piko_proxy_requests_in_flight')).toBe(0);
      // Each response carries the service's JSON body: more than 0 bytes each.
      expect(sampleValue(families, 'piko_proxy_response_size_bytes_sum')).toBeGreaterThan(4 * 50);
      expect(sampleValue(families, 'piko_proxy_request_size_bytes_count')).toBeGreaterThanOrEqual(4);
      expect(sampleValue(gatewayFamilies, 'piko_upstreams_connected_upstreams')).toBe(1);
      expect(sampleValue(gatewayFamilies, 'piko_upstreams_registered_endpoints')).toBe(1);
      expect(sampleValue(gatewayFamilies, 'piko_upstreams_upstream_requests_total')).toBeGreaterThanOrEqual(3);
      expect(sampleValue(gatewayFamilies, 'piko_upstreams_connects_total')).toBe(1);
      expect(sampleValue(gatewayFamilies, 'piko_cluster_registered')).toBe(1);
    }
    const proxyFamilies = await scrape(proxy.opsUrl);
    const relayed = proxyFamilies.get('piko_upstreams_remote_requests_total')?.samples ?? [];
    // One series, for the one gateway, named by its node ID.
    expect(relayed).toHaveLength(1);
    expect(relayed[0].labels.node_id).toMatch(/^gateway-/);
    expect(relayed[0].value).toBeGreaterThanOrEqual(3);
    expect(sampleValue(proxyFamilies, 'piko_cluster_nodes', { status: 'active' })).toBe(3);
    expect(sampleValue(await scrape(admin.url), 'piko_cluster_nodes', { status: 'active' })).toBe(3);
    expect(sampleValue(await scrape(gateway.opsUrl), 'piko_cluster_registration_propagation_seconds_count')).toBeGreaterThanOrEqual(1);
  });

  it("the agent server: Go Piko's agent metrics per endpoint, and /status with its session, streams and reconnects", async () => {
    const agentFamilies = await scrape(serverAgentServer);
    // The three requests above, and those waitForRoute sent (the 502s never reached the agent).
    const requests = sampleValue(agentFamilies, 'piko_agent_requests_total', { status: '200', method: 'GET', endpoint: 'obs-server' }) ?? 0;
    expect(requests).toBeGreaterThanOrEqual(3);
    expect(sampleValue(agentFamilies, 'piko_agent_sessions_connected', { endpoint: 'obs-server' })).toBe(1);
    // Streams, not requests: the proxy sends several requests down a kept stream (keep-alive).
    const streams = sampleValue(agentFamilies, 'piko_agent_streams_total', { endpoint: 'obs-server' }) ?? 0;
    expect(streams).toBeGreaterThanOrEqual(1);
    expect(streams).toBeLessThanOrEqual(requests);
    const before = (await (await fetch(`${serverAgentServer}/status`)).json()) as { connectUrl: string; listeners: Array<Record<string, unknown>> };
    expect(before.connectUrl).toBe(server.upstreamUrl);
    expect(before.listeners).toEqual([
      expect.objectContaining({ endpointId: 'obs-server', protocol: 'http', state: 'connected', reconnects: 0, lastDisconnect: null, streams: { active: expect.any(Number), total: streams } }),
    ]);
    // Open now: at most the streams the proxy keeps idle (proxy.http.upstream_max_idle_streams).
    expect((before.listeners[0].streams as { active: number }).active).toBeLessThanOrEqual(streams);

    // The server restarts on the same ports: the agent reconnects, and says so.
    await server.process.stop();
    await waitFor('agent notices', async () => {
      const status = (await (await fetch(`${serverAgentServer}/status`)).json()) as { listeners: Array<{ state: string }> };
      return status.listeners[0].state === 'reconnecting' ? true : undefined;
    });
    server = await startPikoServer(['--log.level', 'warn'], server);
    await waitForRoute(server.proxyUrl, 'obs-server');
    const after = (await (await fetch(`${serverAgentServer}/status`)).json()) as { listeners: Array<Record<string, unknown>> };
    expect(after.listeners[0]).toMatchObject({ state: 'connected', reconnects: 1 });
    expect(after.listeners[0].lastDisconnect).toEqual(expect.objectContaining({ reason: expect.any(String) }));
    const metrics = await scrape(serverAgentServer);
    expect(sampleValue(metrics, 'piko_agent_reconnects_total', { endpoint: 'obs-server' })).toBe(1);
    expect(sampleValue(metrics, 'piko_agent_sessions_connected', { endpoint: 'obs-server' })).toBe(1);
    expect((await fetch(`${serverAgentServer}/nope`)).status).toBe(404);
  });
});
