import { once } from 'node:events';
import type { Socket } from 'node:net';
import { ProtocolViolationError } from '../errors';
import { ConnPair, LogRecord, recordingLogger, tcpPair } from '../testing/connection-pairs';
import { collectFrames } from '../testing/frame-collector';
import { Flag, FrameHeader, FrameType, GoAwayCode, encodeFrame, encodeHeader } from './frame';
import { Session } from './session';
import type { YamuxStream } from './stream';

/** A server Session facing a raw socket the test writes frames to by hand. */
async function rawPeer(options: { maxStreams?: number; connectionWriteTimeout?: number } = {}) {
  const pair: ConnPair = await tcpPair();
  const logs: LogRecord[] = [];
  const session = new Session(pair.server, { client: false, keepAliveInterval: 0, logger: recordingLogger(logs), ...options });
  const raw = pair.client as Socket;
  const received = collectFrames(raw);
  const closed = once(session, 'close') as Promise<[Error | undefined]>;
  const rawEnded = once(raw, 'end');
  return { pair, session, raw, received, logs, closed, rawEnded };
}

type Peer = Awaited<ReturnType<typeof rawPeer>>;

async function expectViolation(peer: Peer, reason: RegExp): Promise<void> {
  const [err] = await peer.closed;
  expect(err).toBeInstanceOf(ProtocolViolationError);
  expect((err as ProtocolViolationError).reason).toMatch(reason);
  await peer.rawEnded; // the GoAway was flushed before the connection closed
  const goAway = peer.received.find((h) => h.type === FrameType.GoAway);
  expect(goAway).toMatchObject({ streamId: 0, length: GoAwayCode.ProtocolError });
  const warn = peer.logs.find((l) => l.level === 'warn' && reason.test(String(l.fields?.reason)));
  expect(warn).toBeDefined();
}

describe('protocol violations end the session with GoAway(protocol error)', () => {
  let peer: Peer;
  afterEach(async () => {
    peer.session.close();
    await peer.pair.close();
  });

  it('bad version', async () => {
    peer = await rawPeer();
    const frame = encodeHeader(FrameType.Ping, Flag.SYN, 0, 1);
    frame[0] = 1;
    peer.raw.write(frame);
    await expectViolation(peer, /bad protocol version 1/);
  });

  it('unknown frame type', async () => {
    peer = await rawPeer();
    peer.raw.write(encodeHeader(7 as FrameType, 0, 0, 0));
    await expectViolation(peer, /unknown frame type 7/);
  });

  it('data beyond the receive window', async () => {
    peer = await rawPeer();
    peer.session.on('stream', (s: YamuxStream) => s.on('error', () => undefined)); // accepted, never read
    peer.raw.write(encodeFrame(FrameType.WindowUpdate, Flag.SYN, 1, 0));
    peer.raw.write(encodeFrame(FrameType.Data, 0, 1, Buffer.alloc(200 * 1024)));
    peer.raw.write(encodeFrame(FrameType.Data, 0, 1, Buffer.alloc(100 * 1024)));
    await expectViolation(peer, /receive window exceeded on stream 1/);
  });

  it('a data frame longer than the window', async () => {
    peer = await rawPeer();
    peer.raw.write(encodeHeader(FrameType.Data, Flag.SYN, 1, 256 * 1024 + 1));
    await expectViolation(peer, /longer than the 262144 byte window/);
  });

  it('SYN for a stream that is already open', async () => {
    peer = await rawPeer();
    peer.session.on('stream', (s: YamuxStream) => s.on('error', () => undefined));
    peer.raw.write(encodeFrame(FrameType.WindowUpdate, Flag.SYN, 1, 0));
    peer.raw.write(encodeFrame(FrameType.WindowUpdate, Flag.SYN, 1, 0));
    await expectViolation(peer, /already open stream 1/);
  });

  it('SYN with the wrong parity (a client must open odd IDs)', async () => {
    peer = await rawPeer();
    peer.raw.write(encodeFrame(FrameType.WindowUpdate, Flag.SYN, 2, 0));
    await expectViolation(peer, /wrong parity/);
  });

  it('a second FIN on a stream', async () => {
    peer = await rawPeer();
    peer.session.on('stream', (s: YamuxStream) => {
      s.on('error', () => undefined);
      s.resume();
    });
    peer.raw.write(encodeFrame(FrameType.WindowUpdate, Flag.SYN | Flag.FIN, 1, 0));
    peer.raw.write(encodeFrame(FrameType.Data, Flag.FIN, 1, 0));
    await expectViolation(peer, /unexpected FIN/);
  });
});

describe('per-stream refusals keep the session', () => {
  let peer: Peer;
  afterEach(async () => {
    peer.session.close();
    await peer.pair.close();
  });

  async function waitFor(cond: () => boolean): Promise<void> {
    while (!cond()) await new Promise((r) => setTimeout(r, 2));
  }

  it('too many streams: the extra SYN is answered with RST', async () => {
    peer = await rawPeer({ maxStreams: 2 });
    peer.session.on('stream', (s: YamuxStream) => s.resume());
    for (const id of [1, 3, 5]) peer.raw.write(encodeFrame(FrameType.WindowUpdate, Flag.SYN, id, 0));
    await waitFor(() => peer.received.some((h) => h.streamId === 5));
    expect(peer.received.filter((h) => h.streamId === 5)).toEqual([
      expect.objectContaining({ type: FrameType.WindowUpdate, flags: Flag.RST }),
    ]);
    expect(peer.received.filter((h) => h.flags & Flag.ACK).map((h) => h.streamId)).toEqual([1, 3]);
    expect(peer.session.isClosed).toBe(false);
    expect(peer.session.numStreams).toBe(2);
    expect(peer.logs.some((l) => l.level === 'warn' && /too many streams/.test(l.msg))).toBe(true);
  });

  it('after our go-away, SYNs that crossed it are accepted; once the ping behind it is answered, new SYNs get RST', async () => {
    peer = await rawPeer();
    peer.session.on('stream', (s: YamuxStream) => s.resume());
    let fenced = false;
    const fence = peer.session.goAway().then(() => (fenced = true));
    await waitFor(() => peer.received.some((h) => h.type === FrameType.Ping));
    expect(peer.received[0]).toMatchObject({ type: FrameType.GoAway, length: GoAwayCode.Normal });
    const ping = peer.received.find((h) => h.type === FrameType.Ping) as FrameHeader;
    expect(ping.flags).toBe(Flag.SYN);

    // The peer opened stream 1 before it read the GoAway: served, not reset.
    peer.raw.write(encodeFrame(FrameType.WindowUpdate, Flag.SYN, 1, 0));
    await waitFor(() => peer.received.some((h) => h.streamId === 1));
    expect(peer.received.filter((h) => h.streamId === 1)).toEqual([expect.objectContaining({ flags: Flag.ACK })]);
    expect(fenced).toBe(false);

    // The peer answers the ping: it has read the GoAway, so a later SYN is refused.
    peer.raw.write(encodeHeader(FrameType.Ping, Flag.ACK, 0, ping.length));
    await fence;
    peer.raw.write(encodeFrame(FrameType.WindowUpdate, Flag.SYN, 3, 0));
    await waitFor(() => peer.received.some((h) => h.streamId === 3));
    expect(peer.received.filter((h) => h.streamId === 3)).toEqual([expect.objectContaining({ flags: Flag.RST })]);
    expect(peer.session.numStreams).toBe(1);
    expect(peer.session.isClosed).toBe(false);
  });

  it('after our go-away, a peer that never answers the ping is fenced off after connectionWriteTimeout', async () => {
    peer = await rawPeer({ connectionWriteTimeout: 100 });
    await peer.session.goAway();
    peer.raw.write(encodeFrame(FrameType.WindowUpdate, Flag.SYN, 1, 0));
    await waitFor(() => peer.received.some((h) => h.streamId === 1));
    expect(peer.received.filter((h) => h.streamId === 1)).toEqual([expect.objectContaining({ flags: Flag.RST })]);
  });

  it('answers a ping by echoing its opaque value with ACK', async () => {
    peer = await rawPeer();
    peer.raw.write(encodeHeader(FrameType.Ping, Flag.SYN, 0, 0xdeadbeef));
    await waitFor(() => peer.received.length > 0);
    expect(peer.received[0]).toEqual({ version: 0, type: FrameType.Ping, flags: Flag.ACK, streamId: 0, length: 0xdeadbeef });
  });

  it('keepalive: a peer that never answers pings gets the session closed', async () => {
    peer = await rawPeer();
    peer.session.close();
    await peer.pair.close();
    const pair = await tcpPair();
    const logs: LogRecord[] = [];
    const session = new Session(pair.server, {
      client: false,
      keepAliveInterval: 20,
      connectionWriteTimeout: 50,
      logger: recordingLogger(logs),
    });
    peer = { ...peer, pair, session };
    const [err] = (await once(session, 'close')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ERR_KEEPALIVE_TIMEOUT');
    expect(logs.some((l) => l.level === 'error' && /keepalive/.test(l.msg))).toBe(true);
  });

  it('a SYN not ACKed within streamOpenTimeout resets the stream', async () => {
    peer = await rawPeer();
    peer.session.close();
    await peer.pair.close();
    const pair = await tcpPair();
    const session = new Session(pair.client, { client: true, keepAliveInterval: 0, streamOpenTimeout: 30 });
    peer = { ...peer, pair, session };
    const stream = session.open();
    const [err] = (await once(stream, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ERR_STREAM_OPEN_TIMEOUT');
    expect(session.numStreams).toBe(0);
  });
});
