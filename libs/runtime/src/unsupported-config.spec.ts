import { ConfigError, loadConfig, ServerConfig } from '@piko/config';
import { rejectUnsupported } from './unsupported-config';

const load = (argv: string[]) => loadConfig(ServerConfig, { argv, env: {} }).config;

describe('rejectUnsupported', () => {
  it('accepts a config with no auth and no TLS', () => {
    expect(() => rejectUnsupported(load([]))).not.toThrow();
  });

  it('accepts TLS on every port: it is served', () => {
    const config = load(['--proxy.tls.cert', 'c.pem', '--proxy.tls.key', 'k.pem', '--upstream.tls.cert', 'c.pem', '--upstream.tls.key', 'k.pem']);
    expect(() => rejectUnsupported(config)).not.toThrow();
  });

  it('accepts upstream and proxy auth: they are enforced', () => {
    expect(() => rejectUnsupported(load(['--upstream.auth.hmac-secret-key', 'k', '--proxy.auth.hmac-secret-key', 'k']))).not.toThrow();
  });

  it('refuses auth on the admin port, naming the key', () => {
    const config = load(['--admin.auth.hmac-secret-key', 'k', '--proxy.auth.hmac-secret-key', 'k', '--upstream.auth.hmac-secret-key', 'k']);
    expect(() => rejectUnsupported(config)).toThrow(ConfigError);
    try {
      rejectUnsupported(config);
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.split(':').slice(0, 2).join(':'))).toEqual(['config: admin.auth']);
    }
  });
});
