import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { AuthError } from './auth-error';
import { JwtVerifier, type JwtVerifierOptions, parsePublicKey } from './jwt-verifier';
import { endpointPermitted } from './verified-token';

const SECRET = 'a-shared-secret-for-tests';
const secret = createSecretKey(Buffer.from(SECRET));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const pem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }) as string;
const now = () => Math.floor(Date.now() / 1000);

function verifier(options: Partial<JwtVerifierOptions>): JwtVerifier {
  return new JwtVerifier({ audience: '', issuer: '', leewayMs: 0, disableDisconnectOnExpiry: false, requireEndpoints: false, ...options });
}

function sign(alg: string, key: KeyObject | Uint8Array, claims: JWTPayload = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(key);
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return (err as AuthError).message;
  }
  throw new Error('expected verification to fail');
}

describe('JwtVerifier', () => {
  const all = verifier({
    hmacSecretKey: secret,
    rsaPublicKey: parsePublicKey(pem(rsa.publicKey), 'rsa'),
    ecdsaPublicKey: parsePublicKey(pem(p256.publicKey), 'ec'),
  });

  it.each(['HS256', 'HS384', 'HS512'])('verifies %s with hmac_secret_key', async (alg) => {
    await expect(verifier({ hmacSecretKey: secret }).verify(await sign(alg, secret))).resolves.toMatchObject({ endpoints: [] });
  });

  it.each(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])('verifies %s with rsa_public_key', async (alg) => {
    const v = verifier({ rsaPublicKey: parsePublicKey(pem(rsa.publicKey), 'rsa') });
    await expect(v.verify(await sign(alg, rsa.privateKey))).resolves.toMatchObject({ endpoints: [] });
  });

  it.each([
    ['ES256', p256],
    ['ES384', p384],
    ['ES512', p521],
  ] as const)('verifies %s with ecdsa_public_key', async (alg, pair) => {
    const v = verifier({ ecdsaPublicKey: parsePublicKey(pem(pair.publicKey), 'ec') });
    await expect(v.verify(await sign(alg, pair.privateKey))).resolves.toMatchObject({ endpoints: [] });
  });

  it('refuses an algorithm whose key is not configured', async () => {
    const rsaOnly = verifier({ rsaPublicKey: parsePublicKey(pem(rsa.publicKey), 'rsa') });
    expect(await failure(rsaOnly.verify(await sign('HS256', secret)))).toBe('invalid token');
    const hmacOnly = verifier({ hmacSecretKey: secret });
    expect(await failure(hmacOnly.verify(await sign('RS256', rsa.privateKey)))).toBe('invalid token');
  });

  it('refuses the RSA public key used as an HMAC secret (algorithm confusion)', async () => {
    const v = verifier({ rsaPublicKey: parsePublicKey(pem(rsa.publicKey), 'rsa') });
    const forged = await sign('HS256', new TextEncoder().encode(pem(rsa.publicKey)));
    expect(await failure(v.verify(forged))).toBe('invalid token');
  });

  it('refuses unsigned (alg none), wrongly signed and malformed tokens', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'x' })).toString('base64url');
    expect(await failure(all.verify(`${header}.${payload}.`))).toBe('invalid token');
    expect(await failure(all.verify(await sign('HS256', new TextEncoder().encode('another secret'))))).toBe('invalid token');
    const valid = await sign('ES256', p256.privateKey);
    const tampered = `${valid.slice(0, valid.lastIndexOf('.') + 1)}${Buffer.alloc(64).toString('base64url')}`;
    expect(await failure(all.verify(tampered))).toBe('invalid token');
    expect(await failure(all.verify('not.a.jwt'))).toBe('invalid token');
  });

  it('checks audience (one of the token audiences) and issuer when configured', async () => {
    const v = verifier({ hmacSecretKey: secret, audience: 'piko', issuer: 'https://issuer.example' });
    await expect(v.verify(await sign('HS256', secret, { aud: ['other', 'piko'], iss: 'https://issuer.example' }))).resolves.toBeDefined();
    expect(await failure(v.verify(await sign('HS256', secret, { aud: 'other', iss: 'https://issuer.example' })))).toBe('invalid token');
    expect(await failure(v.verify(await sign('HS256', secret, { aud: 'piko', iss: 'https://evil.example' })))).toBe('invalid token');
    expect(await failure(v.verify(await sign('HS256', secret, { iss: 'https://issuer.example' })))).toBe('invalid token');
    // Not configured: not checked.
    await expect(verifier({ hmacSecretKey: secret }).verify(await sign('HS256', secret, { aud: 'x', iss: 'y' }))).resolves.toBeDefined();
  });

  it("answers 'expired token' past exp, within the leeway accepts", async () => {
    const exp = now() - 3;
    const token = await sign('HS256', secret, { exp });
    expect(await failure(verifier({ hmacSecretKey: secret }).verify(token))).toBe('expired token');
    const lenient = await verifier({ hmacSecretKey: secret, leewayMs: 10_000 }).verify(token);
    // The session deadline includes the leeway, so a token accepted by the leeway is not cut at once.
    expect(lenient.disconnectAt).toBe(exp * 1000 + 10_000);
  });

  it("refuses a token before nbf ('invalid token', as Go Piko), within the leeway accepts", async () => {
    const token = await sign('HS256', secret, { nbf: now() + 3 });
    expect(await failure(verifier({ hmacSecretKey: secret }).verify(token))).toBe('invalid token');
    await expect(verifier({ hmacSecretKey: secret, leewayMs: 10_000 }).verify(token)).resolves.toBeDefined();
  });

  it('reports when the connection must end, unless disable_disconnect_on_expiry', async () => {
    const exp = now() + 60;
    const token = await sign('HS256', secret, { exp });
    expect((await verifier({ hmacSecretKey: secret }).verify(token)).disconnectAt).toBe(exp * 1000);
    expect((await verifier({ hmacSecretKey: secret, disableDisconnectOnExpiry: true }).verify(token)).disconnectAt).toBeUndefined();
    expect((await verifier({ hmacSecretKey: secret }).verify(await sign('HS256', secret))).disconnectAt).toBeUndefined();
  });

  it('reads the piko.endpoints claim; absent or empty permits every endpoint (Go Piko)', async () => {
    const limited = await all.verify(await sign('HS256', secret, { piko: { endpoints: ['a', 'b'] } }));
    expect(limited.endpoints).toEqual(['a', 'b']);
    expect(endpointPermitted(limited, 'a')).toBe(true);
    expect(endpointPermitted(limited, 'c')).toBe(false);
    for (const claims of [{}, { piko: {} }, { piko: { endpoints: [] } }]) {
      const open = await all.verify(await sign('HS256', secret, claims));
      expect(endpointPermitted(open, 'anything')).toBe(true);
    }
  });

  it('with require_endpoints, a token without endpoints permits none', async () => {
    const v = verifier({ hmacSecretKey: secret, requireEndpoints: true });
    const open = await v.verify(await sign('HS256', secret));
    expect(endpointPermitted(open, 'a')).toBe(false);
    const limited = await v.verify(await sign('HS256', secret, { piko: { endpoints: ['a'] } }));
    expect(endpointPermitted(limited, 'a')).toBe(true);
  });

  it('refuses a piko claim of the wrong shape, as Go decoding it into []string would', async () => {
    for (const piko of ['x', ['a'], { endpoints: 'a' }, { endpoints: [1] }]) {
      expect(await failure(all.verify(await sign('HS256', secret, { piko } as JWTPayload)))).toBe('invalid token');
    }
  });
});

describe('parsePublicKey', () => {
  it('takes SPKI and PKCS#1 PEM, and refuses the wrong key type or garbage', () => {
    expect(parsePublicKey(pem(rsa.publicKey), 'rsa').asymmetricKeyType).toBe('rsa');
    expect(parsePublicKey(rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string, 'rsa').asymmetricKeyType).toBe('rsa');
    expect(() => parsePublicKey(pem(p256.publicKey), 'rsa')).toThrow(/not an RSA public key/);
    expect(() => parsePublicKey(pem(rsa.publicKey), 'ec')).toThrow(/not an ECDSA public key/);
    expect(() => parsePublicKey('/etc/piko/rsa.pub', 'rsa')).toThrow(/not a PEM key: the value is the key itself .*not a file name/);
    expect(() => parsePublicKey('-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n', 'rsa')).toThrow(/^not a valid PEM public key \(/);
  });
});
