import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ManagedProcess, TestPki, waitFor } from '@piko/testing';
import { PIKO_BIN, type PikoServer, startPikoServer, waitForRoute } from './support/piko';

jest.setTimeout(180_000);

// Issue 8, "TLS everywhere": "the agent may speak TLS to its local service". A listener whose addr
// is an https:// URL reaches the service over TLS, verified with the listener's `tls` block
// (root_cas, server_name; cert/key for a service that requires client certificates;
// insecure_skip_verify). Real
// `piko server` and `piko agent start` processes, a real HTTPS service, certificates from openssl.

interface Answer {
  status: number;
  body: string;
}

async function viaPiko(server: PikoServer, endpointId: string, path: string): Promise<Answer> {
  const res = await fetch(`${server.proxyUrl}${path}`, { headers: { 'x-piko-endpoint': endpointId } });
  return { status: res.status, body: await res.text() };
}

describe('the agent reaches an https:// local service over verified TLS', () => {
  let pki: TestPki;
  let service: Server;
  let servicePort: number;
  /** Every request target the service received. */
  const seen: string[] = [];
  let server: PikoServer;
  const agents: ManagedProcess[] = [];

  beforeAll(async () => {
    pki = TestPki.create();
    // The service's certificate names a host only: the agent dials 127.0.0.1 and must verify
    // `service.test` (listeners[].tls.server_name).
    const serviceCert = pki.issue({ cn: 'service.test', san: 'DNS:service.test' });
    const agentClient = pki.issue({ cn: 'piko-agent', usage: 'client' });
    // Mutual TLS: the service asks every client for a certificate from the same CA, and answers
    // with the subject it saw (or "anonymous" on its /open path, which any TLS client may call).
    service = createServer({ cert: readPem(serviceCert.cert), key: readPem(serviceCert.key), ca: readPem(pki.ca.cert), requestCert: true, rejectUnauthorized: false }, (req, res) => {
      seen.push(req.url ?? '');
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      if (!req.url?.startsWith('/open') && !socket.authorized) {
        res.writeHead(401).end('client certificate required');
        return;
      }
      res.end(JSON.stringify({ path: req.url, client: peer?.subject?.CN ?? 'anonymous', tls: socket.getProtocol() }));
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    servicePort = (service.address() as AddressInfo).port;
    server = await startPikoServer();

    const config = (name: string, tls: string): string => {
      const path = join(pki.dir, `${name}.yaml`);
      writeFileSync(path, `listeners:\n  - endpoint_id: ${name}\n    addr: https://127.0.0.1:${servicePort}\n    protocol: http\n    access_log: false\n${tls}`);
      return path;
    };
    const start = (name: string, tls: string): ManagedProcess => {
      const agent = ManagedProcess.start(`piko agent ${name}`, 'node', [PIKO_BIN, 'agent', 'start', '--config.path', config(name, tls), '--connect.url', server.upstreamUrl]);
      agents.push(agent);
      return agent;
    };
    const verified = `    tls:\n      root_cas: ${pki.ca.cert}\n      server_name: service.test\n`;
    await start('verified', verified).waitForOutput(/connected|registered/i);
    await start('mutual', `${verified}      cert: ${agentClient.cert}\n      key: ${agentClient.key}\n`).waitForOutput(/connected|registered/i);
    // The system's roots do not know the test CA; the wrong name fails verification.
    await start('untrusted', '').waitForOutput(/connected|registered/i);
    await start('wrong-name', `    tls:\n      root_cas: ${pki.ca.cert}\n      server_name: other.test\n`).waitForOutput(/connected|registered/i);
    // No CA and no name: verification off altogether.
    await start('skip-verify', `    tls:\n      insecure_skip_verify: true\n`).waitForOutput(/connected|registered/i);
    for (const name of ['verified', 'mutual', 'skip-verify']) await waitForRoute(server.proxyUrl, name);
    // The others answer 502 once routed too: from the agent, not the proxy's "no available upstreams".
    for (const name of ['untrusted', 'wrong-name']) {
      await waitFor(`route to ${name}`, async () => (!(await viaPiko(server, name, '/open')).body.includes('no available upstreams') ? true : undefined));
    }
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.process.stop();
    await new Promise((resolve) => service?.close(resolve));
    pki?.remove();
  });

  it('with root_cas and server_name: the request reaches the service over TLS, as a direct https client would', async () => {
    const direct = await new Promise<Answer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: servicePort, path: '/open/x?a=1', ca: readPem(pki.ca.cert), servername: 'service.test' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.once('error', reject);
      req.end();
    });
    const piko = await viaPiko(server, 'verified', '/open/x?a=1');
    expect(piko).toEqual(direct);
    expect(JSON.parse(piko.body)).toMatchObject({ path: '/open/x?a=1', client: 'anonymous', tls: expect.stringMatching(/^TLSv1\.[23]$/) });
  });

  it('with a client certificate (listeners[].tls.cert/key): a service requiring mutual TLS sees the agent', async () => {
    expect(await viaPiko(server, 'verified', '/private')).toEqual({ status: 401, body: 'client certificate required' });
    const piko = await viaPiko(server, 'mutual', '/private');
    expect(piko.status).toBe(200);
    expect(JSON.parse(piko.body)).toMatchObject({ path: '/private', client: 'piko-agent' });
  });

  it('with insecure_skip_verify (no root_cas, no server_name): the request reaches the service', async () => {
    const piko = await viaPiko(server, 'skip-verify', '/open/skipped');
    expect(piko.status).toBe(200);
    expect(JSON.parse(piko.body)).toMatchObject({ path: '/open/skipped', client: 'anonymous' });
  });

  it('a service certificate the agent cannot verify (unknown CA, or a name it does not carry) is never spoken to: 502', async () => {
    for (const name of ['untrusted', 'wrong-name']) {
      const answer = await viaPiko(server, name, '/open/secret');
      expect(answer.status).toBe(502);
      expect(answer.body).not.toContain('/open/secret');
      expect(answer.body).not.toContain('no available upstreams');
    }
    expect(seen).not.toContain('/open/secret');
    const agentLogs = (name: string) => agents.find((a) => a.name === `piko agent ${name}`)?.logs ?? '';
    await waitFor('the agents say why', () =>
      /self[- ]signed|unable to verify|certificate/i.test(agentLogs('untrusted')) && /altname|does not match|Hostname\/IP/i.test(agentLogs('wrong-name')) ? true : undefined,
    );
    // An untrusted certificate's line says where the CA goes (a name mismatch is not that).
    expect(agentLogs('untrusted')).toContain('"hint":"trust the service\'s CA with the listener\'s tls.root_cas');
    expect(agentLogs('wrong-name')).not.toContain('"hint"');
  });
});

function readPem(path: string): string {
  return readFileSync(path, 'utf8');
}
