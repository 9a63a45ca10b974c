import { ServerConfig } from '../schemas/server.config';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

describe('proxy.trusted_proxies', () => {
  it('is empty by default (trust nobody)', () => {
    expect(loadConfig(ServerConfig, { argv: [], env: {} }).config.proxy.trustedProxies).toEqual([]);
  });

  it('takes IPv4 and IPv6 CIDRs and single addresses, from flags and YAML', () => {
    const flags = loadConfig(ServerConfig, { argv: ['--proxy.trusted-proxies', '10.0.0.0/8,2001:db8::/32,192.168.1.1'], env: {} });
    expect(flags.config.proxy.trustedProxies).toEqual(['10.0.0.0/8', '2001:db8::/32', '192.168.1.1']);
    const yaml = loadConfig(ServerConfig, { argv: ['--config.path', 'p.yaml'], env: {}, readFile: () => 'proxy:\n  trusted_proxies: ["::1/128"]\n' });
    expect(yaml.config.proxy.trustedProxies).toEqual(['::1/128']);
  });

  it('refuses an entry that is neither, naming the key and the entry', () => {
    let error: unknown;
    try {
      loadConfig(ServerConfig, { argv: ['--proxy.trusted-proxies', '10.0.0.0/8,10.0.0.0/33'], env: {} });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'proxy.trusted_proxies: must list CIDRs (10.0.0.0/8, 2001:db8::/32) or IP addresses (got "10.0.0.0/33")',
    ]);
  });
});
