import { FrameBatch } from './frame-batch';
import { FrameType, HEADER_SIZE, decodeHeader } from './frame';

describe('FrameBatch', () => {
  it('keeps frames in order: headers and small payloads share one buffer, big payloads are not copied', () => {
    const batch = new FrameBatch();
    const small = Buffer.from('hello');
    const big = Buffer.alloc(4096, 7);
    batch.header(FrameType.Data, 0, 3, small.length);
    batch.payload(small);
    batch.header(FrameType.Data, 0, 3, big.length);
    batch.payload(big);
    batch.header(FrameType.WindowUpdate, 0x4, 3, 0);
    expect(batch.length).toBe(3 * HEADER_SIZE + small.length + big.length);

    const out = batch.take();
    expect(out).toHaveLength(3);
    expect(out[1]).toBe(big);
    const joined = Buffer.concat(out);
    expect(decodeHeader(joined, 0)).toMatchObject({ type: FrameType.Data, streamId: 3, length: 5 });
    expect(joined.subarray(HEADER_SIZE, HEADER_SIZE + 5).toString()).toBe('hello');
    expect(decodeHeader(joined, HEADER_SIZE + 5)).toMatchObject({ type: FrameType.Data, length: 4096 });
    expect(decodeHeader(joined, 2 * HEADER_SIZE + 5 + 4096)).toMatchObject({ type: FrameType.WindowUpdate, flags: 0x4 });
    expect(batch.length).toBe(0);
    expect(batch.take()).toEqual([]);
  });

  it('never overwrites a region already taken, across slab rollovers', () => {
    const batch = new FrameBatch();
    const taken: Array<{ buf: Buffer; copy: Buffer }> = [];
    // 2047-byte payloads (copied) fill several 64 KiB slabs.
    for (let i = 0; i < 200; i++) {
      batch.header(FrameType.Data, 0, i, 2047);
      batch.payload(Buffer.alloc(2047, i % 256));
      if (i % 3 === 0) for (const buf of batch.take()) taken.push({ buf, copy: Buffer.from(buf) });
    }
    for (const buf of batch.take()) taken.push({ buf, copy: Buffer.from(buf) });
    for (const { buf, copy } of taken) expect(buf.equals(copy)).toBe(true);

    const all = Buffer.concat(taken.map((t) => t.buf));
    expect(all.length).toBe(200 * (HEADER_SIZE + 2047));
    for (let i = 0; i < 200; i++) {
      const offset = i * (HEADER_SIZE + 2047);
      expect(decodeHeader(all, offset).streamId).toBe(i);
      expect(all[offset + HEADER_SIZE]).toBe(i % 256);
      expect(all[offset + HEADER_SIZE + 2046]).toBe(i % 256);
    }
  });

  it('starts with a small slab from the shared pool and grows to 64 KiB while busy', () => {
    const batch = new FrameBatch();
    batch.header(FrameType.Ping, 0x1, 0, 1);
    const [first] = batch.take();
    // An idle session's frames sit in a slice of Node's shared pool, not a 64 KiB slab of its own.
    expect(first.buffer.byteLength).toBeLessThanOrEqual(Buffer.poolSize);
    for (let i = 0; i < 400; i++) {
      batch.header(FrameType.Data, 0, 1, 1000);
      batch.payload(Buffer.alloc(1000, 1));
    }
    const regions = batch.take();
    expect(regions.at(-1)?.buffer.byteLength).toBe(64 * 1024);
    expect(Buffer.concat(regions).length).toBe(400 * (HEADER_SIZE + 1000));
  });

  it('clear() drops what was not taken', () => {
    const batch = new FrameBatch();
    batch.header(FrameType.Ping, 0x1, 0, 9);
    batch.payload(Buffer.alloc(5000));
    batch.clear();
    expect(batch.length).toBe(0);
    expect(batch.take()).toEqual([]);
  });
});
