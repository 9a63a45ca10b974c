import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { join } from 'node:path';
import { freePort, ManagedProcess, waitFor } from '@piko/testing';
import { PIKO_BIN, type PikoServer, startPikoServer, waitForRoute } from './support/piko';

// Go Piko v0.9 users' config files (tests/fixtures/go-piko, each saying where it comes from) and
// flags, driven through the built `piko` command: each loads, or is refused naming every key and
// what replaces it.

jest.setTimeout(60_000);

const FIXTURES = join(__dirname, '../fixtures/go-piko');
const fixture = (name: string) => join(FIXTURES, name);

function piko(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [PIKO_BIN, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The JSON log records a process wrote (one per line), skipping any other line. */
function records(logs: string): Record<string, unknown>[] {
  return logs
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const MIGRATION = '(see docs/migrating-from-go-piko.md)';
const KUBERNETES = '(see docs/kubernetes.md)';

/** Whether a TCP connection to 127.0.0.1:port is accepted (true) or refused (false). */
function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe("Go Piko's documented server.yaml files", () => {
  it('docs/server/server.md: refused, naming each key Go v0.9 does not have or that means nothing here', async () => {
    const { code, stderr } = await piko(['server', '--config.path', fixture('server-docs.yaml')]);
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines.map((l) => l.split(': ')[1])).toEqual(['proxy.tls.enabled', 'upstream.tls.enabled', 'cluster.abort_if_join_fails', 'cluster.gossip', 'admin.tls.enabled']);
    for (const line of lines) {
      expect(line).toMatch(/^config: /);
      expect(line).not.toMatch(/^config: config:/);
    }
    // The TLS keys point at the migration guide; the gossip keys at the Kubernetes guide, which replaces Go's.
    for (const i of [0, 1, 4]) expect(lines[i].endsWith(MIGRATION)).toBe(true);
    for (const i of [2, 3]) expect(lines[i].endsWith(KUBERNETES)).toBe(true);
    expect(lines[2]).toContain('Replace it with cluster.nats_url and cluster.redis_url');
    // `access_log: true` (a boolean before Go v0.8) and `join: []` are accepted: no line names them.
    expect(stderr).not.toContain('access_log');
    expect(stderr).not.toContain('cluster.join:');
  });

  it("docs/server/kubernetes.md (the guide's ConfigMap, with --config.expand-env): cluster.join refused, naming its replacement and linking docs/kubernetes.md", async () => {
    const { code, stderr } = await piko(['server', '--config.path', fixture('server-kubernetes.yaml'), '--config.expand-env'], { POD_NAME: 'piko-0' });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      "config: cluster.join: Go Piko's gossip cluster does not exist here: nodes share state through NATS and Redis. Replace it with cluster.nats_url and cluster.redis_url (--cluster.nats-url, --cluster.redis-url): " +
        "piko server with both is a combined node, and N replicas of it work like Go Piko's StatefulSet (or run piko proxy, piko gateway and piko admin to scale each tier) " +
        KUBERNETES,
    ]);
  });
});

describe('a Go Piko v0.9 server.yaml and agent.yaml with every key', () => {
  let server: PikoServer;
  let service: Server;
  let servicePort: number;
  const seen: Record<string, string | string[] | undefined>[] = [];
  const agents: ManagedProcess[] = [];

  beforeAll(async () => {
    service = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'text/plain', 'x-service': 'yes' }).end(`hello ${req.url}`);
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    servicePort = (service.address() as AddressInfo).port;
    server = await startPikoServer(['--config.path', fixture('server-v0.9.yaml'), '--config.expand-env']);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.process.stop();
    await new Promise((resolve) => service?.close(resolve));
  });

  it('the server loads it, its node ID from node_id_prefix without a double dash', async () => {
    const nodes = (await (await fetch(`${server.adminUrl}/api/v1/nodes`)).json()) as { nodes: { id: string }[] };
    expect(nodes.nodes.map((n) => n.id)).toEqual([expect.stringMatching(/^piko-0-[a-z0-9]{7}$/)]);
  });

  it('the agent loads it (agent start): both listeners, the metrics server, the access logs with header lists', async () => {
    const metricsPort = await freePort();
    const agent = ManagedProcess.start(
      'piko agent start',
      'node',
      [PIKO_BIN, 'agent', 'start', '--config.path', fixture('agent-v0.9.yaml'), '--config.expand-env', '--connect.url', server.upstreamUrl, '--server.bind-addr', `127.0.0.1:${metricsPort}`],
      { SERVICE_ADDR: `127.0.0.1:${servicePort}` },
    );
    agents.push(agent);
    await waitForRoute(server.proxyUrl, 'go-agent-http');

    const res = await fetch(`${server.proxyUrl}/hello?token=query-secret`, {
      headers: { 'x-piko-endpoint': 'go-agent-http', 'x-request-id': 'req-1', authorization: 'Bearer header-secret', 'x-internal-trace': 'trace-1', 'user-agent': 'go-piko-test' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello /hello?token=query-secret');
    expect(seen.at(-1)?.authorization).toBe('Bearer header-secret');

    // The agent's record: only the allow-listed headers, the credential redacted, no query string.
    const isHello = (r: Record<string, unknown>) => r.msg === 'request' && r.path === '/hello';
    const agentRecord = await waitFor('the agent request record', async () => records(agent.logs).find(isHello));
    expect(agentRecord).toMatchObject({ level: 'info', endpointId: 'go-agent-http', method: 'GET', path: '/hello', status: 200 });
    // The header filter redacts Authorization, and the logger's own redaction then writes the whole value as one string.
    expect(agentRecord?.requestHeaders).toEqual({ 'X-Request-Id': ['req-1'], Authorization: '[REDACTED]' });
    expect((agentRecord?.responseHeaders as Record<string, string[]>)['X-Service']).toEqual(['yes']);

    // The proxy's record: every header but the block-listed one, credentials redacted.
    const proxyRecord = await waitFor('the proxy request record', async () => records(server.process.logs).find((r) => isHello(r) && r.subsystem === 'proxy.access'));
    expect(proxyRecord).toMatchObject({ level: 'info', method: 'GET', path: '/hello', status: 200 });
    const proxyHeaders = proxyRecord?.requestHeaders as Record<string, string[]>;
    expect(proxyHeaders['X-Request-Id']).toEqual(['req-1']);
    expect(proxyHeaders['User-Agent']).toEqual(['go-piko-test']);
    expect(proxyHeaders.Authorization).toEqual('[REDACTED]');
    expect(proxyHeaders['X-Internal-Trace']).toBeUndefined();

    for (const logs of [agent.logs, server.process.logs]) {
      expect(logs).not.toContain('header-secret');
      expect(logs).not.toContain('query-secret');
    }

    // server.enabled: Go's /metrics, and /health.
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^process_cpu_user_seconds_total/m);
    // Go's agent request metrics (agent/reverseproxy/metrics.go).
    expect(text).toMatch(/^piko_agent_requests_total\{status="200",method="GET",endpoint="go-agent-http"\} [1-9]/m);
    expect(text).toMatch(/^piko_agent_requests_in_flight\{endpoint="go-agent-http"\} 0$/m);
    const health = await fetch(`http://127.0.0.1:${metricsPort}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  it('agent http with --config.path runs only its own listener, as Go Piko does, and says so', async () => {
    const agent = ManagedProcess.start('piko agent http', 'node', [
      PIKO_BIN,
      'agent',
      'http',
      'from-args',
      `127.0.0.1:${servicePort}`,
      '--config.path',
      fixture('agent-v0.9.yaml'),
      '--config.expand-env',
      '--connect.url',
      server.upstreamUrl,
      '--server.enabled=false',
      '--access-log.request-headers.allow-list',
      'X-Request-Id',
    ]);
    agents.push(agent);
    await agent.waitForOutput('the config file\'s listeners are not started');
    await agent.waitForOutput('"msg":"forwarding endpoint"');
    await waitForRoute(server.proxyUrl, 'from-args');
    const res = await fetch(`${server.proxyUrl}/x`, { headers: { 'x-piko-endpoint': 'from-args', 'x-request-id': 'req-2', cookie: 'a=cookie-secret' } });
    expect(res.status).toBe(200);
    const record = await waitFor('the request record', async () => records(agent.logs).find((r) => r.msg === 'request' && r.path === '/x'));
    expect(record.requestHeaders).toEqual({ 'X-Request-Id': ['req-2'] });
    expect(agent.logs).not.toMatch(/"endpointId":"go-agent-(http|tcp)"/);
  });
});

describe("Go Piko's documented agent.yaml", () => {
  it('docs/agent/agent.md is not valid YAML (comment lines without #): refused with the file and the parse error, as Go refuses it', async () => {
    const { code, stderr } = await piko(['agent', 'start', '--config.path', fixture('agent-docs.yaml')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^config: parse ${fixture('agent-docs.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });
});

describe('Go Piko flags and habits', () => {
  it('piko --version and piko version print the build version', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };
    for (const args of [['--version'], ['version']]) {
      const { code, stdout } = await piko(args);
      expect(code).toBe(0);
      expect(stdout).toBe(`piko version ${version}\n`);
    }
  });

  it('piko server honours --cluster.node-id', async () => {
    const server = await startPikoServer(['--cluster.node-id', 'my-node-1']);
    try {
      const nodes = (await (await fetch(`${server.adminUrl}/api/v1/nodes`)).json()) as { nodes: { id: string }[] };
      expect(nodes.nodes.map((n) => n.id)).toEqual(['my-node-1']);
    } finally {
      await server.process.stop();
    }
  });

  it('suggests the flag meant for a Go YAML spelling, and refuses grace_period 0 as Go does', async () => {
    const typo = await piko(['server', '--proxy.bind_addr', ':8000']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('config: unknown flag --proxy.bind_addr; did you mean --proxy.bind-addr?\n');
    const zero = await piko(['agent', 'http', 'x', '3000', '--grace-period', '0s']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/^config: grace_period: must be more than 0, as in Go Piko/);
  });

  it('forward tcp with --config.path opens only its own port, as Go Piko does, and says so', async () => {
    const [argPort, filePort] = [await freePort(), await freePort()];
    const file = join(tmpdir(), `piko-forward-${process.pid}.yaml`);
    writeFileSync(file, `ports:\n  - addr: "127.0.0.1:${filePort}"\n    endpoint_id: from-file\n`);
    const forward = ManagedProcess.start('piko forward tcp', 'node', [PIKO_BIN, 'forward', 'tcp', `127.0.0.1:${argPort}`, 'from-args', '--config.path', file]);
    try {
      await forward.waitForOutput("the config file's ports are not opened");
      await waitFor('the argument port listening', async () => ((await connects(argPort)) ? true : undefined));
      expect(await connects(filePort)).toBe(false);
      expect(forward.logs).toContain(`127.0.0.1:${filePort} -> from-file`);
    } finally {
      await forward.stop();
    }
  });

  it('refuses --cluster.join and the gossip flags, saying what replaces them', async () => {
    const { code, stderr } = await piko(['server', '--cluster.join', 'piko', '--cluster.gossip.interval', '100ms']);
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines.map((l) => l.split(': ')[1])).toEqual(['--cluster.join', '--cluster.gossip.interval']);
    for (const line of lines) expect(line).toContain('Replace it with cluster.nats_url and cluster.redis_url');
    for (const line of lines) expect(line.endsWith(KUBERNETES)).toBe(true);
  });
});
