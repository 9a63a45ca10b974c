import { BodyCapture } from './body-capture';
import { CapturedExchange } from './captured-exchange';
import { ExchangeStore, MAX_CHANGES_PER_ANSWER } from './exchange-store';
import { parseStatusFilter } from './exchange-filter';
import { redactedHeaderSet, redactHeaders } from './redact-headers';

let seq = 0;
function exchange(store: ExchangeStore, endpointId: string, options: { status?: number; target?: string; body?: boolean } = {}): CapturedExchange {
  const body = options.body ? new BodyCapture(1024, undefined) : null;
  const e = new CapturedExchange(++seq, endpointId, 'p', 'http', Date.now(), '127.0.0.1', 'GET', options.target ?? '/', '1.1', ['Host', 'x'], body);
  body?.claimFrom((bytes) => store.claim(e, bytes));
  e.status = options.status ?? 200;
  return e;
}

describe('ExchangeStore', () => {
  it('keeps the last ringSize exchanges per endpoint, newest first', () => {
    const store = new ExchangeStore({ ringSize: 3, maxMemoryBytes: 1 << 20 });
    const added = Array.from({ length: 5 }, (_, i) => exchange(store, 'a', { target: `/${i}` }));
    for (const e of added) expect(store.add(e)).toBe(true);
    store.add(exchange(store, 'b'));
    expect(store.list('a', { limit: 100 }).map((e) => e.target)).toEqual(['/4', '/3', '/2']);
    expect(store.list('b', { limit: 100 })).toHaveLength(1);
    expect(added[0].evicted).toBe(true);
    expect(store.get(added[0].id)).toBeUndefined();
  });

  it('holds the memory cap: evicts the oldest records of any endpoint, then cuts a body that cannot fit', () => {
    const cap = 20_000;
    const store = new ExchangeStore({ ringSize: 1000, maxMemoryBytes: cap });
    const all: CapturedExchange[] = [];
    for (let i = 0; i < 200; i++) {
      const e = exchange(store, i % 2 ? 'a' : 'b', { body: true });
      store.add(e);
      e.requestBody?.add(Buffer.alloc(900, i));
      all.push(e);
      expect(store.used).toBeLessThanOrEqual(cap);
    }
    const kept = all.filter((e) => !e.evicted);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(20);
    // The survivors are the newest.
    expect(kept.map((e) => e.id)).toEqual(all.slice(-kept.length).map((e) => e.id));
    expect(store.used).toBe(kept.reduce((sum, e) => sum + e.charged, 0));
    // An evicted record's body keeps nothing more.
    all[0].requestBody?.add(Buffer.alloc(10));
    expect(all[0].requestBody?.kept).toBe(0);
  });

  it('refuses a body chunk that cannot fit even alone (the body is cut, the cap holds)', () => {
    const store = new ExchangeStore({ ringSize: 10, maxMemoryBytes: 2_000 });
    const e = exchange(store, 'a', { body: true });
    expect(store.add(e)).toBe(true);
    e.requestBody?.add(Buffer.alloc(1_500));
    e.requestBody!.complete = true;
    expect(store.used).toBeLessThanOrEqual(2_000);
    expect(e.requestBody?.toJSON()).toMatchObject({ size: 1_500, truncated: true });
    expect(e.replayable).toBe(false);
  });

  it('filters by status range, method, path prefix and time; limit', () => {
    const store = new ExchangeStore({ ringSize: 10, maxMemoryBytes: 1 << 20 });
    for (const [status, target] of [[200, '/a/1'], [502, '/a/2?x=/b'], [404, '/b/3'], [503, '/b/4']] as const) store.add(exchange(store, 'e', { status, target }));
    const fives = parseStatusFilter('5xx')!;
    expect(store.list('e', { statusMin: fives.min, statusMax: fives.max, limit: 10 }).map((e) => e.status)).toEqual([503, 502]);
    expect(store.list('e', { pathPrefix: '/b', limit: 10 }).map((e) => e.target)).toEqual(['/b/4', '/b/3']);
    expect(store.list('e', { method: 'POST', limit: 10 })).toEqual([]);
    expect(store.list('e', { limit: 1 })).toHaveLength(1);
    expect(store.list('e', { since: Date.now() + 1000, limit: 10 })).toEqual([]);
    expect(parseStatusFilter('6xx')).toBeUndefined();
    expect(parseStatusFilter('099')).toBeUndefined();
    expect(parseStatusFilter('404')).toEqual({ min: 404, max: 404 });
  });

  it('lists changes after a cursor, each record once, for the live feed', () => {
    const store = new ExchangeStore({ ringSize: 10, maxMemoryBytes: 1 << 20 });
    const start = store.changesSince(-1);
    expect(start.changes).toEqual([]);
    const a = exchange(store, 'e');
    store.add(a);
    const b = exchange(store, 'f');
    store.add(b);
    store.changed(a);
    const next = store.changesSince(start.version);
    expect(next.changes.map((s) => s.id)).toEqual([b.id, a.id]);
    expect(store.changesSince(start.version, 'e').changes.map((s) => s.id)).toEqual([a.id]);
    expect(store.changesSince(next.version).changes).toEqual([]);
  });

  it('gives a long run of changes over several answers, losing none', () => {
    const store = new ExchangeStore({ ringSize: 10_000, maxMemoryBytes: 1 << 30 });
    const start = store.changesSince(-1);
    const added = Array.from({ length: MAX_CHANGES_PER_ANSWER + 100 }, () => exchange(store, 'e'));
    for (const e of added) store.add(e);
    const first = store.changesSince(start.version);
    expect(first.changes).toHaveLength(MAX_CHANGES_PER_ANSWER);
    const second = store.changesSince(first.version);
    expect([...first.changes, ...second.changes].map((s) => s.id)).toEqual(added.map((e) => e.id));
    expect(first.missed || second.missed).toBe(false);
    expect(store.changesSince(second.version).changes).toEqual([]);
  });

  it('says a change was missed when a record changed after the cursor was dropped before it was read', () => {
    const store = new ExchangeStore({ ringSize: 2, maxMemoryBytes: 1 << 20 });
    const start = store.changesSince(-1);
    for (let i = 0; i < 3; i++) store.add(exchange(store, 'e'));
    const answer = store.changesSince(start.version);
    expect(answer.changes).toHaveLength(2);
    expect(answer.missed).toBe(true);
    expect(store.changesSince(answer.version).missed).toBe(false);
  });

  it('finds a record by its id, and no other proxy\'s record of the same number', () => {
    const store = new ExchangeStore({ ringSize: 10, maxMemoryBytes: 1 << 20 });
    const e = exchange(store, 'e');
    store.add(e);
    expect(store.get(e.id)).toBe(e);
    expect(store.get(`other.${e.seq}`)).toBeUndefined();
    expect(store.get('p.not-a-number')).toBeUndefined();
  });
});

describe('redactHeaders', () => {
  it('replaces the values of the always-redacted and the configured headers, any case, keeping order and repeats', () => {
    const set = redactedHeaderSet(['X-Internal-Id']);
    const raw = ['Host', 'h', 'Authorization', 'Bearer t', 'COOKIE', 'a=1', 'x-piko-authorization', 't2', 'Set-Cookie', 's=1', 'Set-Cookie', 's=2', 'x-api-key', 'k', 'x-internal-id', 'i', 'X-Csrf-Token', 'c', 'Accept', '*/*'];
    expect(redactHeaders(raw, set)).toEqual([
      ['Host', 'h'],
      ['Authorization', '[redacted]'],
      ['COOKIE', '[redacted]'],
      ['x-piko-authorization', '[redacted]'],
      ['Set-Cookie', '[redacted]'],
      ['Set-Cookie', '[redacted]'],
      ['x-api-key', '[redacted]'],
      ['x-internal-id', '[redacted]'],
      ['X-Csrf-Token', '[redacted]'],
      ['Accept', '*/*'],
    ]);
  });
});

describe('BodyCapture', () => {
  it('keeps the first limit bytes across chunks and counts them all', () => {
    const body = new BodyCapture(5, () => true);
    body.add(Buffer.from('abc'));
    body.add(Buffer.from('defgh'));
    body.complete = true;
    expect(body.toJSON()).toEqual({ size: 8, kept: Buffer.from('abcde').toString('base64'), truncated: true });
    expect(body.whole).toBe(false);
  });

  it('keeps nothing of an omitted body', () => {
    const body = new BodyCapture(5, () => true, 'content_type');
    body.add(Buffer.from('abc'));
    expect(body.toJSON()).toEqual({ size: 3, kept: '', truncated: true, omitted: 'content_type' });
  });
});
