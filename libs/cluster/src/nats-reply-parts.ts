import { headers, type Msg, type MsgHdrs } from 'nats';
import { RpcError } from './cluster-rpc';

/**
 * RPC replies larger than one NATS message. A NATS server refuses a message over its
 * `max_payload` (1 MiB by default), and an admin API answer can be larger (a gateway listing
 * ~10,000 upstream sessions: ~1.7 MB). Such a reply goes as several messages to the request's
 * reply subject, each with the header `Piko-Rpc-Part: <i>/<n>` (1-based), its body the i-th
 * slice of the reply's bytes. A reply that fits is one message without the header, exactly as
 * before parts existed, so a node from before them reads every reply it could read then.
 */
export const REPLY_PART_HEADER = 'Piko-Rpc-Part';

/** Room left in each part for the header block (`NATS/1.0`, the part header), in bytes. */
const HEADER_ALLOWANCE = 256;

/**
 * The most a requester assembles of one reply (bytes): a responder that claims more parts than
 * this could hold is refused, whatever it sends, so one reply cannot take a requester's memory.
 */
export const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/** One message to send: its body and, for a part of a split reply, its headers. */
export interface ReplyMessage {
  data: Buffer;
  headers?: MsgHdrs;
}

/**
 * `body` as the messages that carry it under `maxPayload` (bytes, the server's limit): one plain
 * message when it fits, else parts of at most `maxPayload - 256` bytes each.
 *
 * @throws RangeError when `maxPayload` leaves no room for a part's bytes.
 */
export function replyMessages(body: Buffer, maxPayload: number): ReplyMessage[] {
  if (body.length <= maxPayload) return [{ data: body }];
  const partBytes = maxPayload - HEADER_ALLOWANCE;
  if (partBytes <= 0) throw new RangeError(`max_payload ${maxPayload} leaves no room for a reply part`);
  const count = Math.ceil(body.length / partBytes);
  return Array.from({ length: count }, (_, i) => {
    const h = headers();
    h.set(REPLY_PART_HEADER, `${i + 1}/${count}`);
    return { data: body.subarray(i * partBytes, (i + 1) * partBytes), headers: h };
  });
}

/**
 * Puts a reply together from the messages that arrive for one request, in any order.
 * `add` returns the whole reply's bytes once it is complete (at once for a plain message).
 *
 * @throws RpcError for a part header that is not `<i>/<n>`, disagrees with an earlier part, or
 *   claims more than MAX_REPLY_BYTES could hold (each part at most `maxPartBytes`).
 */
export class ReplyAssembler {
  private parts: Array<Buffer | undefined> = [];
  private received = 0;

  constructor(private readonly maxPartBytes: number) {}

  add(msg: Msg): Buffer | undefined {
    const part = msg.headers?.get(REPLY_PART_HEADER);
    if (!part) return Buffer.from(msg.data);
    const match = /^(\d{1,6})\/(\d{1,6})$/.exec(part);
    const index = match ? Number(match[1]) : 0;
    const count = match ? Number(match[2]) : 0;
    if (index < 1 || index > count) throw new RpcError(`malformed reply part '${part}'`);
    if (count * this.maxPartBytes > MAX_REPLY_BYTES) throw new RpcError(`reply of ${count} parts is over ${MAX_REPLY_BYTES} bytes`);
    if (this.parts.length === 0) this.parts = new Array<Buffer | undefined>(count).fill(undefined);
    else if (this.parts.length !== count) throw new RpcError(`reply part '${part}' disagrees with ${this.parts.length} parts`);
    if (this.parts[index - 1] === undefined) this.received++;
    this.parts[index - 1] = Buffer.from(msg.data);
    return this.received === count ? Buffer.concat(this.parts as Buffer[]) : undefined;
  }
}
