import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type ManagedProcess, TestPki, waitFor } from '@piko/testing';
import { type PikoServer, startAgent, startPikoServer, waitForRoute } from './support/piko';
import { capturedExchanges, inspectArgs, inspectVariant } from './support/inspect-variant';
import { RawHttpConnection, type RawResponse } from './support/raw-http-client';
import { type SeenRequest, UpgradeIgnoringService } from './support/upgrade-ignoring-service';

jest.setTimeout(120_000);

const upgradeRequest = (path: string, extra = ''): string =>
  `GET ${path} HTTP/1.1\r\nHost: proxy.test\r\nx-piko-endpoint: plain\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${extra}\r\n`;
const spoofingRequest = (endpoint: string): string =>
  `GET /second HTTP/1.1\r\nHost: proxy.test\r\nx-piko-endpoint: ${endpoint}\r\nX-Forwarded-For: 6.6.6.6\r\nX-Piko-Internal: x\r\n\r\n`;

const echoed = (res: RawResponse): SeenRequest & { name: string } => JSON.parse(res.body);

function curlVerbose(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-v', '--max-time', '30', ...args], (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl failed: ${stderr || err.message}`));
      resolve({ stdout, stderr });
    });
  });
}

// Issue 7, item 1: an upgrade the service does not take (it answers 200) must leave the client's
// connection plain HTTP, as Go's ReverseProxy does, so a later request on it is routed and
// sanitised. Each case runs against the service directly and through piko server + piko agent.
describe('declined upgrades stay HTTP (piko server + piko agent http, raw sockets)', () => {
  let server: PikoServer;
  let plain: UpgradeIgnoringService;
  let other: UpgradeIgnoringService;
  let plainPort: number;
  const agents: ManagedProcess[] = [];

  beforeAll(async () => {
    plain = new UpgradeIgnoringService('plain');
    other = new UpgradeIgnoringService('other');
    plainPort = await plain.listen();
    const otherPort = await other.listen();
    server = await startPikoServer(['--proxy.timeout', '2s', ...inspectArgs()]);
    agents.push(await startAgent('http', 'plain', String(plainPort), server.upstreamUrl));
    agents.push(await startAgent('http', 'other', String(otherPort), server.upstreamUrl));
    await waitForRoute(server.proxyUrl, 'plain');
    await waitForRoute(server.proxyUrl, 'other');
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await server?.process.stop();
    await plain?.close();
    await other?.close();
  });

  beforeEach(() => {
    plain.seen.length = 0;
    other.seen.length = 0;
  });

  it('answers a declined upgrade as a normal response, then routes and sanitises the next request on that connection', async () => {
    // Directly: the service answers 200 and keeps the connection for the next request.
    const direct = await RawHttpConnection.open(plainPort);
    direct.send(upgradeRequest('/first'));
    const directFirst = await direct.readResponse();
    direct.send(spoofingRequest('other'));
    const directSecond = await direct.readResponse();
    direct.destroy();
    expect(directFirst.status).toBe(200);
    expect(directSecond.status).toBe(200);

    const before = plain.seen.length;
    const tunnel = await RawHttpConnection.open(server.proxyPort);
    tunnel.send(upgradeRequest('/first'));
    const first = await tunnel.readResponse();
    expect(first.status).toBe(directFirst.status);
    expect(echoed(first)).toMatchObject({ name: 'plain', method: 'GET', url: '/first', body: '' });
    expect(echoed(first).headers.upgrade).toBe('websocket');
    // An ordinary response: no hop-by-hop Upgrade, and the connection stays open.
    expect(first.headers.upgrade).toBeUndefined();
    expect(first.headers.connection ?? '').not.toMatch(/close|upgrade/i);

    tunnel.send(spoofingRequest('other'));
    const second = await tunnel.readResponse();
    tunnel.destroy();
    expect(second.status).toBe(directSecond.status);
    const seen = echoed(second);
    expect(seen).toMatchObject({ name: 'other', url: '/second' });
    expect(seen.headers['x-piko-internal']).toBeUndefined();
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1'); // the client's own X-Forwarded-For is dropped (no proxy.trusted_proxies)
    // The first service saw exactly one request: nothing was spliced through to it.
    expect(plain.seen.slice(before).map((r) => r.url)).toEqual(['/first']);
    expect(other.seen.map((r) => r.url)).toEqual(['/second']);
  });

  it('keeps a pipelined request behind a declined upgrade for the HTTP server', async () => {
    const tunnel = await RawHttpConnection.open(server.proxyPort);
    tunnel.send(upgradeRequest('/first') + spoofingRequest('other'));
    const first = await tunnel.readResponse();
    const second = await tunnel.readResponse();
    tunnel.destroy();
    expect(echoed(first)).toMatchObject({ name: 'plain', url: '/first' });
    expect(echoed(second)).toMatchObject({ name: 'other', url: '/second' });
    expect(echoed(second).headers['x-piko-internal']).toBeUndefined();
    expect(echoed(second).headers['x-forwarded-for']).toBe('127.0.0.1'); // the client's own X-Forwarded-For is dropped (no proxy.trusted_proxies)
    expect(plain.seen.map((r) => r.url)).toEqual(['/first']);
  });

  it('forwards an upgrade request body (Content-Length) and closes after a declined answer', async () => {
    const body = 'upgrade-body-'.repeat(1000);
    const request = `POST /with-body HTTP/1.1\r\nHost: proxy.test\r\nx-piko-endpoint: plain\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

    const direct = await RawHttpConnection.open(plainPort);
    direct.send(request);
    const directRes = await direct.readResponse();
    direct.destroy();

    const tunnel = await RawHttpConnection.open(server.proxyPort);
    // Written in two parts, so the proxy must read the rest of the body from the socket.
    tunnel.send(request.slice(0, 200));
    await new Promise((resolve) => setTimeout(resolve, 50));
    tunnel.send(request.slice(200) + spoofingRequest('other'));
    const res = await tunnel.readResponse();
    expect(res.status).toBe(directRes.status);
    expect(echoed(res).body).toBe(echoed(directRes).body);
    expect(echoed(res).body).toBe(body);
    expect(res.headers.connection).toBe('close');
    await tunnel.closed;
    // The bytes after the body never reached any service.
    expect(plain.seen.map((r) => r.url)).toEqual(['/with-body', '/with-body']);
    expect(other.seen).toEqual([]);
  });

  it('splices after a 101: what the service sends with the 101 and what the client sent early both arrive', async () => {
    const request = (endpointHeader: string) =>
      `GET /switch HTTP/1.1\r\nHost: proxy.test\r\n${endpointHeader}Connection: Upgrade\r\nUpgrade: echo\r\n\r\nearly-bytes\n`;
    const results: Array<{ status: number; upgrade: string; after: string; echo: string }> = [];
    for (const [port, endpointHeader] of [
      [plainPort, ''],
      [server.proxyPort, 'x-piko-endpoint: plain\r\n'],
    ] as const) {
      const conn = await RawHttpConnection.open(port);
      conn.send(request(endpointHeader));
      const res = await conn.readResponse();
      const after = await conn.readBytes('after-101\n'.length + 'early-bytes\n'.length);
      conn.send('later-bytes\n');
      const echo = await conn.readBytes('later-bytes\n'.length);
      conn.destroy();
      results.push({ status: res.status, upgrade: res.headers.upgrade, after, echo });
    }
    expect(results[0]).toEqual({ status: 101, upgrade: 'echo', after: 'after-101\nearly-bytes\n', echo: 'later-bytes\n' });
    expect(results[1]).toEqual(results[0]);
  });

  it('answers 504 when the service does not answer an upgrade within proxy.timeout', async () => {
    const tunnel = await RawHttpConnection.open(server.proxyPort);
    tunnel.send(upgradeRequest('/silent'));
    const res = await tunnel.readResponse();
    expect(res.status).toBe(504);
    expect(res.body).toBe('{"error":"upstream timeout"}\n');
    await tunnel.closed;
  });

  it('closes an HTTP/1.0 connection after a declined upgrade', async () => {
    const tunnel = await RawHttpConnection.open(server.proxyPort);
    tunnel.send(upgradeRequest('/old').replace('HTTP/1.1', 'HTTP/1.0'));
    const res = await tunnel.readResponse();
    expect(echoed(res)).toMatchObject({ name: 'plain', url: '/old' });
    await tunnel.closed;
  });

  it('keeps /_piko/ reserved for upgrades too', async () => {
    const tunnel = await RawHttpConnection.open(server.proxyPort);
    tunnel.send(upgradeRequest('/_piko/v1/anything'));
    const res = await tunnel.readResponse();
    tunnel.destroy();
    expect(res.status).toBe(404);
    expect(res.body).toBe('{"error":"not found"}\n');
    expect(plain.seen).toEqual([]);
  });

  it('curl --http2 (Upgrade: h2c) then --next to another endpoint on the same connection', async () => {
    const args = (endpoint: string, path: string) => ['--http2', '-H', `x-piko-endpoint: ${endpoint}`, '-H', 'X-Piko-Internal: x', `${server.proxyUrl}${path}`];
    const { stdout, stderr } = await curlVerbose([...args('plain', '/h2c-first'), '--next', ...args('other', '/h2c-second')]);
    // curl reused the one connection: the second request really went down the declined upgrade's connection.
    expect(stderr).toMatch(/Re-using existing connection|Reusing existing/i);
    expect(stderr).toMatch(/Upgrade: h2c/i);
    const [first, second] = stdout.split(/(?<=\})(?=\{)/).map((text) => JSON.parse(text) as SeenRequest & { name: string });
    expect(first).toMatchObject({ name: 'plain', url: '/h2c-first' });
    expect(second).toMatchObject({ name: 'other', url: '/h2c-second' });
    expect(second.headers['x-piko-internal']).toBeUndefined();
    expect(plain.seen.map((r) => r.url)).toEqual(['/h2c-first']);
  });

  if (inspectVariant()) {
    it('(inspection variant) captured the upgrades it forwarded, as connections', async () => {
      const captured = await capturedExchanges(server.adminUrl, 'plain');
      expect(captured.some((e) => e.kind === 'websocket')).toBe(true);
    });
  }
});

// The same hand-back on a TLS proxy port: an HTTPS server's HTTP layer takes connections from its
// 'secureConnection' event, not 'connection'.
describe('declined upgrades stay HTTP on a TLS proxy port', () => {
  let pki: TestPki;
  let server: PikoServer;
  let plain: UpgradeIgnoringService;
  let other: UpgradeIgnoringService;
  const agents: ManagedProcess[] = [];

  beforeAll(async () => {
    pki = TestPki.create();
    const cert = pki.issue({ cn: 'proxy' });
    plain = new UpgradeIgnoringService('plain');
    other = new UpgradeIgnoringService('other');
    const [plainPort, otherPort] = [await plain.listen(), await other.listen()];
    server = await startPikoServer(['--proxy.tls.cert', cert.cert, '--proxy.tls.key', cert.key, ...inspectArgs()]);
    agents.push(await startAgent('http', 'plain', String(plainPort), server.upstreamUrl));
    agents.push(await startAgent('http', 'other', String(otherPort), server.upstreamUrl));
    await waitFor('both endpoints registered', async () => {
      const endpoints = (await (await fetch(`${server.adminUrl}/status/upstream/endpoints`)).json()) as Record<string, number>;
      return endpoints.plain && endpoints.other ? true : undefined;
    });
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await server?.process.stop();
    await plain?.close();
    await other?.close();
    pki?.remove();
  });

  it('routes and sanitises the request after a declined upgrade', async () => {
    const ca = readFileSync(pki.ca.cert);
    const tunnel = await RawHttpConnection.openTls(server.proxyPort, ca);
    tunnel.send(upgradeRequest('/first'));
    const first = await tunnel.readResponse();
    expect(echoed(first)).toMatchObject({ name: 'plain', url: '/first' });
    tunnel.send(spoofingRequest('other'));
    const second = await tunnel.readResponse();
    tunnel.destroy();
    expect(echoed(second)).toMatchObject({ name: 'other', url: '/second' });
    expect(echoed(second).headers['x-piko-internal']).toBeUndefined();
    expect(echoed(second).headers['x-forwarded-for']).toBe('127.0.0.1'); // the client's own X-Forwarded-For is dropped (no proxy.trusted_proxies)
    expect(echoed(second).headers['x-forwarded-proto']).toBe('https');
  });
});
