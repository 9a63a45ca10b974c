import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Writable, finished } from 'node:stream';
import { GoAwayError, SessionClosedError, TooManyStreamsError } from '../errors';
import { SessionPair, readAll, sessionPair } from '../testing/connection-pairs';
import type { YamuxStream } from './stream';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function echoServer(pair: SessionPair): void {
  pair.server.on('stream', (s: YamuxStream) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
}

describe.each(['tcp', 'ws'] as const)('Session over %s', (kind) => {
  let pair: SessionPair;
  afterEach(async () => {
    await pair?.close();
  });

  it('opens a stream the peer accepts, with odd client and even server IDs, and echoes', async () => {
    pair = await sessionPair(kind);
    echoServer(pair);
    const a = pair.client.open();
    const b = pair.client.open();
    expect([a.id, b.id]).toEqual([1, 3]);
    a.end('hello');
    b.end('world');
    expect((await readAll(a)).toString()).toBe('hello');
    expect((await readAll(b)).toString()).toBe('world');

    const fromServer = pair.server.open();
    expect(fromServer.id).toBe(2);
    const [accepted] = (await once(pair.client, 'stream')) as [YamuxStream];
    expect(accepted.id).toBe(2);
    accepted.end('pong');
    fromServer.end();
    expect((await readAll(fromServer)).toString()).toBe('pong');
  });

  // 8 MiB is 32 of the 256 KiB stream windows: the flow control is exercised many times over
  // (64 MiB took over 5 s on two loaded cores and proved no more).
  it('carries 8 MiB from client to server intact', async () => {
    pair = await sessionPair(kind);
    const data = randomBytes(8 * 1024 * 1024);
    pair.server.once('stream', (s: YamuxStream) => {
        const hash = createHash('sha256');
        let n = 0;
        s.on('data', (c: Buffer) => {
          n += c.length;
          hash.update(c);
        });
        s.on('end', () => {
          s.end(`${n} ${hash.digest('hex')}`);
        });
    });
    const stream = pair.client.open();
    // Write in 1 MiB pieces honouring backpressure, as a real producer would.
    for (let off = 0; off < data.length; off += 1 << 20) {
      if (!stream.write(data.subarray(off, off + (1 << 20)))) await once(stream, 'drain');
    }
    stream.end();
    const reply = (await readAll(stream)).toString();
    expect(reply).toBe(`${data.length} ${sha256(data)}`);
  });

  it('carries 8 MiB from server to client intact', async () => {
    pair = await sessionPair(kind);
    const data = randomBytes(8 * 1024 * 1024);
    pair.server.on('stream', (s: YamuxStream) => s.end(data));
    const stream = pair.client.open();
    stream.end();
    expect(sha256(await readAll(stream))).toBe(sha256(data));
  });

  it('runs 200 concurrent streams, each echoing its own 32 KiB', async () => {
    pair = await sessionPair(kind);
    echoServer(pair);
    const results = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const payload = randomBytes(32 * 1024);
        const s = pair.client.open();
        s.end(payload);
        return (await readAll(s)).equals(payload);
      }),
    );
    expect(results.every(Boolean)).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(pair.client.numStreams).toBe(0);
  }, 30_000);

  it('half-closes: the peer still writes after our FIN, and both sides close after both FINs', async () => {
    pair = await sessionPair(kind);
    const serverSide = new Promise<YamuxStream>((resolve) => {
      pair.server.once('stream', async (s: YamuxStream) => {
        const request = await readAll(s); // ends on our FIN
        s.write('got ');
        s.end(request);
        resolve(s);
      });
    });
    const c = pair.client.open();
    c.end('request');
    expect((await readAll(c)).toString()).toBe('got request');
    const s = await serverSide;
    await Promise.all([c, s].map((x) => (x.closed ? undefined : once(x, 'close'))));
    expect(pair.client.numStreams).toBe(0);
    expect(pair.server.numStreams).toBe(0);
  });

  it('destroy() resets the stream: the peer sees ECONNRESET', async () => {
    pair = await sessionPair(kind);
    const serverErr = new Promise<NodeJS.ErrnoException>((resolve) => {
      pair.server.once('stream', (s: YamuxStream) => {
        s.resume();
        s.once('error', resolve);
      });
    });
    const c = pair.client.open();
    c.write('partial');
    await new Promise((r) => setTimeout(r, 10));
    c.destroy();
    const err = await serverErr;
    expect(err.code).toBe('ECONNRESET');
    expect(pair.server.numStreams).toBe(0);
  });

  it('go-away: open() throws afterwards, existing streams carry on, new peer SYNs are refused', async () => {
    pair = await sessionPair(kind);
    echoServer(pair);
    const existing = pair.client.open();
    existing.write('before ');
    const goaway = once(pair.client, 'goaway');
    await new Promise((r) => setTimeout(r, 10));
    pair.server.goAway();
    await goaway;
    expect(pair.client.remoteGoAway).toBe(true);
    expect(() => pair.client.open()).toThrow(GoAwayError);
    existing.end('after');
    expect((await readAll(existing)).toString()).toBe('before after');

    // Go-away works both ways: after the client's, the server may not open either.
    const serverGotGoAway = once(pair.server, 'goaway');
    const fence = pair.client.goAway();
    await serverGotGoAway;
    expect(() => pair.server.open()).toThrow(GoAwayError);
    await fence; // the ping behind the GoAway was answered
    expect(pair.client.isClosed).toBe(false);
  });

  it('answers pings and measures RTT, and keeps the session alive with keepalive pings', async () => {
    pair = await sessionPair(kind, { keepAliveInterval: 20, connectionWriteTimeout: 2000 });
    const rtt = await pair.client.ping();
    expect(typeof rtt).toBe('number');
    expect(rtt).toBeGreaterThanOrEqual(0);
    await new Promise((r) => setTimeout(r, 200)); // several keepalive rounds
    expect(pair.client.isClosed).toBe(false);
    expect(await pair.server.ping()).toBeGreaterThanOrEqual(0);
  });

  it('backpressure: a reader that does not read stops the writer after one window', async () => {
    pair = await sessionPair(kind);
    const accepted = once(pair.server, 'stream') as Promise<[YamuxStream]>;
    const c = pair.client.open();
    const total = 4 * 1024 * 1024;
    let writeDone = false;
    c.write(Buffer.alloc(total, 7), () => (writeDone = true));
    const [s] = await accepted;
    // Wait until the whole first window arrived, then two ping round trips, which the peer
    // answers only after it processed every frame sent before them.
    while (s.unreadLength < 256 * 1024) await new Promise((r) => setImmediate(r));
    await pair.client.ping();
    await pair.server.ping();
    await pair.client.ping();
    expect(s.unreadLength).toBe(256 * 1024);
    expect(writeDone).toBe(false);
    // The write waits (the writable side counts writes, YamuxStream's SMALL_WRITE_BYTES).
    expect(c.writableLength).toBe(1);

    // Reading releases the writer and all bytes arrive.
    let received = 0;
    s.on('data', (chunk: Buffer) => (received += chunk.length));
    await new Promise<void>((resolve) => {
      const check = () => (writeDone ? resolve() : setTimeout(check, 5));
      check();
    });
    c.end();
    await once(s, 'end');
    expect(received).toBe(total);
  }, 30_000);

  it('one-byte writes to a peer that does not read are held merged: a bounded send buffer, one write queued, then all arrive in order', async () => {
    pair = await sessionPair(kind);
    const accepted = once(pair.server, 'stream') as Promise<[YamuxStream]>;
    const c = pair.client.open();
    c.write(Buffer.from([0]));
    const [s] = await accepted;
    s.pause();
    // One byte per event-loop turn, as a client trickling single bytes makes a stream write them.
    let written = 1;
    let blocked = false;
    while (!blocked && written < 400_000) {
      blocked = !c.write(Buffer.from([written++ & 0xff]));
      await new Promise((r) => setImmediate(r));
    }
    expect(blocked).toBe(true);
    await pair.client.ping();
    await pair.server.ping();
    // Before: Node queued every write behind the full window, 65,536 one-byte Buffers (~12 MB).
    const held = c as unknown as { pending: Buffer[]; unsentBytes: number };
    expect(c.writableLength).toBeLessThanOrEqual(1);
    expect(held.unsentBytes).toBeLessThanOrEqual(64 * 1024 + 1);
    expect(held.pending.length).toBeLessThanOrEqual(8);
    // The reader catches up: every byte arrives, in order.
    const got = readAll(s);
    s.resume();
    c.end();
    const bytes = await got;
    expect(bytes.length).toBe(written);
    expect(bytes.every((b, i) => b === (i & 0xff))).toBe(true);
  }, 30_000);

  it('a reader that pauses on a slow destination and drains later hands the window back (no stall)', async () => {
    // pipe() pauses the stream while the destination is full; the window check Readable triggers
    // through _read can run while the buffer is still above half a window, and Readable calls
    // _read again only after the next push, which a sender out of window never makes. Reads
    // after that must still hand the window back.
    pair = await sessionPair(kind);
    const total = 8 * 1024 * 1024;
    const accepted = once(pair.server, 'stream') as Promise<[YamuxStream]>;
    const c = pair.client.open();
    const writing = (async () => {
      for (let off = 0; off < total; off += 64 * 1024) {
        if (!c.write(Buffer.alloc(64 * 1024, 1))) await once(c, 'drain');
      }
      c.end();
    })();
    const [s] = await accepted;
    let received = 0;
    let turn = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, cb) {
        received += chunk.length;
        // Sometimes at once, sometimes a loop turn or a timer later: the reader pauses and resumes
        // at every point of a window.
        turn++;
        if (turn % 3 === 0) setTimeout(cb, 1);
        else if (turn % 3 === 1) setImmediate(cb);
        else cb();
      },
    });
    s.pipe(slow);
    await once(slow, 'finish');
    await writing;
    expect(received).toBe(total);
  }, 60_000);

  it('closing the session closes open streams on both sides and refuses later opens', async () => {
    pair = await sessionPair(kind);
    const accepted = once(pair.server, 'stream') as Promise<[YamuxStream]>;
    const c = pair.client.open();
    c.write('x');
    const [s] = await accepted;
    s.resume();
    const remoteClosed = once(pair.server, 'close');
    const finishedErr = new Promise<NodeJS.ErrnoException | null | undefined>((r) => finished(s, r));
    pair.client.close();
    expect(c.destroyed).toBe(true);
    expect(() => pair.client.open()).toThrow(SessionClosedError);
    await remoteClosed;
    expect(pair.server.isClosed).toBe(true);
    expect((await finishedErr)?.code).toBe('ERR_STREAM_PREMATURE_CLOSE');
  });

  it('closing the session with an error fails open streams with it', async () => {
    pair = await sessionPair(kind);
    const c = pair.client.open();
    const err = once(c, 'error') as Promise<[Error]>;
    const boom = new Error('boom');
    const closed = once(pair.client, 'close');
    pair.client.close(boom);
    expect((await err)[0]).toBe(boom);
    expect((await closed)[0]).toBe(boom);
  });

  it('maxStreams: open() refuses beyond the limit and the peer resets extra SYNs', async () => {
    pair = await sessionPair(kind, { maxStreams: 2 }, { maxStreams: 1 });
    pair.server.on('stream', (s: YamuxStream) => s.resume());
    const a = pair.client.open();
    const b = pair.client.open();
    a.on('error', () => undefined);
    expect(() => pair.client.open()).toThrow(TooManyStreamsError);
    const [err] = (await once(b, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNRESET');
    a.destroy();
  });

  it('acceptBacklog: streams wait for a listener, and SYNs beyond the backlog are reset', async () => {
    pair = await sessionPair(kind, {}, { acceptBacklog: 2 });
    const [a, b, c] = [pair.client.open(), pair.client.open(), pair.client.open()];
    a.write('a');
    b.write('b');
    const [err] = (await once(c, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNRESET');
    const accepted: number[] = [];
    pair.server.on('stream', (s: YamuxStream) => {
      accepted.push(s.id);
      s.pipe(s);
    });
    a.end();
    b.end();
    expect((await readAll(a)).toString()).toBe('a');
    expect((await readAll(b)).toString()).toBe('b');
    expect(accepted).toEqual([1, 3]);
  });
});
