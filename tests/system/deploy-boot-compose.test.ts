import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type ManagedProcess, waitFor } from '@piko/testing';
import { loadCompose, NativeCompose } from './support/compose-native';
import { startAgent, waitForRoute } from './support/piko';
import { sendStackTraffic } from './support/stack-traffic';
import { TcpTestService } from './support/tcp-test-service';
import { UpstreamService } from './support/upstream-service';

// docker-compose.yml proven to work, not only to parse (there is no Docker engine here): the file
// is read with the `yaml` package (merge keys, Compose's variable interpolation from the three
// variables its header says to export), and each service's command runs natively on loopback as
// its image would run it (support/compose-native.ts: nats-server, redis-server, and the Piko
// image's `node dist/apps/cli/main.js`), in depends_on order, each waited for with its own
// healthcheck command. Service names, hostnames and aliases resolve to 127.0.0.1 and container
// ports move to free loopback ports; nothing else changes. The agent's healthcheck then proves
// `demo` through proxy → relay → gateway → agent → demo-upstream; HTTP, WebSocket and TCP go
// through both proxies to agents on the published gateway port; one SIGTERM ends every Piko service with 0.

jest.setTimeout(180_000);

const COMPOSE_FILE = join(__dirname, '../../docker-compose.yml');

describe('docker-compose.yml, each service run natively on loopback', () => {
  const env = {
    PIKO_RELAY_SECRET: randomBytes(32).toString('hex'),
    // As docker-compose.yml says: a letter first (nats-server reads '1e5a…' as a number and refuses to start).
    PIKO_NATS_PASSWORD: `p${randomBytes(24).toString('hex')}`,
    PIKO_REDIS_PASSWORD: randomBytes(24).toString('hex'),
  };
  const compose = new NativeCompose(loadCompose(COMPOSE_FILE, env));
  const agents: ManagedProcess[] = [];
  const web = new UpstreamService('web');
  const echo = new TcpTestService();

  beforeAll(async () => {
    for (const name of compose.startOrder()) {
      const child = await compose.start(name, env);
      await waitFor(`${name} healthy`, async () => ((await compose.healthy(name)) ? true : undefined), 60_000, () => child.exitedBefore('healthy')).catch((err: Error) => {
        throw new Error(`${err.message}\n${name}: ${JSON.stringify(child.child.spawnargs)}\nhealthcheck: ${compose.lastHealthcheck.get(name)}\n${child.logs}\n${[...compose.processes].map(([n, p]) => `--- ${n}\n${p.logs.slice(-1500)}`).join('\n')}`);
      });
    }
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop('SIGKILL')));
    await compose.stop();
    await Promise.all([web.close(), echo.close()]);
  });

  it('starts every service, each passing its healthcheck (the agent’s: demo answers through proxy-1)', async () => {
    expect([...compose.processes.keys()].sort()).toEqual(Object.keys(compose.services).sort());
    for (const name of compose.processes.keys()) expect(await compose.healthy(name)).toBe(true);
  });

  it('serves the demo endpoint through both published proxy ports', async () => {
    for (const proxy of ['proxy-1', 'proxy-2']) {
      const url = `http://127.0.0.1:${await compose.port(proxy, 8000)}/hello`;
      await waitForRoute(url.replace(/\/hello$/, ''), 'demo');
      const res = await fetch(url, { headers: { 'x-piko-endpoint': 'demo' } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('hello from demo-upstream: GET /hello\n');
    }
  });

  it('carries HTTP, WebSocket and TCP through both proxies to agents on the published gateway port', async () => {
    const upstream = `http://127.0.0.1:${await compose.port('gateway-1', 8001)}`;
    const webPort = await web.listen();
    agents.push(await startAgent('http', 'web', String(webPort), upstream, ['--access-log=false']));
    agents.push(await startAgent('tcp', 'echo', `127.0.0.1:${await echo.listen()}`, upstream, ['--access-log=false']));
    for (const proxy of ['proxy-1', 'proxy-2']) {
      const proxyUrl = `http://127.0.0.1:${await compose.port(proxy, 8000)}`;
      await waitForRoute(proxyUrl, 'web');
      const { sent, got } = await sendStackTraffic({ proxyUrl, httpEndpoint: 'web', directUrl: `http://127.0.0.1:${webPort}`, tcpEndpoint: 'echo' });
      expect(got.http.tunnelled).toEqual(got.http.direct);
      expect(got.webSocket).toBe(sent.ws);
      expect(got.tcp).toBe(sent.tcp);
    }
  });

  it('one SIGTERM ends every Piko service with code 0', async () => {
    const piko = [...compose.processes].filter(([name]) => /^piko:/.test(compose.services[name].image ?? '') && !compose.services[name].entrypoint);
    expect(piko.map(([name]) => name).sort()).toEqual(['admin', 'agent', 'gateway-1', 'gateway-2', 'proxy-1', 'proxy-2']);
    const exits = await Promise.all(piko.map(([, p]) => p.stop('SIGTERM', 60_000)));
    expect(exits).toEqual(piko.map(() => ({ code: 0, signal: null })));
  });
});
