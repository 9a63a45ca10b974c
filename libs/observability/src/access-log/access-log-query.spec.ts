import { createQueryFilter, stripQuery } from './access-log-query';

describe('access-log query strings', () => {
  it('strip (the default): the path only, as Go Piko logs URL.Path', () => {
    expect(stripQuery('/a/b?token=secret')).toBe('/a/b');
    expect(stripQuery(undefined)).toBe('/');
    expect(createQueryFilter({ query: 'strip', redactQueryParams: [] })('/x?token=secret')).toBe('/x');
  });

  it('redact: listed parameters (any case, percent-encoded names too) get "[REDACTED]"; the rest stays as sent', () => {
    const redact = createQueryFilter({ query: 'redact', redactQueryParams: ['token', 'X-Amz-Signature'] });
    expect(redact('/x?a=1&token=secret&TOKEN=s2&b=%20&x-amz-signature=abc&to%6Ben=s3&token')).toBe(
      '/x?a=1&token=[REDACTED]&TOKEN=[REDACTED]&b=%20&x-amz-signature=[REDACTED]&to%6Ben=[REDACTED]&token=[REDACTED]',
    );
    expect(redact('/no-query')).toBe('/no-query');
  });

  it('keep: the whole target', () => {
    expect(createQueryFilter({ query: 'keep', redactQueryParams: [] })('/x?token=secret')).toBe('/x?token=secret');
  });
});
