import { joinTargetPath, parseTargetUrl } from './target-url';

describe('parseTargetUrl', () => {
  it('accepts a port, host:port and URLs like Go Piko', () => {
    expect(parseTargetUrl('3000').href).toBe('http://localhost:3000/');
    expect(parseTargetUrl('10.0.0.2:8080').href).toBe('http://10.0.0.2:8080/');
    expect(parseTargetUrl('[::1]:8080').hostname).toBe('[::1]');
    expect(parseTargetUrl('https://api.internal/v1').href).toBe('https://api.internal/v1');
  });

  it('rejects what it cannot forward to', () => {
    expect(() => parseTargetUrl('ftp://x')).toThrow(TypeError);
    expect(() => parseTargetUrl('not a url')).toThrow(TypeError);
  });
});

describe('joinTargetPath', () => {
  it('prefixes the target path as NewSingleHostReverseProxy does', () => {
    expect(joinTargetPath(new URL('http://h'), '/a?b=1')).toBe('/a?b=1');
    expect(joinTargetPath(new URL('http://h/api/'), '/users')).toBe('/api/users');
    expect(joinTargetPath(new URL('http://h/api?k=v'), '/users?x=1')).toBe('/api/users?k=v&x=1');
  });
});
