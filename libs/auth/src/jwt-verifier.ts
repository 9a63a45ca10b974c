import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AuthError } from './auth-error';
import type { JwksSource } from './jwks-source';
import type { VerifiedToken } from './verified-token';
import { VerifiedTokenCache } from './verified-token-cache';

const HMAC_ALGS = ['HS256', 'HS384', 'HS512'];
const RSA_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const ECDSA_ALGS = ['ES256', 'ES384', 'ES512'];

/** Verification keys and claim rules of one `auth` block, already parsed (see loadVerifier). */
export interface JwtVerifierOptions {
  /** A secret KeyObject (createSecretKey): jose converts it once and caches it; raw bytes would be re-imported per token. */
  hmacSecretKey?: KeyObject;
  rsaPublicKey?: KeyObject;
  ecdsaPublicKey?: KeyObject;
  /** When set it is the only key source (Go Piko refuses JWKS together with other keys). */
  jwks?: JwksSource;
  /** Required `aud` (one of the token's audiences); '' = not checked. */
  audience: string;
  /** Required `iss`; '' = not checked. */
  issuer: string;
  /** Clock skew allowed on `exp` and `nbf`, in ms. */
  leewayMs: number;
  disableDisconnectOnExpiry: boolean;
  requireEndpoints: boolean;
}

/**
 * Verifies a JWT with one `auth` block's keys (Go Piko's JWTVerifier, pkg/auth/jwtverifier.go):
 * the algorithm must belong to a configured key (HS256/384/512 to `hmac_secret_key`, RS256/384/512 and PS256/384/512 to
 * `rsa_public_key`, ES256/384/512 to `ecdsa_public_key`; with JWKS, the set's key matching `kid`/`alg`),
 * so a token can never pick its own key type (no RSA-key-as-HMAC-secret confusion, no `none`).
 */
export class JwtVerifier {
  private readonly algorithms: string[] | undefined;
  private readonly getKey: JWTVerifyGetKey;
  private readonly cache = new VerifiedTokenCache();

  constructor(private readonly options: JwtVerifierOptions) {
    if (options.jwks) {
      // As Go Piko: the set decides (each JWK's kty/alg restricts what it verifies).
      this.algorithms = undefined;
      this.getKey = options.jwks.getKey;
    } else {
      this.algorithms = [
        ...(options.hmacSecretKey ? HMAC_ALGS : []),
        ...(options.rsaPublicKey ? RSA_ALGS : []),
        ...(options.ecdsaPublicKey ? ECDSA_ALGS : []),
      ];
      this.getKey = async (header) => {
        const alg = header.alg ?? '';
        if (HMAC_ALGS.includes(alg) && options.hmacSecretKey) return options.hmacSecretKey;
        if (RSA_ALGS.includes(alg) && options.rsaPublicKey) return options.rsaPublicKey;
        if (ECDSA_ALGS.includes(alg) && options.ecdsaPublicKey) return options.ecdsaPublicKey;
        throw new errors.JOSEAlgNotAllowed(`unsupported algorithm: ${alg}`);
      };
    }
  }

  /**
   * @param token the compact JWT (without "Bearer ")
   * @returns the verified token's endpoints and disconnect deadline
   * @throws AuthError 'expired token' when `exp` has passed (beyond the leeway), 'invalid token'
   *   for anything else (bad signature, algorithm, audience, issuer, `nbf` in the future, bad claims)
   */
  async verify(token: string): Promise<VerifiedToken> {
    const cached = this.cache.get(token);
    if (cached) return cached;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.getKey, {
        algorithms: this.algorithms,
        audience: this.options.audience || undefined,
        issuer: this.options.issuer || undefined,
        clockTolerance: this.options.leewayMs / 1000,
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new AuthError('expired token', err.message);
      throw new AuthError('invalid token', (err as Error).message);
    }
    const endpoints = pikoEndpoints(payload);
    const expiresAt = typeof payload.exp === 'number' ? payload.exp * 1000 + this.options.leewayMs : undefined;
    const verified: VerifiedToken = {
      disconnectAt: this.options.disableDisconnectOnExpiry ? undefined : expiresAt,
      endpoints,
      requireEndpoints: this.options.requireEndpoints,
      tenantId: undefined,
    };
    this.cache.set(token, verified, expiresAt);
    return verified;
  }
}

/**
 * The `piko.endpoints` claim. Go Piko decodes it into []string, so any other shape fails the
 * whole token; so it does here.
 */
function pikoEndpoints(payload: JWTPayload): string[] {
  const piko = payload['piko'];
  if (piko === undefined || piko === null) return [];
  if (typeof piko !== 'object' || Array.isArray(piko)) throw new AuthError('invalid token', 'claim piko is not an object');
  const endpoints = (piko as Record<string, unknown>)['endpoints'];
  if (endpoints === undefined || endpoints === null) return [];
  if (!Array.isArray(endpoints) || !endpoints.every((e) => typeof e === 'string')) {
    throw new AuthError('invalid token', 'claim piko.endpoints is not a list of strings');
  }
  return endpoints;
}

/**
 * Parses a PEM public key (SPKI "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY" or a certificate) of the
 * given type, as Go's jwt.ParseRSAPublicKeyFromPEM / ParseECPublicKeyFromPEM. The value is the
 * key itself, as in Go Piko, not a file name: a value without a PEM block is refused saying so.
 * @throws Error when it is not PEM or not of that type
 */
export function parsePublicKey(pem: string, type: 'rsa' | 'ec'): KeyObject {
  if (!pem.includes('-----BEGIN ')) {
    throw new Error(
      'not a PEM key: the value is the key itself (-----BEGIN PUBLIC KEY----- …), not a file name; on the command line "$(cat key.pem)", in YAML a block scalar (|)',
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new Error(`not a valid PEM public key (${(err as Error).message})`);
  }
  const actual = key.asymmetricKeyType;
  if (type === 'rsa' ? actual !== 'rsa' && actual !== 'rsa-pss' : actual !== 'ec') {
    throw new Error(`not an ${type === 'rsa' ? 'RSA' : 'ECDSA'} public key (got ${actual})`);
  }
  return key;
}
