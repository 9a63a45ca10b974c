/** Smaller received pieces are copied; one this size or larger may be handed on as it is. */
const OWN_PIECE_MIN = 4 * 1024;
/** First allocation for held bytes (from Node's shared pool, so small holds cost little). */
const FIRST_CHUNK = 1024;
/** Held bytes are handed on once they reach this: a chunk big enough that per-chunk costs vanish. */
export const FULL_CHUNK = 64 * 1024;

/**
 * What a yamux stream holds of the data it received but has not handed to its reader yet, kept
 * so that its memory is what the receive window says, whatever the peer sends.
 *
 * The window counts payload bytes only. Handing each received piece on as the zero-copy view it
 * arrives as (a slice of a WebSocket message) lets a hostile peer make one window cost far more:
 * 256 KiB sent as 1-byte Data frames became 256 K Buffer objects queued on the stream (~55 MB,
 * found by an attack test), and a small piece keeps its whole message alive (up to the upstream
 * port's 4 MiB message limit per piece). Go's yamux copies every payload into the stream's
 * bytes.Buffer, so there memory is the window. Here a piece is handed on as it is only when it is
 * big (≥ 4 KiB) and is at least half of the memory it keeps alive (bulk data: a whole message);
 * anything else is copied into one growing chunk, handed on as one Buffer.
 */
export class ReceiveCoalescer {
  private chunk: Buffer | null = null;
  private length = 0;

  /** Whether `piece` may be handed on uncopied (see the class comment). */
  static ownsItsMemory(piece: Buffer): boolean {
    return piece.length >= OWN_PIECE_MIN && piece.length * 2 >= piece.buffer.byteLength;
  }

  /** Bytes held (copied, not yet taken). */
  get bytes(): number {
    return this.length;
  }

  /** Copies `piece` in; returns true once FULL_CHUNK bytes or more are held (take them now). */
  append(piece: Buffer): boolean {
    const needed = this.length + piece.length;
    if (!this.chunk || needed > this.chunk.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(2 * (this.chunk?.length ?? 0), FULL_CHUNK), FIRST_CHUNK));
      this.chunk?.copy(grown, 0, 0, this.length);
      this.chunk = grown;
    }
    piece.copy(this.chunk, this.length);
    this.length = needed;
    return needed >= FULL_CHUNK;
  }

  /** The held bytes as one Buffer, or undefined if none; holds nothing after. */
  take(): Buffer | undefined {
    if (this.length === 0 || !this.chunk) return undefined;
    const out = this.chunk.subarray(0, this.length);
    this.chunk = null;
    this.length = 0;
    return out;
  }

  clear(): void {
    this.chunk = null;
    this.length = 0;
  }
}
