import type { Msg } from 'nats';
import { MAX_REPLY_BYTES, REPLY_PART_HEADER, ReplyAssembler, replyMessages } from './nats-reply-parts';

const asMsg = (m: { data: Buffer; headers?: { get(k: string): string } }): Msg => ({ data: new Uint8Array(m.data), headers: m.headers }) as unknown as Msg;
const withPart = (data: string, part: string): Msg => asMsg({ data: Buffer.from(data), headers: { get: (k) => (k === REPLY_PART_HEADER ? part : '') } });

describe('reply parts', () => {
  it('sends a reply that fits as one plain message, and a larger one as numbered parts under max_payload', () => {
    expect(replyMessages(Buffer.from('small'), 1024)).toEqual([{ data: Buffer.from('small') }]);
    const body = Buffer.from('x'.repeat(2000));
    const parts = replyMessages(body, 1024);
    expect(parts.map((p) => p.headers?.get(REPLY_PART_HEADER))).toEqual(['1/3', '2/3', '3/3']);
    expect(parts.every((p) => p.data.length <= 1024 - 256)).toBe(true);
    expect(Buffer.concat(parts.map((p) => p.data)).equals(body)).toBe(true);
  });

  it('assembles parts in any order, a plain message at once', () => {
    expect(new ReplyAssembler(768).add(asMsg({ data: Buffer.from('whole') }))?.toString()).toBe('whole');
    const assembler = new ReplyAssembler(768);
    expect(assembler.add(withPart('c', '3/3'))).toBeUndefined();
    expect(assembler.add(withPart('a', '1/3'))).toBeUndefined();
    expect(assembler.add(withPart('a', '1/3'))).toBeUndefined(); // a repeat counts once
    expect(assembler.add(withPart('b', '2/3'))?.toString()).toBe('abc');
  });

  it('refuses a malformed, inconsistent or oversized part header', () => {
    expect(() => new ReplyAssembler(768).add(withPart('a', '0/3'))).toThrow("malformed reply part '0/3'");
    expect(() => new ReplyAssembler(768).add(withPart('a', '4/3'))).toThrow('malformed reply part');
    expect(() => new ReplyAssembler(768).add(withPart('a', 'one of two'))).toThrow('malformed reply part');
    const assembler = new ReplyAssembler(768);
    assembler.add(withPart('a', '1/3'));
    expect(() => assembler.add(withPart('b', '2/4'))).toThrow("reply part '2/4' disagrees with 3 parts");
    const tooMany = Math.floor(MAX_REPLY_BYTES / 768) + 1;
    expect(() => new ReplyAssembler(768).add(withPart('a', `1/${tooMany}`))).toThrow(`reply of ${tooMany} parts is over ${MAX_REPLY_BYTES} bytes`);
  });
});
