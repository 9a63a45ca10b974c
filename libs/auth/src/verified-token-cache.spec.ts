import { CACHE_TTL_MS, MAX_CACHED_TOKEN_BYTES, MAX_CACHED_TOKENS, VerifiedTokenCache } from './verified-token-cache';
import type { VerifiedToken } from './verified-token';

const token: VerifiedToken = { disconnectAt: undefined, endpoints: ['a'], requireEndpoints: false, tenantId: undefined };

describe('VerifiedTokenCache', () => {
  it("holds a token until its expiry or the cache TTL, whichever is first", () => {
    const cache = new VerifiedTokenCache();
    cache.set('short', token, 1_000, 0);
    cache.set('long', token, undefined, 0);
    expect(cache.get('short', 999)).toBe(token);
    expect(cache.get('short', 1_000)).toBeUndefined();
    expect(cache.get('long', CACHE_TTL_MS - 1)).toBe(token);
    expect(cache.get('long', CACHE_TTL_MS)).toBeUndefined();
  });

  it('is bounded in entries and in token size', () => {
    const cache = new VerifiedTokenCache();
    cache.set('x'.repeat(MAX_CACHED_TOKEN_BYTES + 1), token, undefined, 0);
    expect(cache.size).toBe(0);
    for (let i = 0; i <= MAX_CACHED_TOKENS; i++) cache.set(`t${i}`, token, undefined, 0);
    expect(cache.size).toBe(MAX_CACHED_TOKENS);
    expect(cache.get('t0', 0)).toBeUndefined(); // the oldest went
    expect(cache.get(`t${MAX_CACHED_TOKENS}`, 0)).toBe(token);
  });
});
