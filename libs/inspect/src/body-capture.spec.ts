import { BodyCapture } from './body-capture';

/** A claim that grants everything and records what was asked. */
function recordingClaim(): { claims: number[]; claim: (bytes: number) => boolean } {
  const claims: number[] = [];
  return { claims, claim: (bytes) => (claims.push(bytes), true) };
}

describe('BodyCapture memory', () => {
  it('keeps a chunk that is its own buffer by reference, and claims that buffer', () => {
    const { claims, claim } = recordingClaim();
    const body = new BodyCapture(1024, claim);
    const chunk = Buffer.from(Buffer.from('a whole chunk')); // exactly its own ArrayBuffer, as Node's parser hands them
    const own = Buffer.allocUnsafeSlow(13);
    chunk.copy(own);
    body.add(own);
    expect(body.bytes()).toBe(own);
    expect(claims).toEqual([own.buffer.byteLength]);
  });

  it('claims the whole parent of a piece kept by reference, not only the piece', () => {
    const { claims, claim } = recordingClaim();
    const parent = Buffer.allocUnsafeSlow(100);
    const body = new BodyCapture(1024, claim);
    body.add(parent.subarray(0, 60));
    expect(claims).toEqual([100]);
    expect(body.kept).toBe(60);
  });

  it('copies a small piece of a large buffer (so it does not pin the buffer) and claims only the copy', () => {
    const { claims, claim } = recordingClaim();
    const large = Buffer.allocUnsafeSlow(64 * 1024).fill(7);
    const body = new BodyCapture(1024, claim);
    body.add(large.subarray(100, 200));
    const kept = body.bytes();
    expect(kept.equals(Buffer.alloc(100, 7))).toBe(true);
    expect(kept.buffer).not.toBe(large.buffer);
    expect(kept.buffer.byteLength).toBe(100);
    expect(claims).toEqual([100]);
  });

  it('cuts a chunk at the limit by copying the kept part', () => {
    const { claims, claim } = recordingClaim();
    const body = new BodyCapture(10, claim);
    const chunk = Buffer.allocUnsafeSlow(1000).fill(1);
    body.add(chunk);
    expect(body.kept).toBe(10);
    expect(body.bytes().buffer.byteLength).toBe(10);
    expect(claims).toEqual([10]);
    expect(body.toJSON()).toMatchObject({ size: 1000, truncated: true });
  });

  it('joins several kept chunks when read, in order', () => {
    const { claim } = recordingClaim();
    const body = new BodyCapture(1024, claim);
    for (const text of ['ab', 'cd', 'ef']) {
      const own = Buffer.allocUnsafeSlow(2);
      own.write(text);
      body.add(own);
    }
    expect(body.bytes().toString()).toBe('abcdef');
  });

  it('keeps nothing more once a claim is refused', () => {
    let granted = 1;
    const body = new BodyCapture(1024, () => granted-- > 0);
    body.add(Buffer.from(Buffer.allocUnsafeSlow(4).fill(1)));
    const own = Buffer.allocUnsafeSlow(4).fill(2);
    body.add(own);
    body.add(Buffer.allocUnsafeSlow(4).fill(3));
    expect(body.size).toBe(12);
    expect(body.kept).toBe(4);
  });
});
