import { createSecretKey } from 'node:crypto';
import { type AuthConfig, authEnabled, ConfigError, type ServerConfig } from '@piko/config';
import type { Logger } from '@piko/observability';
import { JwksSource } from './jwks-source';
import { JwtVerifier, parsePublicKey } from './jwt-verifier';
import { RequestAuthenticator } from './request-authenticator';
import { TenantVerifier } from './tenant-verifier';

export type AuthPort = 'proxy' | 'upstream' | 'admin';

/**
 * The authenticator of one port from its `auth` block (and, for the upstream port, its tenants),
 * as Go Piko's server/server.go builds its verifiers; undefined when the port has no auth.
 * Call it before the port listens: a bad key stops the process.
 * @throws ConfigError naming the key (unparsable PEM, JWKS together with another key, unreadable JWKS file)
 */
export async function loadAuthenticator(config: ServerConfig, port: AuthPort, logger: Logger): Promise<RequestAuthenticator | undefined> {
  const log = logger.child({ subsystem: `${port}.auth` });
  const tenants = port === 'upstream' ? config.upstream.tenants : [];
  const own = config[port].auth;
  if (!authEnabled(own) && tenants.length === 0) return undefined;

  const problems: string[] = [];
  const defaultVerifier = authEnabled(own) ? await loadVerifier(own, `${port}.auth`, log, problems) : undefined;
  const byTenant = new Map<string, JwtVerifier>();
  for (const [i, tenant] of tenants.entries()) {
    if (byTenant.has(tenant.id)) problems.push(`${port}.tenants[${i}].id: duplicate tenant ID ${JSON.stringify(tenant.id)}`);
    const verifier = await loadVerifier(tenant.auth, `${port}.tenants[${i}].auth`, log.child({ tenantId: tenant.id }), problems);
    if (verifier) byTenant.set(tenant.id, verifier);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  log.info('auth enabled', { tenants: [...byTenant.keys()] });
  return new RequestAuthenticator(new TenantVerifier(defaultVerifier, byTenant), log);
}

async function loadVerifier(auth: AuthConfig, keyPath: string, logger: Logger, problems: string[]): Promise<JwtVerifier | undefined> {
  const before = problems.length;
  const parse = <T>(key: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      problems.push(`${keyPath}.${key}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const rsaPublicKey = auth.rsaPublicKey ? parse('rsa_public_key', () => parsePublicKey(auth.rsaPublicKey, 'rsa')) : undefined;
  const ecdsaPublicKey = auth.ecdsaPublicKey ? parse('ecdsa_public_key', () => parsePublicKey(auth.ecdsaPublicKey, 'ec')) : undefined;
  let jwks: JwksSource | undefined;
  if (auth.jwks.endpoint) {
    // Go Piko: "no other verification key can be set when JWKS.Endpoint is set".
    if (auth.hmacSecretKey || auth.rsaPublicKey || auth.ecdsaPublicKey) {
      problems.push(`${keyPath}.jwks.endpoint: no other verification key can be set when jwks.endpoint is set`);
    }
    try {
      jwks = await JwksSource.load({ endpoint: auth.jwks.endpoint, cacheTtlMs: auth.jwks.cacheTtl, timeoutMs: auth.jwks.timeout, logger });
    } catch (err) {
      problems.push(`${keyPath}.jwks.endpoint: ${(err as Error).message}`);
    }
  }
  if (problems.length > before) return undefined;
  return new JwtVerifier({
    hmacSecretKey: auth.hmacSecretKey ? createSecretKey(Buffer.from(auth.hmacSecretKey, 'utf8')) : undefined,
    rsaPublicKey,
    ecdsaPublicKey,
    jwks,
    audience: auth.audience,
    issuer: auth.issuer,
    leewayMs: auth.leeway,
    disableDisconnectOnExpiry: auth.disableDisconnectOnExpiry,
    requireEndpoints: auth.requireEndpoints,
  });
}
