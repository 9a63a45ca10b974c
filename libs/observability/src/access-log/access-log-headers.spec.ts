import { canonicalHeaderName, createHeaderFilter, createUrlHeaderFilter, isCredentialHeader } from './access-log-headers';
import type { QueryLogging } from './access-log-query';

const STRIP: QueryLogging = { query: 'strip', redactQueryParams: [] };
const REDACT: QueryLogging = { query: 'redact', redactQueryParams: ['token', 'code', 'access_token'] };
const KEEP: QueryLogging = { query: 'keep', redactQueryParams: [] };

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
    const logged = createHeaderFilter({ allowList: [], blockList: [] }, STRIP)(headers());
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
    const logged = createHeaderFilter({ allowList: ['X-REQUEST-ID', 'Authorization'], blockList: [] }, STRIP)(headers());
    expect(logged).toEqual({ 'X-Request-Id': ['r1'], Authorization: ['[REDACTED]'] });
  });

  it('drops block-listed headers', () => {
    const logged = createHeaderFilter({ allowList: [], blockList: ['accept', 'Cookie'] }, STRIP)(headers());
    expect(Object.keys(logged).sort()).toEqual(['Authorization', 'Content-Type', 'X-Api-Key', 'X-Request-Id']);
  });

  it('joins repeated headers given as separate pairs', () => {
    expect(createHeaderFilter({ allowList: [], blockList: [] }, STRIP)([['via', 'a'], ['Via', 'b']])).toEqual({ Via: ['a', 'b'] });
  });
});

describe('URL-valued headers (Referer, Location, Content-Location) under access_log.query', () => {
  const urls = (): [string, string][] => [
    ['Referer', 'https://app.example/page?token=secret-1&a=1'],
    ['location', 'https://app.example/cb?code=secret-2&state=s#access_token=secret-3&x=1'],
    ['Content-Location', '/doc?token=secret-4'],
    ['X-Other', 'https://app.example/?token=kept-not-a-url-header'],
  ];

  it('strip (the default): query string and fragment gone, the rest as sent', () => {
    expect(createHeaderFilter({ allowList: [], blockList: [] }, STRIP)(urls())).toEqual({
      Referer: ['https://app.example/page'],
      Location: ['https://app.example/cb'],
      'Content-Location': ['/doc'],
      'X-Other': ['https://app.example/?token=kept-not-a-url-header'],
    });
  });

  it('redact: the listed parameters hidden in the query string and in the fragment', () => {
    const logged = createHeaderFilter({ allowList: [], blockList: [] }, REDACT)(urls());
    expect(logged.Referer).toEqual(['https://app.example/page?token=[REDACTED]&a=1']);
    expect(logged.Location).toEqual(['https://app.example/cb?code=[REDACTED]&state=s#access_token=[REDACTED]&x=1']);
    expect(logged['Content-Location']).toEqual(['/doc?token=[REDACTED]']);
    expect(JSON.stringify(logged)).not.toMatch(/secret-/);
  });

  it('keep: shown whole', () => {
    expect(createHeaderFilter({ allowList: [], blockList: [] }, KEEP)(urls()).Referer).toEqual(['https://app.example/page?token=secret-1&a=1']);
  });

  it('a URL without query or fragment, and an empty value, are unchanged', () => {
    const url = createUrlHeaderFilter(STRIP);
    expect(url('https://app.example/page')).toBe('https://app.example/page');
    expect(url('')).toBe('');
    expect(url('https://app.example/#frag')).toBe('https://app.example/');
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
