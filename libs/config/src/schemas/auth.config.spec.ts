import { ConfigError } from '../lib/config-error';
import { loadConfig } from '../lib/load-config';
import { AgentConfig } from './agent.config';
import { ServerConfig } from './server.config';

const fromYaml = (yaml: string) => loadConfig(ServerConfig, { argv: ['--config.path', 'piko.yaml'], env: {}, readFile: () => yaml }).config;

describe('auth keys', () => {
  it("reads Go Piko's auth block, tenants included, and this build's additions", () => {
    const config = fromYaml(`
upstream:
  auth:
    hmac_secret_key: s3cret
    audience: piko
    issuer: https://issuer.example
    disable_disconnect_on_expiry: true
    leeway: 2s
    require_endpoints: true
  tenants:
    - id: team-a
      auth:
        jwks:
          endpoint: https://issuer.example/jwks.json
          cache_ttl: 5m
          timeout: 3s
admin:
  auth:
    ecdsa_public_key: "-----BEGIN PUBLIC KEY-----"
`);
    expect(config.upstream.auth).toMatchObject({
      hmacSecretKey: 's3cret',
      audience: 'piko',
      issuer: 'https://issuer.example',
      disableDisconnectOnExpiry: true,
      leeway: 2_000,
      requireEndpoints: true,
    });
    expect(config.upstream.tenants).toHaveLength(1);
    expect(config.upstream.tenants[0].id).toBe('team-a');
    expect(config.upstream.tenants[0].auth.jwks).toMatchObject({ endpoint: 'https://issuer.example/jwks.json', cacheTtl: 300_000, timeout: 3_000 });
    expect(config.admin.auth.ecdsaPublicKey).toBe('-----BEGIN PUBLIC KEY-----');
  });

  it('takes every auth key as a flag too', () => {
    const { config } = loadConfig(ServerConfig, {
      argv: ['--proxy.auth.hmac-secret-key', 'k', '--proxy.auth.require-endpoints', '--proxy.auth.jwks.cache-ttl', '1m', '--proxy.auth.leeway', '0s'],
      env: {},
    });
    expect(config.proxy.auth).toMatchObject({ hmacSecretKey: 'k', requireEndpoints: true, leeway: 0 });
    expect(config.proxy.auth.jwks.cacheTtl).toBe(60_000);
  });

  it('refuses a tenant without an ID or without a verification key (Go Piko: "tenant auth disabled")', () => {
    let error: unknown;
    try {
      fromYaml(`
upstream:
  tenants:
    - auth:
        hmac_secret_key: k
    - id: no-keys
`);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('upstream.tenants[0].id: is required');
    expect(problems).toContain('upstream.tenants[1].auth: a tenant needs a verification key');
  });

  it("reads the agent's connect.tenant_id", () => {
    const { config } = loadConfig(AgentConfig, { argv: ['--connect.tenant-id', 'team-a', '--connect.token', 't'], env: {} });
    expect(config.connect).toMatchObject({ tenantId: 'team-a', token: 't' });
  });
});
