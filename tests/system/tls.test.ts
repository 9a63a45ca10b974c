import { copyFileSync } from 'node:fs';
import { connect as netConnect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';
import { type CertFiles, freePort, ManagedProcess, TestPki, waitFor } from '@piko/testing';
import { PIKO_BIN } from './support/piko';
import { curlOutcome as curl } from './support/tls-outcome';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(120_000);

/** `<port>.tls.handshake_timeout` of the server under test, in seconds. */
const HANDSHAKE_TIMEOUT_S = 3;

/**
 * Opens a TCP connection to `port` that never finishes a TLS handshake (sends nothing, or half a
 * ClientHello record header) and resolves with how long the server took to close it, in ms, or
 * 'held' when it was still open after `boundMs`.
 */
async function unfinishedHandshake(port: number, partial: boolean, boundMs: number): Promise<number | 'held'> {
  const socket = netConnect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  const start = Date.now();
  if (partial) socket.write(Buffer.from([0x16, 0x03, 0x01]));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - start)));
  const held = new Promise<'held'>((resolve) => setTimeout(() => resolve('held'), boundMs).unref());
  const outcome = await Promise.race([closed, held]);
  socket.destroy();
  return outcome;
}

/** The subject CN a new TLS connection to the port is served (no verification: only the certificate is looked at). */
function servedCn(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cn = String(socket.getPeerCertificate().subject.CN);
      socket.destroy();
      resolve(cn);
    });
    socket.once('error', reject);
  });
}

/** Plain TCP echo service, for the tunnelled TCP path. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

// Every public port of `piko server` over TLS, driven by curl, the agent, piko forward and a
// WebSocket client: trusted and untrusted CAs, an expired certificate, mutual TLS on the admin
// port, server_name, and a certificate rotation while connections stay open.
describe('TLS on the proxy, upstream and admin ports (piko server, real clients)', () => {
  let pki: TestPki;
  let otherCa: CertFiles;
  let proxyLive: CertFiles;
  let adminClient: CertFiles;
  let strangerClient: CertFiles;
  let server: ManagedProcess;
  let agent: ManagedProcess;
  let service: UpstreamService;
  let servicePort: number;
  const ports = { proxy: 0, upstream: 0, admin: 0 };
  const processes: ManagedProcess[] = [];

  const adminCurl = (extra: string[]) => curl(['--cacert', pki.ca.cert, ...extra, `https://127.0.0.1:${ports.admin}/ready`]);

  beforeAll(async () => {
    pki = TestPki.create();
    otherCa = pki.newCa('other-ca');
    const proxyCert = pki.issue({ cn: 'proxy-1' });
    // The upstream certificate names a host only: agents dialing by IP need connect.tls.server_name.
    const upstreamCert = pki.issue({ cn: 'upstream', san: 'DNS:piko.test' });
    const adminCert = pki.issue({ cn: 'admin' });
    adminClient = pki.issue({ cn: 'operator', usage: 'client' });
    strangerClient = pki.issue({ cn: 'stranger', usage: 'client', ca: otherCa });
    proxyLive = { cert: join(pki.dir, 'proxy-live.crt'), key: join(pki.dir, 'proxy-live.key') };
    copyFileSync(proxyCert.cert, proxyLive.cert);
    copyFileSync(proxyCert.key, proxyLive.key);

    service = new UpstreamService('service-tls');
    servicePort = await service.listen();
    [ports.proxy, ports.upstream, ports.admin] = [await freePort(), await freePort(), await freePort()];
    server = ManagedProcess.start('piko server (tls)', 'node', [
      PIKO_BIN, 'server',
      '--proxy.bind-addr', `127.0.0.1:${ports.proxy}`,
      '--upstream.bind-addr', `127.0.0.1:${ports.upstream}`,
      '--admin.bind-addr', `127.0.0.1:${ports.admin}`,
      '--proxy.tls.cert', proxyLive.cert, '--proxy.tls.key', proxyLive.key,
      '--upstream.tls.cert', upstreamCert.cert, '--upstream.tls.key', upstreamCert.key,
      '--admin.tls.cert', adminCert.cert, '--admin.tls.key', adminCert.key, '--admin.tls.client-cas', pki.ca.cert,
      ...['proxy', 'upstream', 'admin'].flatMap((port) => [`--${port}.tls.handshake-timeout`, `${HANDSHAKE_TIMEOUT_S}s`]),
    ]);
    processes.push(server);
    await waitFor('piko server ready over TLS', async () => ((await adminCurl(['--cert', adminClient.cert, '--key', adminClient.key])).status === 200 ? true : undefined), 20_000);

    agent = ManagedProcess.start('piko agent (tls)', 'node', [
      PIKO_BIN, 'agent', 'http', 'secure-svc', String(servicePort),
      '--connect.url', `https://127.0.0.1:${ports.upstream}`,
      '--connect.tls.root-cas', pki.ca.cert,
      '--connect.tls.server-name', 'piko.test',
    ]);
    processes.push(agent);
    await agent.waitForOutput(/connected/i);
    await waitFor('route over TLS', async () => {
      const res = await curl(['--cacert', pki.ca.cert, '-H', 'x-piko-endpoint: secure-svc', `https://127.0.0.1:${ports.proxy}/`]);
      return res.status === 200 ? true : undefined;
    });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await service?.close();
    pki?.remove();
  });

  it('closes a connection whose TLS handshake does not finish within tls.handshake_timeout, on every port', async () => {
    // The proxy port used to answer a timed-out handshake with a plain-text 400 that could never
    // leave, and kept the connection for as long as the client liked; the others held it 120 s.
    const outcomes = await Promise.all(
      [ports.proxy, ports.upstream, ports.admin].flatMap((port) => [unfinishedHandshake(port, false, 15_000), unfinishedHandshake(port, true, 15_000)]),
    );
    for (const outcome of outcomes) {
      expect(outcome).not.toBe('held');
      expect(outcome).toBeGreaterThanOrEqual(HANDSHAKE_TIMEOUT_S * 1000 - 100);
    }
    // And the port still serves.
    const res = await curl(['--cacert', pki.ca.cert, '-H', 'x-piko-endpoint: secure-svc', `https://127.0.0.1:${ports.proxy}/after`]);
    expect(res.status).toBe(200);
  });

  it('proxies HTTPS requests like the direct path, with X-Forwarded-Proto: https', async () => {
    const tunnelled = await curl(['--cacert', pki.ca.cert, '-H', 'x-piko-endpoint: secure-svc', `https://127.0.0.1:${ports.proxy}/hello?x=1`]);
    const direct = await curl([`http://127.0.0.1:${servicePort}/hello?x=1`]);
    expect(tunnelled.exit).toBe(0);
    expect(tunnelled.status).toBe(direct.status);
    const [t, d] = [JSON.parse(tunnelled.body), JSON.parse(direct.body)];
    expect({ method: t.method, url: t.url, name: t.name }).toEqual({ method: d.method, url: d.url, name: d.name });
    expect(t.headers['x-forwarded-proto']).toBe('https');
  });

  it('is refused by clients that do not trust its CA, and serves no plain HTTP', async () => {
    const untrusted = await curl(['--cacert', otherCa.cert, '-H', 'x-piko-endpoint: secure-svc', `https://127.0.0.1:${ports.proxy}/`]);
    expect(untrusted.exit).toBe(60);
    expect(untrusted.error).toMatch(/certificate/i);
    const plain = await curl(['-H', 'x-piko-endpoint: secure-svc', `http://127.0.0.1:${ports.proxy}/`]);
    expect(plain.status).not.toBe(200);
  });

  it('requires a client certificate from client_cas on the admin port (mutual TLS)', async () => {
    expect((await adminCurl(['--cert', adminClient.cert, '--key', adminClient.key])).status).toBe(200);
    const anonymous = await adminCurl([]);
    expect(anonymous.status).not.toBe(200);
    expect(anonymous.exit).not.toBe(0);
    const stranger = await adminCurl(['--cert', strangerClient.cert, '--key', strangerClient.key]);
    expect(stranger.status).not.toBe(200);
    expect(stranger.exit).not.toBe(0);
  });

  it('an agent that does not trust the upstream port, or checks the wrong name, never registers', async () => {
    const wrongCa = ManagedProcess.start('agent (wrong CA)', 'node', [
      PIKO_BIN, 'agent', 'http', 'never-svc', String(servicePort),
      '--connect.url', `https://127.0.0.1:${ports.upstream}`, '--connect.tls.root-cas', otherCa.cert, '--connect.tls.server-name', 'piko.test',
    ]);
    const wrongName = ManagedProcess.start('agent (no server_name)', 'node', [
      PIKO_BIN, 'agent', 'http', 'never-svc', String(servicePort),
      '--connect.url', `https://127.0.0.1:${ports.upstream}`, '--connect.tls.root-cas', pki.ca.cert,
    ]);
    processes.push(wrongCa, wrongName);
    await wrongCa.waitForOutput(/certificate|unable to verify/i, 20_000);
    await wrongName.waitForOutput(/altnames|does not match|certificate/i, 20_000);
    const res = await curl(['--cacert', pki.ca.cert, '-H', 'x-piko-endpoint: never-svc', `https://127.0.0.1:${ports.proxy}/`]);
    expect(res.status).toBe(502);
    expect(wrongCa.logs).not.toMatch(/"connected"|registered/);
  });

  it('carries TCP from piko forward (over wss) through an agent (over wss)', async () => {
    const echo = await echoServer();
    const forwardPort = await freePort();
    try {
      const tcpAgent = ManagedProcess.start('piko agent tcp (tls)', 'node', [
        PIKO_BIN, 'agent', 'tcp', 'echo-tls', String(echo.port),
        '--connect.url', `https://127.0.0.1:${ports.upstream}`, '--connect.tls.root-cas', pki.ca.cert, '--connect.tls.server-name', 'piko.test',
      ]);
      processes.push(tcpAgent);
      await tcpAgent.waitForOutput(/connected/i);
      const forward = ManagedProcess.start('piko forward (tls)', 'node', [
        PIKO_BIN, 'forward', 'tcp', String(forwardPort), 'echo-tls',
        '--connect.url', `https://127.0.0.1:${ports.proxy}`, '--connect.tls.root-cas', pki.ca.cert,
      ]);
      processes.push(forward);
      await forward.waitForOutput(`${forwardPort}`);
      const payload = `hello over tls ${Date.now()}`;
      const echoed = await waitFor('echo through forward', () => ncRoundTrip(forwardPort, payload), 20_000);
      expect(echoed).toBe(payload);
    } finally {
      echo.server.close();
    }
  });

  it('serves a replaced certificate to new connections without dropping open ones, and an expired one is refused', async () => {
    // An open WebSocket and an open keep-alive connection, both made before the rotation.
    const ws = new WebSocket(`wss://127.0.0.1:${ports.proxy}/ws`, { ca: pki.read(pki.ca.cert), headers: { 'x-piko-endpoint': 'secure-svc' } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const echo = (text: string) =>
      new Promise<string>((resolve, reject) => {
        ws.once('message', (data) => resolve(data.toString()));
        ws.once('error', reject);
        ws.send(text);
      });
    expect(await echo('before')).toBe('before');
    expect(await servedCn(ports.proxy)).toBe('proxy-1');

    const rotated = pki.issue({ cn: 'proxy-2' });
    copyFileSync(rotated.key, proxyLive.key);
    copyFileSync(rotated.cert, proxyLive.cert);
    await waitFor('the new certificate on new connections', async () => ((await servedCn(ports.proxy)) === 'proxy-2' ? true : undefined), 20_000);
    const after = await curl(['--cacert', pki.ca.cert, '-H', 'x-piko-endpoint: secure-svc', `https://127.0.0.1:${ports.proxy}/`]);
    expect(after.status).toBe(200);
    expect(await echo('after the rotation')).toBe('after the rotation');
    expect(ws.readyState).toBe(WebSocket.OPEN);

    const expired = pki.issue({ cn: 'proxy-expired', days: -1 });
    copyFileSync(expired.key, proxyLive.key);
    copyFileSync(expired.cert, proxyLive.cert);
    await waitFor('the expired certificate on new connections', async () => ((await servedCn(ports.proxy)) === 'proxy-expired' ? true : undefined), 20_000);
    const refused = await curl(['--cacert', pki.ca.cert, '-H', 'x-piko-endpoint: secure-svc', `https://127.0.0.1:${ports.proxy}/`]);
    expect(refused.exit).toBe(60);
    expect(refused.error).toMatch(/expired/i);
    expect(await echo('still open')).toBe('still open');
    ws.close();
  });
});

/** Writes `payload` to a TCP port and resolves with what comes back once as much has arrived. */
function ncRoundTrip(port: number, payload: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (received.length >= payload.length) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.once('error', () => resolve(undefined));
    socket.once('close', () => resolve(received.length >= payload.length ? received : undefined));
    socket.write(payload);
  });
}
