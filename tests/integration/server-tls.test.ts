import { copyFileSync } from 'node:fs';
import { Agent as HttpsAgent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { ConfigError } from '@piko/config';
import { createLogger } from '@piko/observability';
import { createPortServer, listen, ServerTls } from '@piko/runtime';
import { TestPki, waitFor } from '@piko/testing';
import { join } from 'node:path';

jest.setTimeout(60_000);

const logger = createLogger({ level: 'error' });

interface Exchange {
  /** The certificate the server presented (undefined if the handshake failed first). */
  cert?: PeerCertificate;
  /** What the server answered to one HTTP request ('' if nothing). */
  response: string;
  error?: Error;
}

/**
 * A fresh TLS connection to the port and one HTTP request over it. Under TLS 1.3 a refused client
 * certificate surfaces after the client's handshake completes, so success is judged by whether
 * an HTTP response came back, not by the handshake alone.
 */
function exchange(port: number, options: { ca: Buffer; cert?: Buffer; key?: Buffer; ciphers?: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3' }): Promise<Exchange> {
  return new Promise((resolve) => {
    const result: Exchange = { response: '' };
    const socket = connect({ host: '127.0.0.1', port, ...options }, () => {
      result.cert = socket.getPeerCertificate();
      socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    socket.on('data', (chunk: Buffer) => (result.response += chunk.toString()));
    socket.once('error', (err) => (result.error = err));
    socket.once('close', () => resolve(result));
  });
}

/** The subject CN a fresh connection is served (throws if the exchange failed). */
async function servedCn(port: number, ca: Buffer): Promise<string> {
  const result = await exchange(port, { ca });
  if (!result.response.startsWith('HTTP/1.1 200')) throw new Error(`no response: ${result.error?.message}`);
  return String(result.cert?.subject.CN ?? '');
}

/** One request on a given keep-alive agent; resolves with the local port of the connection used. */
function get(port: number, agent: HttpsAgent, ca: Buffer): Promise<{ status: number; localPort: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent, ca }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, localPort: req.socket?.localPort ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('ServerTls: a port serving TLS from files, reloaded when they change', () => {
  let pki: TestPki;

  beforeAll(() => {
    pki = TestPki.create();
  });

  afterAll(() => pki.remove());

  it('refuses at start, naming the key, files that do not make a TLS context', () => {
    const good = pki.issue({ cn: 'server' });
    const other = pki.issue({ cn: 'other' });
    const make = (cert: string, key: string, clientCas = '') => () => new ServerTls({ cert, key, clientCas }, 'proxy.tls', logger);
    expect(make('/nonexistent.pem', good.key)).toThrow(/proxy\.tls\.cert: cannot read \/nonexistent\.pem: ENOENT/);
    expect(make(good.cert, other.key)).toThrow(/proxy\.tls: .* do not make a TLS context: .*key values mismatch/);
    expect(make(good.key, good.key)).toThrow(/proxy\.tls\.cert: .* is not a PEM certificate/);
    expect(make(good.cert, good.key, good.key)).toThrow(/proxy\.tls\.client_cas: .* holds no PEM certificate/);
    expect(make(good.cert, good.key)).not.toThrow();
    try {
      make(good.cert, other.key)();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
    }
  });

  it('offers TLS 1.2 only with forward secrecy (ECDHE), as Go does, before and after a reload', async () => {
    // With an RSA certificate, Node's default list (ending in OpenSSL's HIGH) let a client settle
    // on RSA key exchange (AES128-SHA): no forward secrecy.
    const rsa = pki.issue({ cn: 'rsa', keyType: 'rsa' });
    const tls = new ServerTls({ ...rsa, clientCas: '' }, 'proxy.tls', logger, { pollIntervalMs: 50 });
    const server = createPortServer({}, tls, (_req, res) => res.end('ok'));
    const { port } = await listen(server as never, '127.0.0.1', 0) as AddressInfo;
    const ca = pki.read(pki.ca.cert);
    const tls12 = (ciphers: string) => exchange(port, { ca, ciphers, maxVersion: 'TLSv1.2' });
    try {
      for (let round = 0; round < 2; round++) {
        expect((await tls12('ECDHE-RSA-AES128-GCM-SHA256')).response).toMatch(/^HTTP\/1\.1 200/);
        expect((await tls12('ECDHE-RSA-AES256-SHA')).response).toMatch(/^HTTP\/1\.1 200/);
        for (const rsaKeyExchange of ['AES128-SHA', 'AES256-GCM-SHA384', 'AES128-GCM-SHA256']) {
          const refused = await tls12(rsaKeyExchange);
          expect(refused.response).toBe('');
          expect(refused.error?.message).toMatch(/handshake failure|no shared cipher|alert/i);
        }
        // A reload (setSecureContext) must not bring Node's defaults back.
        expect(tls.reload()).toBe(true);
      }
    } finally {
      tls.detach(server);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('serves new certificates after the files change, without dropping an open connection', async () => {
    const first = pki.issue({ cn: 'first' });
    const second = pki.issue({ cn: 'second' });
    const live = { cert: join(pki.dir, 'live.crt'), key: join(pki.dir, 'live.key') };
    copyFileSync(first.cert, live.cert);
    copyFileSync(first.key, live.key);
    const tls = new ServerTls({ ...live, clientCas: '' }, 'proxy.tls', logger, { pollIntervalMs: 50 });
    const server = createPortServer({ keepAliveTimeout: 60_000 }, tls, (_req, res) => res.end('ok'));
    const { port } = await listen(server as never, '127.0.0.1', 0) as AddressInfo;
    const ca = pki.read(pki.ca.cert);
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await servedCn(port, ca)).toBe('first');
      const before = await get(port, agent, ca);
      expect(before).toMatchObject({ status: 200, body: 'ok' });

      // Rotation: the key first, then the certificate (a moment where they do not match).
      copyFileSync(second.key, live.key);
      copyFileSync(second.cert, live.cert);
      await waitFor('new handshakes to get the new certificate', async () => ((await servedCn(port, ca)) === 'second' ? true : undefined));

      // The keep-alive connection opened before the rotation still carries requests.
      const after = await get(port, agent, ca);
      expect(after).toMatchObject({ status: 200, body: 'ok' });
      expect(after.localPort).toBe(before.localPort);
    } finally {
      agent.destroy();
      tls.detach(server);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps serving the last good certificate when the changed files do not load', async () => {
    const good = pki.issue({ cn: 'good' });
    const live = { cert: join(pki.dir, 'live2.crt'), key: join(pki.dir, 'live2.key') };
    copyFileSync(good.cert, live.cert);
    copyFileSync(good.key, live.key);
    const tls = new ServerTls({ ...live, clientCas: '' }, 'proxy.tls', logger, { pollIntervalMs: 50 });
    const server = createPortServer({}, tls, (_req, res) => res.end('ok'));
    const { port } = await listen(server as never, '127.0.0.1', 0) as AddressInfo;
    try {
      copyFileSync(pki.issue({ cn: 'mismatched' }).key, live.key);
      expect(tls.reload()).toBe(false);
      expect(await servedCn(port, pki.read(pki.ca.cert))).toBe('good');
    } finally {
      tls.detach(server);
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('under mutual TLS, refuses a client without a certificate or with one from another CA', async () => {
    const serverCert = pki.issue({ cn: 'server' });
    const client = pki.issue({ cn: 'client', usage: 'client' });
    const otherCa = pki.newCa('other-ca');
    const stranger = pki.issue({ cn: 'stranger', usage: 'client', ca: otherCa });
    const tls = new ServerTls({ ...serverCert, clientCas: pki.ca.cert }, 'admin.tls', logger);
    const server = createPortServer({}, tls, (_req, res) => res.end('ok'));
    const { port } = await listen(server as never, '127.0.0.1', 0) as AddressInfo;
    const ca = pki.read(pki.ca.cert);
    try {
      const trusted = await exchange(port, { ca, cert: pki.read(client.cert), key: pki.read(client.key) });
      expect(trusted.response).toMatch(/^HTTP\/1\.1 200/);
      const anonymous = await exchange(port, { ca });
      expect(anonymous.response).toBe('');
      expect(anonymous.error?.message).toMatch(/certificate required|handshake failure|ECONNRESET/);
      const foreign = await exchange(port, { ca, cert: pki.read(stranger.cert), key: pki.read(stranger.key) });
      // The server refuses with an alert (unknown ca) and closes; the client may see only the close.
      expect(foreign.response).toBe('');
    } finally {
      tls.detach(server);
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
