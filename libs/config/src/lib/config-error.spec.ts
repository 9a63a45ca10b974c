import { ConfigError } from './config-error';

describe('ConfigError', () => {
  it('prefixes each problem with config: once, even when a caller already did', () => {
    const err = new ConfigError(['proxy.timeout: bad', 'config: upstream.auth: refused']);
    expect(err.message).toBe('config: proxy.timeout: bad\nconfig: upstream.auth: refused');
    expect(err.message).not.toContain('config: config:');
  });
});
