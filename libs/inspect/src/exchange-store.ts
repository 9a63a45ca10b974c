import type { CapturedExchange } from './captured-exchange';
import type { ExchangeSummary } from './exchange-record';
import { type ExchangeFilter, matchesFilter } from './exchange-filter';

/** The most summaries one `changesSince` answer carries; the rest come with the next ask. */
export const MAX_CHANGES_PER_ANSWER = 2048;

export interface ExchangeStoreOptions {
  /** `proxy.inspect.ring_size`: exchanges kept per endpoint; the oldest goes first. */
  ringSize: number;
  /** `proxy.inspect.max_memory` in bytes: every record and kept body byte of this proxy, at most. */
  maxMemoryBytes: number;
}

/** What `changesSince` returns: the summaries changed after `since`, and the cursor to ask with next. */
export interface ExchangeChanges {
  version: number;
  changes: ExchangeSummary[];
  /** A record changed after `since` was dropped (ring or memory cap) before this answer: it is missing. */
  missed: boolean;
}

/**
 * The proxy's captured exchanges, in memory only: a ring of the last `ringSize` per endpoint, and
 * all of them together under `maxMemoryBytes`. Memory is claimed before it is used (a record's
 * head when it is added, each body chunk before it is kept), and a claim that does not fit evicts
 * the oldest records of any endpoint first; a claim still too big is refused (the body is cut
 * there). So the cap holds at every moment, exchanges in flight included, under any flood.
 *
 * Every operation on the capture path is O(1) and allocates nothing but map entries: the live
 * feed's order (records by the version of their last change) is a list threaded through the
 * records themselves, so a change moves one record to its end and nothing is copied or kept
 * beyond the records the store holds.
 */
export class ExchangeStore {
  /** Every record, by seq, oldest first (the memory cap evicts from the front). */
  private readonly all = new Map<number, CapturedExchange>();
  private readonly rings = new Map<string, Map<number, CapturedExchange>>();
  private usedBytes = 0;
  private version = 0;
  /** The records by last change: oldest change first. */
  private changedFirst: CapturedExchange | null = null;
  private changedLast: CapturedExchange | null = null;
  /** The newest version a dropped record had: a feed behind it missed that record. */
  private droppedVersion = 0;

  constructor(private readonly options: ExchangeStoreOptions) {}

  /** Bytes claimed by the records kept now. */
  get used(): number {
    return this.usedBytes;
  }

  get size(): number {
    return this.all.size;
  }

  /** The change counter now: `changesSince(this)` later gives what changed after this moment. */
  get currentVersion(): number {
    return this.version;
  }

  /**
   * Keeps a new exchange (in flight: its capture fills it in). Returns false, keeping nothing,
   * when even an empty store could not hold its head.
   */
  add(exchange: CapturedExchange): boolean {
    if (!this.claimFor(exchange, exchange.baseBytes(), false)) return false;
    this.all.set(exchange.seq, exchange);
    let ring = this.rings.get(exchange.endpointId);
    if (!ring) this.rings.set(exchange.endpointId, (ring = new Map()));
    ring.set(exchange.seq, exchange);
    if (ring.size > this.options.ringSize) this.remove(ring.values().next().value as CapturedExchange);
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
    if (this.changedLast === exchange) return;
    this.unlinkChanged(exchange);
    exchange.changedBefore = this.changedLast;
    if (this.changedLast) this.changedLast.changedAfter = exchange;
    else this.changedFirst = exchange;
    this.changedLast = exchange;
  }

  /** The record with this id (`${proxy_node}.${seq}`), if it is still kept. */
  get(id: string): CapturedExchange | undefined {
    const exchange = this.all.get(Number(id.slice(id.lastIndexOf('.') + 1)));
    return exchange !== undefined && exchange.id === id ? exchange : undefined;
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
   * once, at most MAX_CHANGES_PER_ANSWER (the answer's version is then that of the last one
   * given, so the next ask goes on from there). A `since` beyond this store's version (the proxy
   * restarted) counts from 0.
   */
  changesSince(since: number, endpointId?: string): ExchangeChanges {
    if (since < 0) return { version: this.version, changes: [], missed: false };
    if (since > this.version) since = 0;
    let first = this.changedLast;
    while (first?.changedBefore && first.changedBefore.version > since) first = first.changedBefore;
    const changes: ExchangeSummary[] = [];
    let version = this.version;
    for (let e = first && first.version > since ? first : null; e; e = e.changedAfter) {
      if (endpointId !== undefined && e.endpointId !== endpointId) continue;
      if (changes.length === MAX_CHANGES_PER_ANSWER) {
        version = e.changedBefore?.version ?? since;
        break;
      }
      changes.push(e.summary());
    }
    return { version, changes, missed: this.droppedVersion > since };
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

  private unlinkChanged(exchange: CapturedExchange): void {
    const { changedBefore: before, changedAfter: after } = exchange;
    if (before) before.changedAfter = after;
    else if (this.changedFirst === exchange) this.changedFirst = after;
    if (after) after.changedBefore = before;
    else if (this.changedLast === exchange) this.changedLast = before;
    exchange.changedBefore = exchange.changedAfter = null;
  }

  private remove(exchange: CapturedExchange): void {
    if (exchange.evicted) return;
    exchange.evicted = true;
    this.all.delete(exchange.seq);
    const ring = this.rings.get(exchange.endpointId);
    ring?.delete(exchange.seq);
    if (ring?.size === 0) this.rings.delete(exchange.endpointId);
    this.unlinkChanged(exchange);
    if (exchange.version > this.droppedVersion) this.droppedVersion = exchange.version;
    this.usedBytes -= exchange.charged;
    exchange.charged = 0;
    exchange.requestBody?.drop();
    exchange.responseBody?.drop();
  }
}
