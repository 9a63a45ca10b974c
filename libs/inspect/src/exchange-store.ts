import type { CapturedExchange } from './captured-exchange';
import type { ExchangeSummary } from './exchange-record';
import { type ExchangeFilter, matchesFilter } from './exchange-filter';

export interface ExchangeStoreOptions {
  /** `proxy.inspect.ring_size`: exchanges kept per endpoint; the oldest goes first. */
  ringSize: number;
  /** `proxy.inspect.max_memory` in bytes: every record and kept body byte of this proxy, at most. */
  maxMemoryBytes: number;
  /** Changes remembered for the live feed's cursor (`changesSince`). */
  changeLogSize?: number;
}

/** What `changesSince` returns: the summaries changed after `since`, and the cursor to ask with next. */
export interface ExchangeChanges {
  version: number;
  changes: ExchangeSummary[];
  /** Changes older than the log were asked for: some are missing. */
  missed: boolean;
}

/**
 * The proxy's captured exchanges, in memory only: a ring of the last `ringSize` per endpoint, and
 * all of them together under `maxMemoryBytes`. Memory is claimed before it is used (a record's
 * head when it is added, each body chunk before it is kept), and a claim that does not fit evicts
 * the oldest records of any endpoint first; a claim still too big is refused (the body is cut
 * there). So the cap holds at every moment, exchanges in flight included, under any flood.
 */
export class ExchangeStore {
  private readonly all = new Map<string, CapturedExchange>();
  private readonly rings = new Map<string, Map<string, CapturedExchange>>();
  private usedBytes = 0;
  private version = 0;
  private readonly changeLog: Array<{ version: number; exchange: CapturedExchange }> = [];
  private readonly changeLogSize: number;

  constructor(private readonly options: ExchangeStoreOptions) {
    this.changeLogSize = options.changeLogSize ?? 2048;
  }

  /** Bytes claimed by the records kept now. */
  get used(): number {
    return this.usedBytes;
  }

  get size(): number {
    return this.all.size;
  }

  /**
   * Keeps a new exchange (in flight: its capture fills it in). Returns false, keeping nothing,
   * when even an empty store could not hold its head.
   */
  add(exchange: CapturedExchange): boolean {
    if (!this.claimFor(exchange, exchange.baseBytes(), false)) return false;
    this.all.set(exchange.id, exchange);
    let ring = this.rings.get(exchange.endpointId);
    if (!ring) this.rings.set(exchange.endpointId, (ring = new Map()));
    ring.set(exchange.id, exchange);
    while (ring.size > this.options.ringSize) this.remove(ring.values().next().value as CapturedExchange);
    this.changed(exchange);
    return true;
  }

  /**
   * Claims `bytes` more for `exchange` (a body chunk to keep), evicting the oldest other records
   * while they do not fit. False (nothing claimed) when the record was evicted or they cannot fit.
   */
  claim(exchange: CapturedExchange, bytes: number): boolean {
    if (exchange.evicted) return false;
    return this.claimFor(exchange, bytes, true);
  }

  /** Marks a record changed (it ended, a stream closed): the live feed sends it again. */
  changed(exchange: CapturedExchange): void {
    if (exchange.evicted) return;
    exchange.version = ++this.version;
    this.changeLog.push({ version: exchange.version, exchange });
    if (this.changeLog.length > this.changeLogSize) this.changeLog.splice(0, this.changeLog.length - this.changeLogSize);
  }

  get(id: string): CapturedExchange | undefined {
    return this.all.get(id);
  }

  /** An endpoint's exchanges passing `filter`, newest first, at most `filter.limit`. */
  list(endpointId: string, filter: ExchangeFilter): CapturedExchange[] {
    const ring = this.rings.get(endpointId);
    if (!ring) return [];
    const newestFirst = [...ring.values()].reverse();
    const out: CapturedExchange[] = [];
    for (const exchange of newestFirst) {
      if (!matchesFilter(exchange, filter)) continue;
      out.push(exchange);
      if (out.length >= filter.limit) break;
    }
    return out;
  }

  /**
   * The summaries of records added or changed after `since` (a version from an earlier answer;
   * -1 for "from now on": only the current version is returned), oldest change first, each record
   * once. A `since` beyond this store's version (the proxy restarted) counts from 0.
   */
  changesSince(since: number, endpointId?: string): ExchangeChanges {
    if (since < 0) return { version: this.version, changes: [], missed: false };
    if (since > this.version) since = 0;
    const first = this.changeLog[0];
    const missed = first === undefined ? since < this.version : first.version > since + 1;
    const seen = new Set<string>();
    const changes: ExchangeSummary[] = [];
    for (const { version, exchange } of this.changeLog) {
      if (version <= since || exchange.evicted || exchange.version !== version) continue;
      if (endpointId !== undefined && exchange.endpointId !== endpointId) continue;
      if (seen.has(exchange.id)) continue;
      seen.add(exchange.id);
      changes.push(exchange.summary());
    }
    return { version: this.version, changes, missed };
  }

  /** Forgets every record of an endpoint (its inspection was switched off). */
  clearEndpoint(endpointId: string): void {
    const ring = this.rings.get(endpointId);
    if (!ring) return;
    for (const exchange of [...ring.values()]) this.remove(exchange);
  }

  private claimFor(exchange: CapturedExchange, bytes: number, stored: boolean): boolean {
    if (bytes > this.options.maxMemoryBytes) return false;
    while (this.usedBytes + bytes > this.options.maxMemoryBytes) {
      const oldest = this.oldestOtherThan(exchange);
      if (!oldest) return false;
      this.remove(oldest);
    }
    if (stored && exchange.evicted) return false;
    this.usedBytes += bytes;
    exchange.charged += bytes;
    return true;
  }

  private oldestOtherThan(exchange: CapturedExchange): CapturedExchange | undefined {
    for (const candidate of this.all.values()) if (candidate !== exchange) return candidate;
    return undefined;
  }

  private remove(exchange: CapturedExchange): void {
    if (exchange.evicted) return;
    exchange.evicted = true;
    this.all.delete(exchange.id);
    const ring = this.rings.get(exchange.endpointId);
    ring?.delete(exchange.id);
    if (ring?.size === 0) this.rings.delete(exchange.endpointId);
    this.usedBytes -= exchange.charged;
    exchange.charged = 0;
    exchange.requestBody?.drop();
    exchange.responseBody?.drop();
  }
}
