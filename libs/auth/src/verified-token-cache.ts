import type { VerifiedToken } from './verified-token';

/** Tokens longer than this are verified every time rather than held (bounds the cache's memory). */
export const MAX_CACHED_TOKEN_BYTES = 4096;
/** At most this many tokens are held: 2048 × 4 KiB = 8 MiB at worst. */
export const MAX_CACHED_TOKENS = 2048;
/** A cached verification is trusted this long at most, so a key removed from a JWKS stops working soon. */
export const CACHE_TTL_MS = 60_000;

/**
 * Remembers tokens that verified, so a client sending the same token with every request (the
 * proxy port's common case) costs one signature check per minute rather than one per request
 * (WebCrypto's verify is asynchronous and costs tens to hundreds of µs). Only successes are held;
 * an entry lasts until the token's own `exp` (+ leeway) or CACHE_TTL_MS, whichever is first. The
 * oldest entry is dropped when full.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { token: VerifiedToken; validUntil: number }>();

  /** The verification result of `jwt` if it is held and still valid (ms since the epoch: `now`). */
  get(jwt: string, now = Date.now()): VerifiedToken | undefined {
    const entry = this.entries.get(jwt);
    if (!entry) return undefined;
    if (now < entry.validUntil) return entry.token;
    this.entries.delete(jwt);
    return undefined;
  }

  /** @param expiresAt when the token stops being valid (exp + leeway, ms), undefined for never */
  set(jwt: string, token: VerifiedToken, expiresAt: number | undefined, now = Date.now()): void {
    if (jwt.length > MAX_CACHED_TOKEN_BYTES) return;
    if (this.entries.size >= MAX_CACHED_TOKENS) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(jwt, { token, validUntil: Math.min(expiresAt ?? Infinity, now + CACHE_TTL_MS) });
  }

  get size(): number {
    return this.entries.size;
  }
}
