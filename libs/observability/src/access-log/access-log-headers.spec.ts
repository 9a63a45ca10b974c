import { canonicalHeaderName, createHeaderFilter, isCredentialHeader } from './access-log-headers';

const headers = (): [string, string | string[]][] => [
  ['content-type', 'text/plain'],
  ['authorization', 'Bearer secret-token'],
  ['cookie', 'session=abc'],
  ['x-api-key', 'k-123'],
  ['x-request-id', 'r1'],
  ['accept', ['text/html', 'application/json']],
];

describe('createHeaderFilter', () => {
  it('logs every header without lists, credentials redacted, names canonical, values as lists', () => {
    const logged = createHeaderFilter({ allowList: [], blockList: [] })(headers());
    expect(logged).toEqual({
      'Content-Type': ['text/plain'],
      Authorization: ['[REDACTED]'],
      Cookie: ['[REDACTED]'],
      'X-Api-Key': ['[REDACTED]'],
      'X-Request-Id': ['r1'],
      Accept: ['text/html', 'application/json'],
    });
    expect(JSON.stringify(logged)).not.toMatch(/secret-token|session=abc|k-123/);
  });

  it('logs only allow-listed headers, case-insensitively, and still redacts credentials among them', () => {
    const logged = createHeaderFilter({ allowList: ['X-REQUEST-ID', 'Authorization'], blockList: [] })(headers());
    expect(logged).toEqual({ 'X-Request-Id': ['r1'], Authorization: ['[REDACTED]'] });
  });

  it('drops block-listed headers', () => {
    const logged = createHeaderFilter({ allowList: [], blockList: ['accept', 'Cookie'] })(headers());
    expect(Object.keys(logged).sort()).toEqual(['Authorization', 'Content-Type', 'X-Api-Key', 'X-Request-Id']);
  });

  it('joins repeated headers given as separate pairs', () => {
    expect(createHeaderFilter({ allowList: [], blockList: [] })([['via', 'a'], ['Via', 'b']])).toEqual({ Via: ['a', 'b'] });
  });
});

describe('isCredentialHeader', () => {
  it.each(['Authorization', 'proxy-authorization', 'Cookie', 'Set-Cookie', 'X-Auth-Token', 'X-Amz-Security-Token', 'X-Api-Key', 'X-CSRF-Token', 'X-Piko-Authorization'])(
    '%s is a credential',
    (name) => expect(isCredentialHeader(name)).toBe(true),
  );
  it.each(['Content-Type', 'Accept', 'X-Request-Id', 'User-Agent', 'Host'])('%s is not', (name) => expect(isCredentialHeader(name)).toBe(false));
});

describe('canonicalHeaderName', () => {
  it('follows Go', () => {
    expect(canonicalHeaderName('x-forwarded-for')).toBe('X-Forwarded-For');
    expect(canonicalHeaderName('CONTENT-TYPE')).toBe('Content-Type');
  });
});
