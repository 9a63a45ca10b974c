import { createServer, type AddressInfo, type Server } from 'node:net';
import WebSocket from 'ws';
import { freePort, type ManagedProcess, waitFor } from '@piko/testing';
import { type PikoServer, startAgent, startPikoServer, waitForRoute } from './support/piko';
import { RawHttpConnection } from './support/raw-http-client';
import { UpgradeIgnoringService } from './support/upgrade-ignoring-service';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(120_000);

type LogLine = { msg: string; level: string } & Record<string, unknown>;

function logLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Waits for the first log line of `process` with message `msg` that matches `fields`. */
async function logLine(process: ManagedProcess, msg: string, fields: Record<string, unknown>): Promise<LogLine> {
  return waitFor(`${process.name} logs ${msg} ${JSON.stringify(fields)}`, async () =>
    logLines(process.logs).find((line) => line.msg === msg && Object.entries(fields).every(([k, v]) => line[k] === v)),
  );
}

/** A TCP service that answers `<n> bytes\n` once the client ends its side, then closes. */
async function countingService(): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.once('end', () => socket.end(`${bytes} bytes\n`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

// Issue 7, item 8: what the access logs say about WebSocket upgrades, declined upgrades and TCP
// connections (proxy with proxy.access_log, agents with their access log), and X-Forwarded-For
// from a dual-stack proxy socket.
describe('access logs for upgrades and TCP connections; X-Forwarded-For for IPv4 clients', () => {
  let server: PikoServer;
  let wsService: UpstreamService;
  let plain: UpgradeIgnoringService;
  let counting: { server: Server; port: number };
  let plainPort: number;
  const agents: Record<string, ManagedProcess> = {};

  beforeAll(async () => {
    wsService = new UpstreamService('ws-service');
    plain = new UpgradeIgnoringService('plain');
    counting = await countingService();
    const wsPort = await wsService.listen();
    plainPort = await plain.listen();
    // The proxy listens on an IPv4-mapped IPv6 address: an IPv4 client's address then reads
    // `::ffff:127.0.0.1` on its socket, as on a dual-stack `::` listener (loopback only here).
    const proxyPort = await freePort();
    server = await startPikoServer(['--proxy.bind-addr', `[::ffff:127.0.0.1]:${proxyPort}`], {
      proxyPort,
      upstreamPort: await freePort(),
      adminPort: await freePort(),
    });
    agents.ws = await startAgent('http', 'ws-svc', String(wsPort), server.upstreamUrl);
    agents.plain = await startAgent('http', 'plain', String(plainPort), server.upstreamUrl);
    agents.tcp = await startAgent('tcp', 'counting', String(counting.port), server.upstreamUrl, ['--access-log']);
    await waitForRoute(server.proxyUrl, 'ws-svc');
    await waitForRoute(server.proxyUrl, 'plain');
  });

  afterAll(async () => {
    for (const agent of Object.values(agents)) await agent.stop();
    await server?.process.stop();
    await wsService?.close();
    await plain?.close();
    await new Promise((resolve) => counting?.server.close(resolve));
  });

  it('X-Forwarded-For carries plain IPv4 for an IPv4 client on a dual-stack socket, as the service sees it directly', async () => {
    // Directly, the service's own (IPv4) socket reports the client as 127.0.0.1.
    const direct = await RawHttpConnection.open(plainPort);
    direct.send('GET /xff HTTP/1.1\r\nHost: plain.test\r\n\r\n');
    const directIp = (JSON.parse((await direct.readResponse()).body) as { remoteAddress: string }).remoteAddress;
    direct.destroy();
    expect(directIp).toBe('127.0.0.1');

    const res = await fetch(`${server.proxyUrl}/xff`, { headers: { 'x-piko-endpoint': 'plain' } });
    const seen = (await res.json()) as { headers: Record<string, string> };
    expect(seen.headers['x-forwarded-for']).toBe(directIp);
  });

  it('a WebSocket session: one line at the proxy and one at the agent, with bytes, duration and close reason', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.proxyPort}/ws?token=secret`, { headers: { 'x-piko-endpoint': 'ws-svc' } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send('hello over a websocket'); // 22 bytes: 28 on the wire (masked, 6-byte header)
    await new Promise((resolve) => ws.once('message', resolve)); // 24 bytes back (2-byte header)
    ws.close(1000);
    await new Promise((resolve) => ws.once('close', resolve));

    const proxyLine = await logLine(server.process, 'upgrade', { endpointId: 'ws-svc' });
    expect(proxyLine).toMatchObject({ level: 'info', result: 'upgraded', status: 101, path: '/ws', upgrade: 'websocket' });
    // The frames each way plus the close frames: at least the message's.
    expect(proxyLine.bytesIn).toBeGreaterThanOrEqual(28);
    expect(proxyLine.bytesOut).toBeGreaterThanOrEqual(24);
    expect(typeof proxyLine.durationMs).toBe('number');
    expect(proxyLine.closeReason).toMatch(/closed/);
    // The query string (tokens ride there) is never logged.
    expect(server.process.logs).not.toContain('secret');

    const agentLine = await logLine(agents.ws, 'request', { status: 101 });
    expect(agentLine).toMatchObject({ level: 'info', upgrade: true, path: '/ws', method: 'GET' });
    expect(agentLine.bytesIn).toBeGreaterThan(28);
    expect(agentLine.bytesOut).toBeGreaterThan(24);
  });

  it('a declined upgrade: the proxy logs it with the upstream status, and the next request on the connection as a request', async () => {
    const conn = await RawHttpConnection.open(server.proxyPort);
    conn.send('GET /declined HTTP/1.1\r\nHost: proxy.test\r\nx-piko-endpoint: plain\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
    const first = await conn.readResponse();
    conn.send('GET /after-declined HTTP/1.1\r\nHost: proxy.test\r\nx-piko-endpoint: plain\r\n\r\n');
    await conn.readResponse();
    conn.destroy();

    const line = await logLine(server.process, 'upgrade', { path: '/declined' });
    expect(line).toMatchObject({ level: 'info', endpointId: 'plain', result: 'declined', status: 200, upgrade: 'h2c', keptAlive: true });
    expect(line.bytesOut).toBe(first.body.length);
    expect(line.closeReason).toMatch(/kept/);
    await logLine(server.process, 'request', { path: '/after-declined', status: 200 });
  });

  it('a TCP connection: one line at the proxy and one at the agent, bytes each way and who closed', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.proxyPort}/_piko/v1/tcp/counting`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    let reply = '';
    ws.on('message', (data: Buffer) => (reply += data.toString()));
    ws.send(Buffer.alloc(1000, 1));
    ws.send(Buffer.alloc(0)); // FIN (the half-close marker of the TCP route)
    await new Promise((resolve) => ws.once('close', resolve));
    expect(reply).toBe('1000 bytes\n');

    const proxyLine = await logLine(server.process, 'tcp connection', { endpointId: 'counting' });
    expect(proxyLine).toMatchObject({ level: 'info', bytesIn: 1000, bytesOut: reply.length, closeReason: 'client closed' });
    expect(typeof proxyLine.durationMs).toBe('number');

    const agentLine = await logLine(agents.tcp, 'connection', {});
    expect(agentLine).toMatchObject({ level: 'info', endpointId: 'counting', bytesIn: 1000, bytesOut: reply.length, closeReason: 'client closed' });
  });
});
