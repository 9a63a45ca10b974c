import { redact, REDACTED } from './redact';

describe('redact', () => {
  it('replaces sensitive keys case-insensitively at any depth', () => {
    expect(redact({ a: { b: [{ Cookie: 'x', ok: 1 }] }, TOKEN: 't' })).toEqual({ a: { b: [{ Cookie: REDACTED, ok: 1 }] }, TOKEN: REDACTED });
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
