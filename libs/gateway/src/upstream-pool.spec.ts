import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { EndpointBusyError, SessionClosedError, TooManyStreamsError, type EndpointProtocol, type Session } from '@piko/protocol';
import { type UpstreamConnection, UpstreamPool } from './upstream-pool';

/** A stand-in session: only what the pool reads (the real multiplexer is tested in @piko/protocol). */
function connection(name: string, endpointId = 'svc', protocol?: EndpointProtocol): UpstreamConnection & { opened: number } {
  const session = Object.assign(new EventEmitter(), { isClosed: false, remoteGoAway: false, open: () => new PassThrough() });
  const conn = { id: name, endpointId, remoteAddr: name, connectedAt: new Date(), session: session as unknown as Session, protocol, opened: 0 };
  session.open = () => {
    conn.opened++;
    return new PassThrough();
  };
  return conn;
}

describe('UpstreamPool', () => {
  it('balances an endpoint round robin and reports counts', () => {
    const pool = new UpstreamPool();
    const [a, b] = [connection('a'), connection('b')];
    const changes: Array<[string, number]> = [];
    pool.on('change', (id, count) => changes.push([id, count]));
    pool.add(a);
    pool.add(b);
    for (let i = 0; i < 4; i++) pool.dial('svc');
    expect([a.opened, b.opened]).toEqual([2, 2]);
    pool.remove(a);
    expect(pool.counts()).toEqual(new Map([['svc', 1]]));
    expect(changes).toEqual([['svc', 1], ['svc', 2], ['svc', 1]]);
    expect(pool.dial('other')).toBeUndefined();
  });

  it('pick chooses per request as dial does (round robin, retiring ones last) without opening; openOn falls back to another upstream', () => {
    const pool = new UpstreamPool();
    const [a, b, c] = [connection('a'), connection('b'), connection('c')];
    pool.add(a);
    pool.add(b);
    pool.add(c);
    expect([1, 2, 3, 4].map(() => pool.pick('svc')?.id)).toEqual(['a', 'b', 'c', 'a']);
    expect([a.opened, b.opened, c.opened]).toEqual([0, 0, 0]);
    pool.markRetiring(b);
    (c.session as unknown as { remoteGoAway: boolean }).remoteGoAway = true;
    expect([1, 2].map(() => pool.pick('svc')?.id)).toEqual(['a', 'a']);
    pool.remove(a);
    expect(pool.pick('svc')?.id).toBe('b'); // retiring, but the only one left
    expect(pool.pick('other')).toBeUndefined();
    // `c` said go-away since it was picked: the stream goes to the endpoint's other upstream.
    expect(pool.openOn(c)).toBeDefined();
    expect([b.opened, c.opened]).toEqual([1, 0]);
  });

  it('skips a closed session or one that said go-away', () => {
    const pool = new UpstreamPool();
    const [a, b] = [connection('a'), connection('b')];
    pool.add(a);
    pool.add(b);
    (a.session as unknown as { isClosed: boolean }).isClosed = true;
    for (let i = 0; i < 3; i++) pool.dial('svc');
    expect([a.opened, b.opened]).toEqual([0, 3]);
    (b.session as unknown as { remoteGoAway: boolean }).remoteGoAway = true;
    expect(pool.dial('svc')).toBeUndefined();
  });

  it('never gives a raw TCP stream to an upstream that declared http; any stream to the others', () => {
    const pool = new UpstreamPool();
    const [web, db, goPiko] = [connection('web', 'svc', 'http'), connection('db', 'svc', 'tcp'), connection('go-piko', 'svc')];
    pool.add(web);
    expect(pool.dial('svc', { rawTcp: true })).toBeUndefined();
    expect(pool.servesOnlyHttp('svc')).toBe(true);
    expect(pool.servesOnlyHttp('other')).toBe(false);
    pool.add(db);
    pool.add(goPiko);
    expect(pool.servesOnlyHttp('svc')).toBe(false);
    for (let i = 0; i < 4; i++) pool.dial('svc', { rawTcp: true });
    expect([web.opened, db.opened, goPiko.opened]).toEqual([0, 2, 2]);
    // HTTP streams go to every upstream, as before.
    for (let i = 0; i < 3; i++) pool.dial('svc');
    expect([web.opened, db.opened, goPiko.opened]).toEqual([1, 3, 3]);
  });

  it('uses a retiring upstream only while the endpoint has no other', () => {
    const pool = new UpstreamPool();
    const old = connection('old');
    pool.add(old);
    pool.markRetiring(old);
    pool.dial('svc');
    expect(old.opened).toBe(1);
    const fresh = connection('fresh');
    pool.add(fresh);
    for (let i = 0; i < 3; i++) pool.dial('svc');
    expect([old.opened, fresh.opened]).toEqual([1, 3]);
  });

  it('throws EndpointBusyError when every upstream is at its stream limit, not when they are closing', () => {
    const pool = new UpstreamPool();
    const [a, b] = [connection('a'), connection('b')];
    pool.add(a);
    pool.add(b);
    const full = (): never => {
      throw new TooManyStreamsError(4096);
    };
    (a.session as unknown as { open: () => unknown }).open = full;
    // One upstream still has room: it takes the stream.
    expect(pool.dial('svc')).toBeDefined();
    expect(b.opened).toBe(1);
    (b.session as unknown as { open: () => unknown }).open = full;
    expect(() => pool.dial('svc')).toThrow(EndpointBusyError);
    // Closing between the check and the open is "no upstream", as before.
    for (const conn of [a, b]) {
      (conn.session as unknown as { open: () => unknown }).open = () => {
        throw new SessionClosedError();
      };
    }
    expect(pool.dial('svc')).toBeUndefined();
  });

  it('counts requests (Go\'s piko_upstreams_upstream_requests_total): per pick, whether a kept stream or a new one carries it', () => {
    const pool = new UpstreamPool();
    const [a, b] = [connection('a'), connection('b')];
    pool.add(a);
    pool.add(b);
    const first = pool.pick('svc') as UpstreamConnection; // goes down a kept stream: no open
    expect(pool.requestsSent).toBe(1);
    pool.openOn(pool.pick('svc') as UpstreamConnection); // a new stream for the second request
    expect(pool.requestsSent).toBe(2);
    expect(pool.dial('svc')).toBeDefined(); // one stream per request (raw TCP, Go Piko's path)
    expect(pool.requestsSent).toBe(3);
    expect([a.requestsSent, b.requestsSent]).toEqual([first === a ? 2 : 1, first === b ? 2 : 1]);
    // An upstream that cannot take the stream: the request is counted where it went instead.
    (a.session as unknown as { open: () => unknown }).open = (): never => {
      throw new TooManyStreamsError(4096);
    };
    pool.openOn(a);
    expect(pool.requestsSent).toBe(3); // openOn(a) without a pick: -1 on a, +1 on b
    expect((a.requestsSent ?? 0) + (b.requestsSent ?? 0)).toBe(3);
  });
});
