import { canonicalReservedTarget, isReservedPath, normalisedPath } from './reserved-path';

describe('normalisedPath (RFC 3986 §5.2.4 dot segments, one percent-decoding)', () => {
  it.each([
    ['/a/b?x=1', '/a/b'],
    ['/a//b/', '/a/b/'],
    ['/a/./b', '/a/b'],
    ['/a/../b', '/b'],
    ['/../../b', '/b'],
    ['/a/%2e%2E/b', '/b'],
    ['/a%2Fb', '/a/b'],
    ['/a\\b', '/a/b'],
    ['/a/..', '/'],
    ['/a/b/..', '/a/'],
    ['/%zz', '/%zz'],
    ['/%255f', '/%5f'],
    // Already normal (the shortcut): returned as they are, less the query.
    ['/', '/'],
    ['/a/b/', '/a/b/'],
    ['/a.b/c.?/../x', '/a.b/c.'],
    ['/_piko/v1', '/_piko/v1'],
    // Not normal, though close: the long way.
    ['/.well-known/x', '/.well-known/x'],
    ['/a/.', '/a/'],
    ['/a/', '/a/'],
    ['a/b', '/a/b'],
    ['*', '/*'],
  ])('%s → %s', (target, path) => expect(normalisedPath(target)).toBe(path));
});

describe('isReservedPath', () => {
  it.each(['/_piko', '/_piko/', '/_piko/v1/tcp/a', '/%5fpiko/x', '//_piko', '/./_piko/x', '/x/../_piko', '/x%2F..%2F_piko', '/_piko?x'])('%s is Piko\'s', (target) =>
    expect(isReservedPath(target)).toBe(true),
  );
  it.each(['/', '/_pikox', '/x/_piko', '/%255fpiko', '/_PIKO/x'])('%s is not', (target) => expect(isReservedPath(target)).toBe(false));
});

describe('canonicalReservedTarget', () => {
  it('spells a reserved target normalised, keeping its query, so Piko\'s routes match it', () => {
    expect(canonicalReservedTarget('/%5fpiko/v1/tcp/my-endpoint?x=1')).toBe('/_piko/v1/tcp/my-endpoint?x=1');
  });
  it('leaves any other target as the client sent it', () => {
    expect(canonicalReservedTarget('/a/../b%2F?q')).toBe('/a/../b%2F?q');
  });
});
