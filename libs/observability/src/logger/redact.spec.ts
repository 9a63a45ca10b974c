import { redact, REDACTED } from './redact';

describe('redact', () => {
  it('replaces sensitive keys case-insensitively at any depth', () => {
    expect(redact({ a: { b: [{ Cookie: 'x', ok: 1 }] }, TOKEN: 't' })).toEqual({ a: { b: [{ Cookie: REDACTED, ok: 1 }] }, TOKEN: REDACTED });
  });

  it('covers the auth config keys in any spelling', () => {
    expect(redact({ hmac_secret_key: 'k', hmacSecretKey: 'k', 'hmac-secret-key': 'k', 'X-Piko-Authorization': 'Bearer t', rsa_public_key: 'pem' })).toEqual({
      hmac_secret_key: REDACTED,
      hmacSecretKey: REDACTED,
      'hmac-secret-key': REDACTED,
      'X-Piko-Authorization': REDACTED,
      rsa_public_key: 'pem',
    });
  });

  it('removes JWTs and bearer credentials found inside string values', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    expect(redact({ path: `/x?token=${jwt}&a=1`, err: 'bad header: Bearer abc.def', ok: 'eyJ is fine alone' })).toEqual({
      path: `/x?token=${REDACTED}&a=1`,
      err: `bad header: Bearer ${REDACTED}`,
      ok: 'eyJ is fine alone',
    });
  });

  it('handles null-prototype objects, as Node uses for some header maps', () => {
    const headers = Object.assign(Object.create(null) as Record<string, string>, { authorization: 'x', host: 'h' });
    expect(redact({ headers })).toEqual({ headers: { authorization: REDACTED, host: 'h' } });
  });

  it('survives cycles and very deep values without leaking', () => {
    const cyclic: Record<string, unknown> = { authorization: 'x' };
    cyclic.self = cyclic;
    expect(redact(cyclic)).toEqual({ authorization: REDACTED, self: '[Circular]' });

    let deep: Record<string, unknown> = { authorization: 'secret' };
    for (let i = 0; i < 40; i++) deep = { next: deep };
    expect(JSON.stringify(redact(deep))).not.toContain('secret');
  });

  it('leaves repeated (non-cyclic) references and non-plain values alone', () => {
    const shared = { a: 1 };
    const date = new Date(0);
    expect(redact({ x: shared, y: shared, date, n: null, s: 'str' })).toEqual({ x: { a: 1 }, y: { a: 1 }, date, n: null, s: 'str' });
  });
});
