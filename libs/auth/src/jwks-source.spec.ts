import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportJWK, SignJWT } from 'jose';
import { noopLogger } from '@piko/observability';
import { JwksSource } from './jwks-source';
import { JwtVerifier } from './jwt-verifier';

interface Pair {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}
const pair = (kid: string): Pair => ({ kid, ...generateKeyPairSync('ec', { namedCurve: 'P-256' }) });

async function jwks(...pairs: Pair[]): Promise<string> {
  const keys = await Promise.all(pairs.map(async (p) => ({ ...(await exportJWK(p.publicKey)), kid: p.kid, alg: 'ES256', use: 'sig' })));
  return JSON.stringify({ keys });
}

const sign = (p: Pair) => new SignJWT({ piko: { endpoints: ['e'] } }).setProtectedHeader({ alg: 'ES256', kid: p.kid }).sign(p.privateKey);

function verifierOf(source: JwksSource): JwtVerifier {
  return new JwtVerifier({ jwks: source, audience: '', issuer: '', leewayMs: 0, disableDisconnectOnExpiry: false, requireEndpoints: false });
}

describe('JwksSource over HTTP', () => {
  let server: Server;
  let body = '';
  let status = 200;
  let fetches = 0;
  let url = '';

  beforeEach(async () => {
    fetches = 0;
    status = 200;
    server = createServer((_req, res) => {
      fetches++;
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies with the served keys and picks up a rotated key (unknown kid reloads)', async () => {
    const first = pair('k1');
    const second = pair('k2');
    body = await jwks(first);
    const source = await JwksSource.load({ endpoint: url, cacheTtlMs: 50, timeoutMs: 2_000, logger: noopLogger });
    const v = verifierOf(source);
    await expect(v.verify(await sign(first))).resolves.toMatchObject({ endpoints: ['e'] });

    // Rotation: the issuer now signs with k2 only, and the set no longer has k1.
    body = await jwks(second);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await expect(v.verify(await sign(second))).resolves.toMatchObject({ endpoints: ['e'] });
    expect(fetches).toBeGreaterThanOrEqual(2);
    // The retired key stops verifying once the set is reloaded.
    await new Promise((resolve) => setTimeout(resolve, 60));
    await source.reload();
    await expect(v.verify(await sign(first))).rejects.toMatchObject({ message: 'invalid token' });
  });

  it('reloads at once for the first unknown kid after a rotation, then rate-limits unknown kids', async () => {
    const first = pair('k1');
    const second = pair('k2');
    body = await jwks(first);
    const source = await JwksSource.load({ endpoint: url, cacheTtlMs: 60_000, timeoutMs: 2_000, logger: noopLogger });
    const v = verifierOf(source);
    body = await jwks(first, second);
    // Immediately after the start-up load, with a fresh set: the new kid still triggers a reload.
    await expect(v.verify(await sign(second))).resolves.toBeDefined();
    expect(fetches).toBe(2);
    // Random kids cannot make Piko fetch again and again.
    await expect(v.verify(await sign(pair('k3')))).rejects.toMatchObject({ message: 'invalid token' });
    await expect(v.verify(await sign(pair('k4')))).rejects.toMatchObject({ message: 'invalid token' });
    expect(fetches).toBe(2);
  });

  it('keeps the last good set when a reload fails', async () => {
    const key = pair('k1');
    body = await jwks(key);
    const source = await JwksSource.load({ endpoint: url, cacheTtlMs: 1, timeoutMs: 2_000, logger: noopLogger });
    status = 500;
    await expect(source.reload()).rejects.toThrow(/HTTP 500/);
    await expect(verifierOf(source).verify(await sign(key))).resolves.toBeDefined();
  });

  it('starts when the key server is down and loads once a token arrives (as Go Piko keyfunc)', async () => {
    const key = pair('k1');
    status = 503;
    const source = await JwksSource.load({ endpoint: url, cacheTtlMs: 60_000, timeoutMs: 2_000, logger: noopLogger });
    await expect(verifierOf(source).verify(await sign(key))).rejects.toMatchObject({ message: 'invalid token' });
    status = 200;
    body = await jwks(key);
    // The failed start-up load is retried once its first retry delay (1 s) has passed.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await expect(verifierOf(source).verify(await sign(key))).resolves.toBeDefined();
  });

  it('does not fetch per request while the key server fails: retries after 1 s, 2 s, ... (stale set and none loaded)', async () => {
    const key = pair('k1');
    const forger = { ...pair('k1') }; // the right kid, the wrong key: anyone can make such a token
    body = await jwks(key);
    const stale = await JwksSource.load({ endpoint: url, cacheTtlMs: 1, timeoutMs: 2_000, logger: noopLogger });
    status = 500;
    const neverLoaded = await JwksSource.load({ endpoint: url, cacheTtlMs: 60_000, timeoutMs: 2_000, logger: noopLogger });
    fetches = 0;
    const forged = await sign(forger);
    const until = Date.now() + 1_500;
    let requests = 0;
    while (Date.now() < until) {
      await Promise.allSettled([verifierOf(stale).verify(forged), verifierOf(neverLoaded).verify(forged)]);
      requests += 2;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(requests).toBeGreaterThan(100);
    // Each source: its first stale/unknown-key attempt, then at most one more once 1 s has passed.
    expect(fetches).toBeLessThanOrEqual(4);
    // The stale set still verifies real tokens throughout.
    await expect(verifierOf(stale).verify(await sign(key))).resolves.toBeDefined();
  });

  it('refuses a key set larger than 1 MiB', async () => {
    body = JSON.stringify({ keys: [], pad: 'x'.repeat(1024 * 1024) });
    const source = await JwksSource.load({ endpoint: url, cacheTtlMs: 60_000, timeoutMs: 2_000, logger: noopLogger });
    await expect(source.reload()).rejects.toThrow(/larger than/);
  });
});

describe('JwksSource from a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'piko-jwks-'));

  it('reads file:// URLs and plain paths', async () => {
    const key = pair('f1');
    const path = join(dir, 'jwks.json');
    writeFileSync(path, await jwks(key));
    for (const endpoint of [pathToFileURL(path).href, path]) {
      const source = await JwksSource.load({ endpoint, cacheTtlMs: 60_000, timeoutMs: 0, logger: noopLogger });
      await expect(verifierOf(source).verify(await sign(key))).resolves.toMatchObject({ endpoints: ['e'] });
    }
  });

  it('picks up a rotated file', async () => {
    const first = pair('f1');
    const second = pair('f2');
    const path = join(dir, 'rotating.json');
    writeFileSync(path, await jwks(first));
    const source = await JwksSource.load({ endpoint: path, cacheTtlMs: 20, timeoutMs: 0, logger: noopLogger });
    writeFileSync(path, await jwks(second));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await expect(verifierOf(source).verify(await sign(second))).resolves.toBeDefined();
  });

  it('fails to load a missing or malformed file, and an unsupported scheme', async () => {
    await expect(JwksSource.load({ endpoint: join(dir, 'absent.json'), cacheTtlMs: 0, timeoutMs: 0, logger: noopLogger })).rejects.toThrow(/ENOENT/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{not json');
    await expect(JwksSource.load({ endpoint: bad, cacheTtlMs: 0, timeoutMs: 0, logger: noopLogger })).rejects.toThrow(/load JWKS/);
    await expect(JwksSource.load({ endpoint: 'ftp://example.com/jwks', cacheTtlMs: 0, timeoutMs: 0, logger: noopLogger })).rejects.toThrow(/unsupported scheme: ftp/);
  });
});
