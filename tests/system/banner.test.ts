import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { Dialer } from '@piko/client';
import { freePort, type ManagedProcess, waitFor } from '@piko/testing';
import { BannerService } from './support/banner-service';
import { TestCluster } from './support/cluster';
import { type PikoServer, startAgent, startPikoServer } from './support/piko';
import { startTcpForward } from './support/piko-tcp';

jest.setTimeout(300_000);

/** Short connections per path, one after another: the loss was 1–3 % of them. */
const CONNECTIONS = 400;
const BANNER = /^banner \d+\nend\n$/;

/** One TCP connection: says one line, reads to EOF. */
function viaTcp(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('bye\n'));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.once('end', () => resolve(received));
    socket.once('error', reject);
  });
}

/** One connection through the SDK's Dialer (what `piko forward` uses). */
async function viaDialer(dialer: Dialer): Promise<string> {
  const conn: Duplex = await dialer.dial('banner');
  let received = '';
  conn.on('data', (chunk: Buffer) => (received += chunk.toString()));
  conn.write('bye\n');
  await new Promise<void>((resolve, reject) => {
    conn.once('end', resolve);
    conn.once('error', reject);
  });
  conn.end();
  return received;
}

/** One raw WebSocket to the proxy's TCP route, listening for messages from before the handshake. */
function viaWebSocket(proxyPort: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/_piko/v1/tcp/banner`);
    let received = '';
    ws.on('message', (data: Buffer) => {
      received += data.toString();
      if (received.endsWith('end\n')) ws.close();
    });
    ws.once('open', () => ws.send(Buffer.from('bye\n')));
    ws.once('close', () => resolve(received));
    ws.once('error', reject);
  });
}

/** Runs `connect` CONNECTIONS times, one after another; returns what each connection that missed the banner got. */
async function bannersLost(connect: () => Promise<string>): Promise<string[]> {
  const lost: string[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const received = await connect();
    if (!BANNER.test(received)) lost.push(received);
  }
  return lost;
}

// Issue 7, item 8a: a service that speaks first (SSH, SMTP, MySQL, PostgreSQL) must have its first
// bytes delivered on every connection. They arrive at the client right behind the WebSocket's 101,
// often in the same read; a listener attached after the 'open' event missed them.
describe('data a server sends first is never lost (piko server, agent tcp, forward tcp)', () => {
  let dir: string;
  let service: BannerService;
  let servicePort: number;
  let server: PikoServer;
  let agent: ManagedProcess;
  let forward: ManagedProcess;
  let forwardPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'piko-banner-'));
    service = new BannerService();
    servicePort = await service.listen();
    server = await startPikoServer();
    agent = await startAgent('tcp', 'banner', String(servicePort), server.upstreamUrl);
    forwardPort = await freePort();
    forward = await startTcpForward([{ endpointId: 'banner', addr: '', forwardPort }], server.proxyUrl, dir);
  });

  afterAll(async () => {
    await forward?.stop();
    await agent?.stop();
    await server?.process.stop();
    await service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`directly: ${CONNECTIONS} connections, every one gets its banner`, async () => {
    expect(await bannersLost(() => viaTcp(servicePort))).toEqual([]);
  });

  it(`raw WebSocket to /_piko/v1/tcp/:id: ${CONNECTIONS} connections, every one gets its banner`, async () => {
    expect(await bannersLost(() => viaWebSocket(server.proxyPort))).toEqual([]);
  });

  it(`SDK Dialer.dial: ${CONNECTIONS} connections, every one gets its banner`, async () => {
    const dialer = new Dialer({ url: server.proxyUrl });
    expect(await bannersLost(() => viaDialer(dialer))).toEqual([]);
  });

  it(`piko forward tcp → proxy → piko agent tcp: ${CONNECTIONS} connections, every one gets its banner`, async () => {
    const before = service.connections;
    expect(await bannersLost(() => viaTcp(forwardPort))).toEqual([]);
    expect(service.connections - before).toBe(CONNECTIONS);
  });
});

describe('data a server sends first is never lost (cluster: forward → proxy → relay → gateway → agent)', () => {
  let dir: string;
  let service: BannerService;
  let cluster: TestCluster;
  let agent: ManagedProcess;
  let forward: ManagedProcess;
  let forwardPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'piko-banner-cluster-'));
    service = new BannerService();
    const servicePort = await service.listen();
    cluster = await TestCluster.start();
    const gateway = await cluster.gateway('gateway-1');
    const proxy = await cluster.proxy('proxy-1');
    agent = await startAgent('tcp', 'banner', String(servicePort), gateway.url);
    // The proxy learns the route from the registry's events: wait until a dial gets through.
    const dialer = new Dialer({ url: proxy.url });
    await waitFor('route to banner through the cluster', async () => {
      try {
        (await dialer.dial('banner')).destroy();
        return true;
      } catch {
        return undefined;
      }
    });
    forwardPort = await freePort();
    forward = await startTcpForward([{ endpointId: 'banner', addr: '', forwardPort }], proxy.url, dir);
  });

  afterAll(async () => {
    await forward?.stop();
    await agent?.stop();
    await cluster?.stop();
    await service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`${CONNECTIONS} connections through the cluster, every one gets its banner`, async () => {
    expect(await bannersLost(() => viaTcp(forwardPort))).toEqual([]);
  });
});
