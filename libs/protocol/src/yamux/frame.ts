// hashicorp/yamux framing (spec.md, protocol version 0): a 12-byte big-endian header
//   version u8 | type u8 | flags u16 | stream id u32 | length u32
// For Data frames `length` bytes of payload follow; for the other types `length` carries a
// window delta (WindowUpdate), an opaque value (Ping) or an error code (GoAway).

export const PROTOCOL_VERSION = 0;
export const HEADER_SIZE = 12;
/** Both sides assume this window for every new stream (spec "Flow Control"). */
export const INITIAL_STREAM_WINDOW = 256 * 1024;

export enum FrameType {
  Data = 0,
  WindowUpdate = 1,
  Ping = 2,
  GoAway = 3,
}

export const Flag = {
  SYN: 0x1,
  ACK: 0x2,
  FIN: 0x4,
  RST: 0x8,
} as const;

export enum GoAwayCode {
  Normal = 0,
  ProtocolError = 1,
  InternalError = 2,
}

export interface FrameHeader {
  version: number;
  type: number;
  flags: number;
  streamId: number;
  length: number;
}

/** Encodes a header into a fresh 12-byte buffer (small allocations come from Node's shared pool). */
export function encodeHeader(type: FrameType, flags: number, streamId: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE);
  writeHeader(buf, 0, type, flags, streamId, length);
  return buf;
}

/** Writes a header at `offset` of `buf`, for callers that batch several frames in one buffer. */
export function writeHeader(
  buf: Buffer,
  offset: number,
  type: FrameType,
  flags: number,
  streamId: number,
  length: number,
): void {
  buf[offset] = PROTOCOL_VERSION;
  buf[offset + 1] = type;
  buf.writeUInt16BE(flags, offset + 2);
  buf.writeUInt32BE(streamId >>> 0, offset + 4);
  buf.writeUInt32BE(length >>> 0, offset + 8);
}

/** Decodes the header at `offset` into `out` (reused by the reader to avoid a per-frame allocation). */
export function readHeader(buf: Buffer, offset: number, out: FrameHeader): FrameHeader {
  out.version = buf[offset];
  out.type = buf[offset + 1];
  out.flags = buf.readUInt16BE(offset + 2);
  out.streamId = buf.readUInt32BE(offset + 4);
  out.length = buf.readUInt32BE(offset + 8);
  return out;
}

export function decodeHeader(buf: Buffer, offset = 0): FrameHeader {
  return readHeader(buf, offset, { version: 0, type: 0, flags: 0, streamId: 0, length: 0 });
}

/** Encodes a whole frame (header + payload) into one buffer; for tests and rare control frames. */
export function encodeFrame(type: FrameType, flags: number, streamId: number, payloadOrLength: Buffer | number = 0): Buffer {
  if (typeof payloadOrLength === 'number') return encodeHeader(type, flags, streamId, payloadOrLength);
  const buf = Buffer.allocUnsafe(HEADER_SIZE + payloadOrLength.length);
  writeHeader(buf, 0, type, flags, streamId, payloadOrLength.length);
  payloadOrLength.copy(buf, HEADER_SIZE);
  return buf;
}
