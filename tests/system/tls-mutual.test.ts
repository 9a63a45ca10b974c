import { execFile } from 'node:child_process';
import { type CertFiles, freePort, ManagedProcess, TestPki, waitFor } from '@piko/testing';
import { PIKO_BIN } from './support/piko';
import { RecordingService } from './support/recording-service';
import { curlOutcome, httpsOutcome } from './support/tls-outcome';

jest.setTimeout(180_000);

/** Runs `piko agent …` to its end (it gives up after --connect.timeout); the kill timeout only stops a hung one. */
function agentToExit(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [PIKO_BIN, 'agent', ...args], { timeout: 60_000, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      resolve({ code: err ? (((err as { code?: number | string }).code as number | null) ?? null) : 0, stderr });
    });
  });
}

/** The lines of stderr that are not JSON log lines: what the agent says when it gives up. */
const plainLines = (stderr: string) => stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{'));

// Mutual TLS on the proxy, upstream and admin ports of a real `piko server`: only clients with a
// certificate from the port's client_cas get past the handshake. Client certificates come from a
// CA of their own, so a certificate the servers' CA signed (trusted for server certificates,
// not listed in client_cas) must be refused too.
describe('mutual TLS on the proxy, upstream and admin ports (piko server, real agent, curl and Node clients)', () => {
  let pki: TestPki;
  let clientCa: CertFiles;
  let agentCert: CertFiles;
  let clientCert: CertFiles;
  let serverCaClient: CertFiles;
  let strangerClient: CertFiles;
  let server: ManagedProcess;
  let agent: ManagedProcess;
  const service = new RecordingService();
  const ports = { proxy: 0, upstream: 0, admin: 0 };
  const processes: ManagedProcess[] = [];

  const proxyUrl = (path: string) => `https://127.0.0.1:${ports.proxy}${path}`;
  const proxyCurl = (path: string, cert?: CertFiles) =>
    curlOutcome(['--cacert', pki.ca.cert, ...(cert ? ['--cert', cert.cert, '--key', cert.key] : []), '-H', 'x-piko-endpoint: mtls-svc', proxyUrl(path)]);
  const withCert = (cert?: CertFiles) => ({ ca: pki.read(pki.ca.cert), ...(cert ? { cert: pki.read(cert.cert), key: pki.read(cert.key) } : {}) });
  const proxyHttps = (path: string, cert?: CertFiles) => httpsOutcome(proxyUrl(path), { ...withCert(cert), headers: { 'x-piko-endpoint': 'mtls-svc' } });

  beforeAll(async () => {
    pki = TestPki.create();
    clientCa = pki.newCa('client-ca');
    const proxyCert = pki.issue({ cn: 'proxy' });
    const upstreamCert = pki.issue({ cn: 'upstream' });
    const adminCert = pki.issue({ cn: 'admin' });
    agentCert = pki.issue({ cn: 'agent', usage: 'client', ca: clientCa });
    clientCert = pki.issue({ cn: 'client', usage: 'client', ca: clientCa });
    serverCaClient = pki.issue({ cn: 'signed-by-the-server-ca', usage: 'client' });
    strangerClient = pki.issue({ cn: 'stranger', usage: 'client', ca: pki.newCa('stranger-ca') });

    await service.listen();
    [ports.proxy, ports.upstream, ports.admin] = [await freePort(), await freePort(), await freePort()];
    server = ManagedProcess.start('piko server (mtls)', 'node', [
      PIKO_BIN, 'server',
      '--proxy.bind-addr', `127.0.0.1:${ports.proxy}`,
      '--upstream.bind-addr', `127.0.0.1:${ports.upstream}`,
      '--admin.bind-addr', `127.0.0.1:${ports.admin}`,
      '--proxy.tls.cert', proxyCert.cert, '--proxy.tls.key', proxyCert.key, '--proxy.tls.client-cas', clientCa.cert,
      '--upstream.tls.cert', upstreamCert.cert, '--upstream.tls.key', upstreamCert.key, '--upstream.tls.client-cas', clientCa.cert,
      '--admin.tls.cert', adminCert.cert, '--admin.tls.key', adminCert.key, '--admin.tls.client-cas', clientCa.cert,
    ]);
    processes.push(server);
    await waitFor('piko server ready over mutual TLS', async () => ((await httpsOutcome(`https://127.0.0.1:${ports.admin}/ready`, withCert(clientCert))).status === 200 ? true : undefined), 60_000, () => server.exitedBefore('ready'));

    agent = ManagedProcess.start('piko agent (mtls)', 'node', [
      PIKO_BIN, 'agent', 'http', 'mtls-svc', String(service.port),
      '--connect.url', `https://127.0.0.1:${ports.upstream}`,
      '--connect.tls.root-cas', pki.ca.cert, '--connect.tls.cert', agentCert.cert, '--connect.tls.key', agentCert.key,
    ]);
    processes.push(agent);
    await agent.waitForOutput('"connected"', 30_000);
    await waitFor('route over mutual TLS', async () => ((await proxyHttps('/warm-up', clientCert)).status === 200 ? true : undefined), 20_000);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await service.close();
    pki?.remove();
  });

  it('an agent with a certificate from client_cas connects and serves; clients with one get 200 (curl and Node)', async () => {
    const before = service.requests.length;
    const byCurl = await proxyCurl('/by-curl', clientCert);
    expect({ exit: byCurl.exit, status: byCurl.status, body: byCurl.body }).toEqual({ exit: 0, status: 200, body: 'served /by-curl' });
    const byNode = await proxyHttps('/by-node', clientCert);
    expect({ status: byNode.status, body: byNode.body }).toEqual({ status: 200, body: 'served /by-node' });
    expect(service.requests.slice(before)).toEqual(['GET /by-curl', 'GET /by-node']);
    expect(server.logs).toMatch(/"endpointId":"mtls-svc".*"msg":"upstream connected"/);
  });

  it('a client without a certificate, or with one client_cas did not sign, gets no HTTP answer and reaches nothing', async () => {
    const before = service.requests.length;
    for (const cert of [undefined, serverCaClient, strangerClient]) {
      const byCurl = await proxyCurl('/refused', cert);
      // No HTTP answer at all: curl fails (56 after the server's alert, 52/56 after its close).
      expect({ cert: cert?.cert, status: byCurl.status, failed: byCurl.exit !== 0, body: byCurl.body }).toEqual({ cert: cert?.cert, status: 0, failed: true, body: '' });
      // Without a certificate the server's TLS alert says why; an untrusted one is met with a close.
      if (!cert) expect(byCurl.error).toMatch(/alert certificate required/);
      const byNode = await proxyHttps('/refused', cert);
      expect({ cert: cert?.cert, status: byNode.status, failed: byNode.error !== '' }).toEqual({ cert: cert?.cert, status: 0, failed: true });
      if (!cert) expect(byNode.error).toMatch(/alert certificate required/);
    }
    expect(service.requests.slice(before)).toEqual([]);
  });

  it('an agent without a client certificate cannot connect, and says the server requires one', async () => {
    const { code, stderr } = await agentToExit([
      'http', 'no-cert-svc', String(service.port), '--connect.url', `https://127.0.0.1:${ports.upstream}`,
      '--connect.tls.root-cas', pki.ca.cert, '--connect.timeout', '2s',
    ]);
    expect(code).toBe(1);
    expect(plainLines(stderr)).toEqual([
      expect.stringMatching(/^piko agent: connect wss:\/\/127\.0\.0\.1:\d+\/piko\/v1\/upstream\/no-cert-svc: TLS handshake failed: the server requires a client certificate \(mutual TLS\)/),
    ]);
    expect(server.logs).not.toContain('"endpointId":"no-cert-svc"');
    expect((await proxyHttps('/', clientCert)).status).toBe(200); // the real endpoint is still served
    const unserved = await httpsOutcome(proxyUrl('/'), { ...withCert(clientCert), headers: { 'x-piko-endpoint': 'no-cert-svc' } });
    expect(unserved.status).toBe(502);
  });

  it('an agent whose certificate client_cas did not sign cannot connect, and says the certificate was refused', async () => {
    for (const [name, cert] of [['server-ca', serverCaClient], ['stranger', strangerClient]] as const) {
      const { code, stderr } = await agentToExit([
        'http', `${name}-svc`, String(service.port), '--connect.url', `https://127.0.0.1:${ports.upstream}`,
        '--connect.tls.root-cas', pki.ca.cert, '--connect.tls.cert', cert.cert, '--connect.tls.key', cert.key, '--connect.timeout', '2s',
      ]);
      expect(code).toBe(1);
      expect(plainLines(stderr)).toEqual([
        expect.stringMatching(new RegExp(`^piko agent: connect wss://127\\.0\\.0\\.1:\\d+/piko/v1/upstream/${name}-svc: TLS handshake failed: the server refused the client certificate`)),
      ]);
      expect(server.logs).not.toContain(`"endpointId":"${name}-svc"`);
    }
  });

  it('the admin port answers only clients with a certificate from client_cas (Node client)', async () => {
    const admin = (cert?: CertFiles) => httpsOutcome(`https://127.0.0.1:${ports.admin}/api/v1/endpoints`, withCert(cert));
    const allowed = await admin(clientCert);
    expect(allowed.status).toBe(200);
    expect(allowed.body).toContain('mtls-svc');
    for (const cert of [undefined, serverCaClient, strangerClient]) {
      const refused = await admin(cert);
      expect({ cert: cert?.cert, status: refused.status, body: refused.body }).toEqual({ cert: cert?.cert, status: 0, body: '' });
    }
  });
});
