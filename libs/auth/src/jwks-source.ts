import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Logger } from '@piko/observability';

/** A JWK Set larger than this is refused: a key set is a few KiB, and the body is held in memory. */
export const MAX_JWKS_BYTES = 1024 * 1024;
/** Go Piko's keyfunc refreshes hourly when `jwks.cache_ttl` is 0. */
const DEFAULT_CACHE_TTL_MS = 60 * 60 * 1000;
const DEFAULT_TIMEOUT_MS = 10_000;
/** A token naming an unknown key ID reloads the set at most this often (bounded by cache_ttl). */
const MAX_UNKNOWN_KID_COOLDOWN_MS = 30_000;
/** After a failed load, the wait before a token may start another: doubling from this, up to the cool-down. */
const FIRST_RETRY_DELAY_MS = 1_000;

export interface JwksSourceOptions {
  /** `jwks.endpoint`: `https://…`, `http://…`, `file:///path` or a plain file path. */
  endpoint: string;
  /** `jwks.cache_ttl` in ms: a set older than this is reloaded in the background; 0 = 1 hour. */
  cacheTtlMs: number;
  /** `jwks.timeout` in ms for one HTTP load; 0 = 10 s. */
  timeoutMs: number;
  logger: Logger;
}

type Location = { kind: 'http'; url: URL } | { kind: 'file'; path: string };

/**
 * The keys of a JSON Web Key Set (RFC 7517), reloaded so that key rotation is picked up, as Go
 * Piko's pkg/auth/jwks.go does with keyfunc: the set is reloaded in the background once older
 * than `cache_ttl`, and at once when a token names a key ID the set lacks (such reloads at most
 * once per min(30 s, cache_ttl), so random key IDs cannot hammer the key server; the first one
 * after a rotation always goes through). A failed reload keeps the last good set (logged), so a brief outage of the key
 * server does not lock everyone out. After a failed load, tokens start the next one only after
 * 1 s, then 2 s, 4 s... up to that same cool-down (at least 1 s): a key server that is down is not asked again
 * for every request carrying a token (keyfunc refreshes on its own timer, never per request).
 * Unlike Go Piko, a file set is reloaded too.
 */
export class JwksSource {
  private keys: JWTVerifyGetKey | undefined;
  private loadedAt = 0;
  /** When a token with an unknown `kid` last caused a reload (its own budget, as keyfunc's limiter). */
  private lastUnknownKidReload = -Infinity;
  private pending: Promise<void> | undefined;
  /** Loads failed in a row, and when a token may start the next one (epoch ms; 0 = now). */
  private failures = 0;
  private retryAt = 0;
  private readonly cacheTtlMs: number;
  private readonly timeoutMs: number;
  private readonly cooldownMs: number;

  private constructor(
    private readonly location: Location,
    options: JwksSourceOptions,
    private readonly logger: Logger,
  ) {
    this.cacheTtlMs = options.cacheTtlMs || DEFAULT_CACHE_TTL_MS;
    this.timeoutMs = options.timeoutMs || DEFAULT_TIMEOUT_MS;
    this.cooldownMs = Math.min(MAX_UNKNOWN_KID_COOLDOWN_MS, this.cacheTtlMs);
  }

  /**
   * Parses the endpoint and loads the set once. A file that cannot be read or parsed throws (the
   * server must not start, as Go Piko); an HTTP endpoint that fails is only logged, as Go Piko's
   * keyfunc does, and retried when a token arrives.
   * @throws Error naming the problem (unsupported scheme, unreadable file, bad JSON)
   */
  static async load(options: JwksSourceOptions): Promise<JwksSource> {
    const source = new JwksSource(parseLocation(options.endpoint), options, options.logger);
    if (source.location.kind === 'file') {
      await source.reload();
    } else {
      await source.reload().catch((err: Error) =>
        options.logger.warn('jwks: first load failed; retrying when a token arrives', { endpoint: options.endpoint, err: err.message }),
      );
    }
    return source;
  }

  /** jose's key lookup: the key of the set matching the token's `kid`/`alg`. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.keys) await this.reloadWhenDue();
    else if (Date.now() - this.loadedAt > this.cacheTtlMs) void this.reloadWhenDue().catch(() => undefined);
    try {
      return await this.currentKeys()(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      // A reload already under way (a stale set, say) may bring the key; else reload unless one just ran.
      if (this.pending) await this.pending.catch(() => undefined);
      else if (Date.now() - this.lastUnknownKidReload >= this.cooldownMs && Date.now() >= this.retryAt) {
        this.lastUnknownKidReload = Date.now();
        await this.reload();
      } else throw err;
      return this.currentKeys()(header, token);
    }
  };

  private currentKeys(): JWTVerifyGetKey {
    if (!this.keys) throw new Error('load JWKS: no key set loaded yet');
    return this.keys;
  }

  /** Loads the set now (one load at a time); on failure keeps the previous set and rethrows. */
  reload(): Promise<void> {
    this.pending ??= this.load().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /**
   * reload(), unless the last load failed less than its retry delay ago: then the load in progress,
   * or a rejection saying when the next attempt may start (the previous set stays in use).
   */
  private reloadWhenDue(): Promise<void> {
    const wait = this.retryAt - Date.now();
    if (this.pending || wait <= 0) return this.reload();
    return Promise.reject(new Error(`load JWKS: the last load failed; next attempt in ${Math.ceil(wait / 1000)} s`));
  }

  private async load(): Promise<void> {
    try {
      const text = this.location.kind === 'file' ? await readFile(this.location.path, 'utf8') : await this.fetchText(this.location.url);
      if (Buffer.byteLength(text) > MAX_JWKS_BYTES) throw new Error(`larger than ${MAX_JWKS_BYTES} bytes`);
      const set = JSON.parse(text) as JSONWebKeySet;
      this.keys = createLocalJWKSet(set);
      this.loadedAt = Date.now();
      this.failures = 0;
      this.retryAt = 0;
      this.logger.debug('jwks loaded', { keys: Array.isArray(set.keys) ? set.keys.length : 0 });
    } catch (err) {
      const message = `load JWKS: ${(err as Error).message}`;
      this.retryAt = Date.now() + Math.min(Math.max(FIRST_RETRY_DELAY_MS, this.cooldownMs), FIRST_RETRY_DELAY_MS * 2 ** this.failures++);
      if (this.keys) this.logger.warn('jwks reload failed; keeping the previous key set', { err: message });
      throw new Error(message, { cause: err });
    }
  }

  private async fetchText(url: URL): Promise<string> {
    const response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json, application/jwk-set+json' } });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`${url.origin}${url.pathname}: HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_JWKS_BYTES) {
      await response.body?.cancel();
      throw new Error(`larger than ${MAX_JWKS_BYTES} bytes`);
    }
    return readCapped(response, MAX_JWKS_BYTES);
  }
}

async function readCapped(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw new Error(`larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `jwks.endpoint` as Go Piko reads it (http, https or file URLs), plus a plain path for a file.
 * @throws Error for any other scheme
 */
function parseLocation(endpoint: string): Location {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) {
    const url = new URL(endpoint);
    if (url.protocol === 'http:' || url.protocol === 'https:') return { kind: 'http', url };
    if (url.protocol === 'file:') return { kind: 'file', path: fileURLToPath(url) };
    throw new Error(`unsupported scheme: ${url.protocol.slice(0, -1)}`);
  }
  return { kind: 'file', path: endpoint };
}
