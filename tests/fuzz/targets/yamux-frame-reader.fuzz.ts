// Fuzz target: the yamux frame decoder (libs/protocol/src/yamux/frame-reader.ts).
// Oracle: however the bytes are split into chunks, and wherever parsing is paused and resumed,
// the decoder reports exactly the same frames and payload bytes as for the input in one piece.
import { FrameReader, type FrameHeader } from '@piko/protocol';
import { FuzzInput, chunked } from './fuzz-input';

function decode(chunks: Buffer[], pauses: Set<number>): string[] {
  const events: string[] = [];
  let frames = 0;
  // eslint-disable-next-line prefer-const
  let reader: FrameReader;
  const handler = {
    onHeader: (h: FrameHeader) => {
      events.push(`h ${h.version} ${h.type} ${h.flags} ${h.streamId} ${h.length}`);
      if (pauses.has(frames++)) reader.pause();
    },
    onPayload: (piece: Buffer) => events.push(`p ${piece.toString('hex')}`),
    onPayloadEnd: (h: FrameHeader) => events.push(`e ${h.streamId}`),
  };
  reader = new FrameReader(handler);
  for (const chunk of chunks) {
    reader.push(chunk);
    while (reader.isPaused) reader.resume();
  }
  // Payload pieces may be split differently: compare their bytes as one run per frame.
  const merged: string[] = [];
  for (const e of events) {
    const last = merged[merged.length - 1];
    if (e.startsWith('p ') && last?.startsWith('p ')) merged[merged.length - 1] = last + e.slice(2);
    else merged.push(e);
  }
  return merged;
}

export function fuzz(data: Buffer): void {
  const input = new FuzzInput(data);
  const maxChunk = 1 + input.int(40);
  const pauses = new Set<number>();
  for (let n = input.int(8); n > 0; n--) pauses.add(input.int(64));
  const bytes = input.rest();
  const whole = decode([bytes], new Set());
  const pieces = decode(chunked(bytes, new FuzzInput(data), maxChunk), pauses);
  if (whole.join('\n') !== pieces.join('\n')) {
    throw new Error(`chunked decode differs:\n${whole.join('\n')}\n---\n${pieces.join('\n')}`);
  }
}
