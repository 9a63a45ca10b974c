import { Flag, FrameHeader, FrameType, HEADER_SIZE, decodeHeader, encodeFrame, encodeHeader } from './frame';
import { FrameReader } from './frame-reader';

describe('frame codec', () => {
  it('encodes the 12-byte big-endian header of the spec', () => {
    const buf = encodeHeader(FrameType.WindowUpdate, Flag.SYN | Flag.FIN, 0x01020304, 0xa0b0c0d0);
    expect(buf.length).toBe(HEADER_SIZE);
    expect([...buf]).toEqual([0, 1, 0, 5, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0]);
  });

  it('round-trips every field, including the 32-bit maxima', () => {
    const h = decodeHeader(encodeHeader(FrameType.GoAway, 0xffff, 0xffffffff, 0xffffffff));
    expect(h).toEqual({ version: 0, type: 3, flags: 0xffff, streamId: 0xffffffff, length: 0xffffffff });
  });

  it('encodes a data frame with its payload after the header', () => {
    const frame = encodeFrame(FrameType.Data, Flag.ACK, 7, Buffer.from('hello'));
    expect(decodeHeader(frame)).toMatchObject({ type: 0, flags: 2, streamId: 7, length: 5 });
    expect(frame.subarray(HEADER_SIZE).toString()).toBe('hello');
  });
});

describe('FrameReader', () => {
  function collect(chunks: Buffer[]) {
    const events: Array<{ header: FrameHeader; payload: Buffer }> = [];
    let current: Buffer[] = [];
    const reader = new FrameReader({
      onHeader: (h) => {
        if (h.type !== FrameType.Data) events.push({ header: { ...h }, payload: Buffer.alloc(0) });
        current = [];
      },
      onPayload: (piece) => current.push(piece),
      onPayloadEnd: (h) => events.push({ header: { ...h }, payload: Buffer.concat(current) }),
    });
    for (const c of chunks) reader.push(c);
    return events;
  }

  const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
  const stream = Buffer.concat([
    encodeFrame(FrameType.WindowUpdate, Flag.SYN, 1, 0),
    encodeFrame(FrameType.Data, 0, 1, payload),
    encodeFrame(FrameType.Data, Flag.FIN, 1, Buffer.alloc(0)),
    encodeFrame(FrameType.Ping, Flag.SYN, 0, 42),
    encodeFrame(FrameType.Data, 0, 3, Buffer.from('x')),
  ]);

  function check(events: ReturnType<typeof collect>) {
    expect(events.map((e) => [e.header.type, e.header.flags, e.header.streamId, e.header.length])).toEqual([
      [1, 1, 1, 0],
      [0, 0, 1, 100_000],
      [0, 4, 1, 0],
      [2, 1, 0, 42],
      [0, 0, 3, 1],
    ]);
    expect(events[1].payload.equals(payload)).toBe(true);
    expect(events[4].payload.toString()).toBe('x');
  }

  it('parses frames delivered in one chunk', () => check(collect([stream])));

  it('parses frames delivered one byte at a time', () => {
    const bytes: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) bytes.push(stream.subarray(i, i + 1));
    check(collect(bytes));
  });

  it('parses frames split at random points', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let round = 0; round < 20; round++) {
      const chunks: Buffer[] = [];
      let at = 0;
      while (at < stream.length) {
        const n = 1 + Math.floor(rand() * 5000);
        chunks.push(stream.subarray(at, at + n));
        at += n;
      }
      check(collect(chunks));
    }
  });

  it('hands payloads on as views of the received chunk, without copying', () => {
    const pieces: Buffer[] = [];
    const reader = new FrameReader({ onHeader: () => undefined, onPayload: (p) => pieces.push(p), onPayloadEnd: () => undefined });
    const chunk = encodeFrame(FrameType.Data, 0, 1, Buffer.from('abcdef'));
    reader.push(chunk);
    expect(pieces).toHaveLength(1);
    expect(pieces[0].buffer).toBe(chunk.buffer);
    expect(pieces[0].byteOffset).toBe(chunk.byteOffset + HEADER_SIZE);
  });

  it('stops parsing once stopped by the handler', () => {
    const seen: number[] = [];
    const reader: FrameReader = new FrameReader({
      onHeader: (h) => {
        seen.push(h.streamId);
        reader.stop();
      },
      onPayload: () => undefined,
      onPayloadEnd: () => undefined,
    });
    reader.push(Buffer.concat([encodeHeader(FrameType.Ping, Flag.SYN, 1, 0), encodeHeader(FrameType.Ping, Flag.SYN, 2, 0)]));
    expect(seen).toEqual([1]);
  });
});
