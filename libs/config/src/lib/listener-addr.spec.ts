import { ConfigError } from './config-error';
import { normalizeListenerAddr } from './listener-addr';

describe('normalizeListenerAddr', () => {
  it('takes a bare port as localhost', () => {
    const addr = normalizeListenerAddr('3000');
    expect(addr.host).toBe('localhost');
    expect(addr.port).toBe(3000);
    expect(addr.url.href).toBe('http://localhost:3000/');
  });

  it('takes host:port', () => {
    const addr = normalizeListenerAddr('10.0.0.1:4000');
    expect(addr).toMatchObject({ host: '10.0.0.1', port: 4000 });
    expect(addr.url.href).toBe('http://10.0.0.1:4000/');
  });

  it('takes localhost:port (which is not a URL with a host)', () => {
    expect(normalizeListenerAddr('localhost:3000')).toMatchObject({ host: 'localhost', port: 3000 });
  });

  it('takes a bracketed IPv6 host:port', () => {
    const addr = normalizeListenerAddr('[::1]:3000');
    expect(addr).toMatchObject({ host: '::1', port: 3000 });
    expect(addr.url.host).toBe('[::1]:3000');
  });

  it('takes a URL, keeping its scheme and path', () => {
    const addr = normalizeListenerAddr('https://example.com/api');
    expect(addr).toMatchObject({ host: 'example.com', port: 443 });
    expect(addr.url.protocol).toBe('https:');
    expect(addr.url.pathname).toBe('/api');
    expect(normalizeListenerAddr('http://localhost:3000')).toMatchObject({ host: 'localhost', port: 3000 });
    expect(normalizeListenerAddr('http://[::1]:3000').host).toBe('::1');
  });

  it.each(['', 'nonsense', '70000', ':3000', 'ftp://example.com'])('rejects %j', (text) => {
    expect(() => normalizeListenerAddr(text)).toThrow(ConfigError);
  });
});
