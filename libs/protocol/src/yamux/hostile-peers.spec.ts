import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { ProtocolViolationError } from '../errors';
import { ConnPair, LogRecord, readAll, recordingLogger, sessionPair, tcpPair, wsPair } from '../testing/connection-pairs';
import { collectFrames } from '../testing/frame-collector';
import { Flag, FrameHeader, FrameType, GoAwayCode, HEADER_SIZE, writeHeader } from './frame';
import { Session } from './session';
import type { SessionOptions } from './session-options';
import type { YamuxStream } from './stream';

// Hand-written hostile peers against a server Session: each floods one kind of frame, most never
// read what the session sends back. The session must hold a bounded amount for them and end
// the session with GoAway(protocol error), logging the reason once.

const LIMIT = 64 * 1024;

/** `count` frames in one buffer, made by `frame(buf, offset, i)` writing each 12-byte header. */
function frames(count: number, frame: (buf: Buffer, offset: number, i: number) => void): Buffer {
  const buf = Buffer.alloc(count * HEADER_SIZE);
  for (let i = 0; i < count; i++) frame(buf, i * HEADER_SIZE, i);
  return buf;
}

const pings = (count: number, first = 0) =>
  frames(count, (b, o, i) => writeHeader(b, o, FrameType.Ping, Flag.SYN, 0, first + i));

/** SYNs opening streams 1, 3, 5, … in batches of 2048, for flood(); `opened()` counts those made so far. */
function synBatches(): { next: () => Buffer; opened: () => number } {
  let id = 1;
  return {
    next: () =>
      frames(2048, (b, o) => {
        writeHeader(b, o, FrameType.WindowUpdate, Flag.SYN, id, 0);
        id += 2;
      }),
    opened: () => (id - 1) / 2,
  };
}

/** Writes `next()` to `out` for as long as it takes writes, until stopped (the writer's own memory stays bounded). */
function flood(out: { write(b: Buffer, cb: (err?: Error | null) => void): unknown }, next: () => Buffer): { stop(): void } {
  let stopped = false;
  const pump = (): void => {
    if (stopped) return;
    out.write(next(), (err) => (err ? undefined : setImmediate(pump)));
  };
  pump();
  return { stop: () => void (stopped = true) };
}

/** Reads what the session sent until the connection is gone (ended or reset). */
async function readUntilClosed(raw: Duplex): Promise<FrameHeader[]> {
  const received = collectFrames(raw);
  raw.resume();
  // Not events.once: it rejects on 'error', and a reset is a fine end for a peer that never read.
  await new Promise((resolve) => raw.once('close', resolve));
  return received;
}

/** Records the largest write buffer the session ever left on its connection. */
function watchWriteBuffer(conn: Duplex): { max: number } {
  const seen = { max: 0 };
  const write = conn.write.bind(conn) as (...args: unknown[]) => boolean;
  (conn as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]) => {
    const ok = write(...args);
    seen.max = Math.max(seen.max, conn.writableLength);
    return ok;
  };
  return seen;
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

interface Victim {
  pair: ConnPair;
  session: Session;
  raw: Socket;
  logs: LogRecord[];
  closed: Promise<[Error | undefined]>;
  writeBuffer: { max: number };
}

async function tcpVictim(options: Partial<SessionOptions> = {}): Promise<Victim> {
  const pair = await tcpPair();
  const logs: LogRecord[] = [];
  const writeBuffer = watchWriteBuffer(pair.server);
  const session = new Session(pair.server, {
    client: false,
    keepAliveInterval: 0,
    maxQueuedControlBytes: LIMIT,
    queuedControlTimeout: 200,
    logger: recordingLogger(logs),
    ...options,
  });
  const closed = once(session, 'close') as Promise<[Error | undefined]>;
  // A flood still being written when the session cuts the connection fails with EPIPE/ECONNRESET.
  pair.client.on('error', () => undefined);
  return { pair, session, raw: pair.client as Socket, logs, closed, writeBuffer };
}

/** The session ended with a protocol violation matching `reason`, logged once. */
async function expectViolation(victim: Victim, reason: RegExp): Promise<void> {
  const [err] = await victim.closed;
  expect(err).toBeInstanceOf(ProtocolViolationError);
  expect((err as ProtocolViolationError).reason).toMatch(reason);
  const violations = victim.logs.filter((l) => /protocol violation/.test(l.msg));
  expect(violations).toHaveLength(1);
  expect(String(violations[0].fields?.reason)).toMatch(reason);
}

/**
 * Reads what the session sent once it is closed: the last frame is GoAway(protocol error). Only
 * for peers that were reading: to one that is not, the GoAway is queued behind what it left
 * unread, and the connection is cut (possibly with a reset that drops that queue) instead.
 */
async function expectGoAwayAtEnd(raw: Duplex): Promise<FrameHeader[]> {
  const received = collectFrames(raw);
  raw.resume();
  await once(raw, 'end');
  expect(received[received.length - 1]).toMatchObject({ type: FrameType.GoAway, length: GoAwayCode.ProtocolError });
  return received;
}

describe('hostile peers that never read: bounded queue, then GoAway(protocol error)', () => {
  // A flood on 2 loaded cores can take longer than Jest's 5 s to trip the limit; what is asserted is the bound, not the time.
  jest.setTimeout(30_000);
  let victim: Victim;
  afterEach(async () => {
    victim.session.close();
    await victim.pair.close();
  });

  it('ping flood over TCP', async () => {
    victim = await tcpVictim();
    victim.raw.pause(); // never reads the ACKs
    const flooding = flood(victim.raw, () => pings(4096));
    await expectViolation(victim, /did not read \d+ bytes of queued control frames within 200 ms/);
    flooding.stop();
    // What the session handed its connection stayed at the limit (plus the frame that crossed it
    // and the GoAway), however much the peer sent.
    expect(victim.writeBuffer.max).toBeLessThanOrEqual(LIMIT + 4 * HEADER_SIZE);
    const received = await readUntilClosed(victim.raw);
    expect(received.every((h) => (h.type === FrameType.Ping && h.flags === Flag.ACK) || h.type === FrameType.GoAway)).toBe(true);
  });

  it('SYN flood (each stream accepted and reset at once, as the gateway does) over TCP', async () => {
    victim = await tcpVictim();
    victim.session.on('stream', (s: YamuxStream) => s.destroy());
    victim.raw.pause();
    const syns = synBatches();
    const flooding = flood(victim.raw, syns.next);
    await expectViolation(victim, /did not read/);
    flooding.stop();
    expect(victim.writeBuffer.max).toBeLessThanOrEqual(LIMIT + 4 * HEADER_SIZE);
    expect(victim.session.numStreams).toBe(0);
    await readUntilClosed(victim.raw);
  });

  it('SYN flood with refuseInboundStreams (the gateway): RST only, no stream allocated', async () => {
    victim = await tcpVictim({ refuseInboundStreams: true });
    let accepted = 0;
    victim.session.on('stream', () => accepted++);
    victim.raw.pause();
    const syns = synBatches();
    const flooding = flood(victim.raw, syns.next);
    await expectViolation(victim, /did not read/);
    flooding.stop();
    expect(accepted).toBe(0);
    expect(victim.writeBuffer.max).toBeLessThanOrEqual(LIMIT + 4 * HEADER_SIZE);
    const received = await readUntilClosed(victim.raw);
    const answers = received.filter((h) => h.type !== FrameType.GoAway);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((h) => h.type === FrameType.WindowUpdate && h.flags === Flag.RST)).toBe(true);
  });

  it('SYN flood over maxStreams: refused with RST, the warning is rate-limited', async () => {
    victim = await tcpVictim({ maxStreams: 4 });
    victim.session.on('stream', (s: YamuxStream) => s.on('error', () => undefined)); // accepted and kept
    victim.raw.pause();
    const syns = synBatches();
    const flooding = flood(victim.raw, syns.next);
    await expectViolation(victim, /did not read/);
    flooding.stop();
    const refusals = syns.opened() - 4;
    expect(refusals).toBeGreaterThan(1000);
    const warnings = victim.logs.filter((l) => /too many streams/.test(l.msg));
    // The first 5 as they came, then one summary (written at close) with the count held back.
    expect(warnings.length).toBeLessThanOrEqual(7);
    const summary = warnings[warnings.length - 1];
    expect(summary.msg).toMatch(/\(\d+ more suppressed\)/);
    expect(summary.fields?.suppressed).toEqual(expect.any(Number));
    expect(victim.writeBuffer.max).toBeLessThanOrEqual(LIMIT + 4 * HEADER_SIZE);
  });

  it('ping flood over a WebSocket (the upstream port), peer never reads', async () => {
    const pair = await wsPair();
    const logs: LogRecord[] = [];
    const writeBuffer = watchWriteBuffer(pair.server);
    const session = new Session(pair.server, {
      client: false,
      keepAliveInterval: 0,
      maxQueuedControlBytes: LIMIT,
      queuedControlTimeout: 200,
      logger: recordingLogger(logs),
    });
    victim = { pair, session, raw: pair.client as Socket, logs, closed: once(session, 'close') as Promise<[Error | undefined]>, writeBuffer };
    const clientWs = (pair as unknown as { clientWs: WebSocket }).clientWs;
    clientWs.pause(); // the raw client reads nothing
    let sent = 0;
    const flooding = flood(
      { write: (b, cb) => clientWs.send(b, { binary: true }, (err) => cb(err ?? null)) },
      () => {
        sent++;
        return pings(4096, sent * 4096);
      },
    );
    await expectViolation(victim, /did not read/);
    flooding.stop();
    // The WebSocket layer keeps up to 1 MiB beyond the duplex's buffer (websocket-duplex.ts).
    expect(writeBuffer.max).toBeLessThanOrEqual(LIMIT + 4 * HEADER_SIZE);
    expect(sent * 4096 * HEADER_SIZE).toBeGreaterThan(8 * LIMIT); // the peer did send far more than the limit
  });
});

describe('backpressure is lossless for a peer that reads late', () => {
  let victim: Victim;
  afterEach(async () => {
    victim.session.close();
    await victim.pair.close();
  });

  it('a burst of pings larger than the limit: reading pauses, then every ping is answered in order', async () => {
    victim = await tcpVictim({ queuedControlTimeout: 0 });
    victim.raw.pause();
    const count = 100_000; // 1.2 MB of pings, 18 times the limit
    victim.raw.write(pings(count));
    await until(() => victim.session.isReadPaused);
    const received = collectFrames(victim.raw);
    victim.raw.resume();
    await until(() => received.length >= count);
    expect(received.length).toBe(count);
    expect(received.every((h, i) => h.type === FrameType.Ping && h.flags === Flag.ACK && h.length === i)).toBe(true);
    expect(victim.session.isClosed).toBe(false);
    expect(victim.session.isReadPaused).toBe(false);
    expect(victim.writeBuffer.max).toBeLessThanOrEqual(LIMIT + 4 * HEADER_SIZE);
  });

  it('bulk data both ways on many streams does not deadlock with a small control limit', async () => {
    const opts = { maxQueuedControlBytes: 1024, queuedControlTimeout: 500 };
    const pair = await sessionPair('tcp', opts, opts);
    try {
      const payload = Buffer.alloc(1024 * 1024, 7);
      pair.server.on('stream', (s: YamuxStream) => {
        s.end(payload); // server → client while the client sends to the server
        void readAll(s);
      });
      const results = await Promise.all(
        Array.from({ length: 16 }, async () => {
          const s = pair.client.open();
          s.end(payload);
          return (await readAll(s)).length;
        }),
      );
      expect(results).toEqual(Array(16).fill(payload.length));
      expect(pair.client.isClosed || pair.server.isClosed).toBe(false);
    } finally {
      await pair.close();
    }
  });
});

describe('frame-rate budget', () => {
  let victim: Victim;
  afterEach(async () => {
    victim.session.close();
    await victim.pair.close();
  });

  it('window-update flood (unknown streams, nothing to answer): closed once over the budget', async () => {
    victim = await tcpVictim({ maxFrameRate: 1000, frameBurst: 2000 });
    victim.raw.write(frames(50_000, (b, o, i) => writeHeader(b, o, FrameType.WindowUpdate, 0, 2 * i + 1, 1024)));
    await expectViolation(victim, /more than 1000 frames\/s \(burst 2000\)/);
    await expectGoAwayAtEnd(victim.raw);
  });

  it('RST flood: closed once over the budget, logged once', async () => {
    victim = await tcpVictim({ maxFrameRate: 1000, frameBurst: 2000 });
    victim.raw.write(frames(50_000, (b, o, i) => writeHeader(b, o, FrameType.WindowUpdate, Flag.RST, 2 * i + 1, 0)));
    await expectViolation(victim, /frames\/s/);
    // The dropped frames for unknown streams were rate-limited debug lines, not one per frame.
    expect(victim.logs.filter((l) => /unknown stream/.test(l.msg)).length).toBeLessThanOrEqual(6);
  });

  it('a peer within the budget keeps its session', async () => {
    victim = await tcpVictim({ maxFrameRate: 1000, frameBurst: 2000 });
    const received = collectFrames(victim.raw);
    victim.raw.write(pings(1500));
    await until(() => received.length >= 1500);
    expect(victim.session.isClosed).toBe(false);
  });
});

describe('a peer sending its window as tiny Data frames: memory is the window, not one Buffer per frame', () => {
  const WINDOW = 256 * 1024;
  let victim: Victim;
  afterEach(async () => {
    victim.session.close();
    await victim.pair.close();
  });

  /** `count` Data frames of one byte each on `streamId`, the first also opening it (SYN). */
  const oneByteFrames = (streamId: number, count: number, first = 0): Buffer => {
    const buf = Buffer.alloc(count * (HEADER_SIZE + 1));
    for (let i = 0; i < count; i++) {
      const offset = i * (HEADER_SIZE + 1);
      writeHeader(buf, offset, FrameType.Data, first === 0 && i === 0 ? Flag.SYN : 0, streamId, 1);
      buf[offset + HEADER_SIZE] = (first + i) & 0xff;
    }
    return buf;
  };

  it('a whole window of 1-byte frames to a reader that is not reading is held as a few chunks, in order', async () => {
    victim = await tcpVictim();
    const accepted = once(victim.session, 'stream') as Promise<[YamuxStream]>;
    for (let sent = 0; sent < WINDOW; sent += 16_384) victim.raw.write(oneByteFrames(1, 16_384, sent));
    const [stream] = await accepted;
    await until(() => stream.unreadLength === WINDOW);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    await until(() => chunks.reduce((n, c) => n + c.length, 0) === WINDOW);
    // One Buffer per frame would be 262,144 of them (~55 MB); joined, a few 64 KiB chunks.
    expect(chunks.length).toBeLessThanOrEqual(8);
    const bytes = Buffer.concat(chunks);
    expect(bytes.every((b, i) => b === (i & 0xff))).toBe(true);
  });

  it('a 1-byte frame read together with a large one does not keep the large read alive', async () => {
    victim = await tcpVictim();
    const accepted = once(victim.session, 'stream') as Promise<[YamuxStream]>;
    const filler = Buffer.alloc(HEADER_SIZE + 60_000);
    writeHeader(filler, 0, FrameType.Data, 0, 3, 60_000); // an unknown stream: dropped
    victim.raw.write(Buffer.concat([oneByteFrames(1, 1), filler]));
    const [stream] = await accepted;
    const [chunk] = (await once(stream, 'data')) as [Buffer];
    expect(chunk.length).toBe(1);
    // A copy from Node's shared 8 KiB pool, not a view of the ~60 KB read.
    expect(chunk.buffer.byteLength).toBeLessThanOrEqual(8192);
  });

  it('bytes held back are delivered before the FIN', async () => {
    victim = await tcpVictim();
    const accepted = once(victim.session, 'stream') as Promise<[YamuxStream]>;
    const fin = Buffer.alloc(HEADER_SIZE);
    writeHeader(fin, 0, FrameType.WindowUpdate, Flag.FIN, 1, 0);
    victim.raw.write(Buffer.concat([oneByteFrames(1, 1000), fin]));
    const [stream] = await accepted;
    const bytes = await readAll(stream);
    expect(bytes.length).toBe(1000);
    expect(bytes.every((b, i) => b === (i & 0xff))).toBe(true);
  });
});
