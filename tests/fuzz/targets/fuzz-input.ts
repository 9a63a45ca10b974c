/**
 * Deterministic choices drawn from a fuzz input, front to back (a small FuzzedDataProvider): the
 * fuzzer mutates the bytes, so every decision a target takes from them is explored.
 */
export class FuzzInput {
  private offset = 0;

  constructor(private readonly data: Buffer) {}

  get remaining(): number {
    return this.data.length - this.offset;
  }

  /** A byte, or 0 once the input is used up. */
  byte(): number {
    return this.offset < this.data.length ? this.data[this.offset++] : 0;
  }

  /** An integer in [0, max], from one or two bytes. */
  int(max: number): number {
    const v = max > 255 ? (this.byte() << 8) | this.byte() : this.byte();
    return max === 0 ? 0 : v % (max + 1);
  }

  bool(): boolean {
    return (this.byte() & 1) === 1;
  }

  /** Up to `n` bytes (fewer at the end of the input). */
  bytes(n: number): Buffer {
    const out = this.data.subarray(this.offset, Math.min(this.data.length, this.offset + n));
    this.offset += out.length;
    return out;
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }
}

/** Splits `buf` into chunks whose sizes come from `input` (1..maxChunk bytes each). */
export function chunked(buf: Buffer, input: FuzzInput, maxChunk = 64): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const n = 1 + input.int(maxChunk - 1);
    chunks.push(buf.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
