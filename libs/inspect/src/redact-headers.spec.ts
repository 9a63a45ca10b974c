import { HeaderRedactor, headerPairs, REDACTED, redactedHeaderSet } from './redact-headers';

describe('HeaderRedactor', () => {
  const redactor = new HeaderRedactor(redactedHeaderSet(['X-Internal-Id']));

  it('returns the raw list itself when no value is redacted (nothing copied on the hot path)', () => {
    const raw = ['Host', 'h', 'Accept', '*/*', 'X-Piko-Endpoint', 'e'];
    expect(redactor.redact(raw)).toBe(raw);
  });

  it('returns a redacted copy, leaving the raw list as it was, when a value is redacted', () => {
    const raw = ['Host', 'h', 'authorization', 'Bearer t', 'X-INTERNAL-ID', 'i', 'X-Auth-Token', 'a', 'Accept', '*/*'];
    const redacted = redactor.redact(raw);
    expect(redacted).not.toBe(raw);
    expect(raw[3]).toBe('Bearer t');
    expect(headerPairs(redacted)).toEqual([
      ['Host', 'h'],
      ['authorization', REDACTED],
      ['X-INTERNAL-ID', REDACTED],
      ['X-Auth-Token', REDACTED],
      ['Accept', '*/*'],
    ]);
  });

  it('gives the same verdicts after forgetting names (a flood of distinct names)', () => {
    const flooded = new HeaderRedactor(redactedHeaderSet([]));
    for (let i = 0; i < 10_000; i++) flooded.isRedacted(`x-junk-${i}`);
    expect(flooded.isRedacted('Cookie')).toBe(true);
    expect(flooded.isRedacted('Host')).toBe(false);
  });
});
