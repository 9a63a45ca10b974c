import { ConfigError, loadConfig, ServerConfig } from '@piko/config';
import { rejectUnsupported } from './unsupported-config';

const load = (argv: string[]) => loadConfig(ServerConfig, { argv, env: {} }).config;

describe('rejectUnsupported', () => {
  it('accepts a config with no auth and no TLS', () => {
    expect(() => rejectUnsupported(load([]))).not.toThrow();
  });

  it('refuses auth or TLS on any port, naming each key', () => {
    const config = load(['--upstream.auth.hmac-secret-key', 'k', '--proxy.tls.cert', 'c.pem', '--proxy.tls.key', 'k.pem']);
    expect(() => rejectUnsupported(config)).toThrow(ConfigError);
    try {
      rejectUnsupported(config);
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.split(':').slice(0, 2).join(':'))).toEqual(['config: proxy.tls', 'config: upstream.auth']);
    }
  });
});
