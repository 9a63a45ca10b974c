import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { readAll, sessionPair, type SessionPair } from '../testing/connection-pairs';
import type { YamuxStream } from '../yamux/stream';
import {
  RELAY_VERSION,
  RelayHeaderError,
  RelayStatus,
  encodeRelayRequest,
  encodeRelayResponse,
  readExactly,
  readRelayRequest,
  readRelayResponse,
} from './relay-header';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('relay header codec', () => {
  it('encodes a request as version, u16 big-endian length, UTF-8 endpoint ID', () => {
    expect(encodeRelayRequest('my-service')).toEqual(
      Buffer.concat([Buffer.from([RELAY_VERSION, 0x00, 0x0a]), Buffer.from('my-service')]),
    );
    const long = 'x'.repeat(300);
    expect(encodeRelayRequest(long).subarray(0, 3)).toEqual(Buffer.from([1, 0x01, 0x2c]));
    // Length counts bytes, not characters.
    expect(encodeRelayRequest('é').subarray(0, 3)).toEqual(Buffer.from([1, 0, 2]));
  });

  it('refuses an endpoint ID longer than the u16 length can say', () => {
    expect(() => encodeRelayRequest('x'.repeat(0x10000))).toThrow(RelayHeaderError);
  });

  it('encodes responses as one status byte', () => {
    expect([...encodeRelayResponse(RelayStatus.Accepted)]).toEqual([0]);
    expect([...encodeRelayResponse(RelayStatus.NoUpstream)]).toEqual([1]);
    expect([...encodeRelayResponse(RelayStatus.Draining)]).toEqual([2]);
    expect([...encodeRelayResponse(RelayStatus.BadRequest)]).toEqual([3]);
    expect([...encodeRelayResponse(RelayStatus.HttpOnly)]).toEqual([4]);
    expect([...encodeRelayResponse(RelayStatus.AcceptedKeepAlive)]).toEqual([6]);
  });

  it('encodes a raw TCP stream as version 2 with the RAW_TCP flag, and reads both versions back', async () => {
    expect(encodeRelayRequest('db', { rawTcp: true })).toEqual(Buffer.concat([Buffer.from([2, 0x01, 0x00, 0x02]), Buffer.from('db')]));
    expect(encodeRelayRequest('db', { rawTcp: false })).toEqual(encodeRelayRequest('db'));
    expect(encodeRelayRequest('db', { keepAlive: true })).toEqual(Buffer.concat([Buffer.from([2, 0x02, 0x00, 0x02]), Buffer.from('db')]));
    for (const [wire, expected] of [
      [encodeRelayRequest('db', { rawTcp: true }), { version: 2, endpointId: 'db', rawTcp: true, keepAlive: false }],
      [encodeRelayRequest('web'), { version: 1, endpointId: 'web', rawTcp: false, keepAlive: false }],
      [encodeRelayRequest('web', { keepAlive: true }), { version: 2, endpointId: 'web', rawTcp: false, keepAlive: true }],
      // Reserved bits are ignored; a version 2 header without RAW_TCP is not raw.
      [Buffer.concat([Buffer.from([2, 0xfc, 0x00, 0x03]), Buffer.from('web')]), { version: 2, endpointId: 'web', rawTcp: false, keepAlive: false }],
    ] as const) {
      const stream = new PassThrough();
      const read = readRelayRequest(stream);
      for (const byte of Buffer.concat([wire, Buffer.from('after')])) {
        stream.write(Buffer.from([byte]));
        await tick();
      }
      stream.end();
      expect(await read).toEqual(expected);
      expect((await readAll(stream)).toString()).toBe('after');
    }
  });

  it('reads a request delivered one byte at a time, leaving the bytes after it in the stream', async () => {
    const stream = new PassThrough();
    const wire = Buffer.concat([encodeRelayRequest('split-endpoint'), Buffer.from('GET / HTTP/1.1\r\n')]);
    const read = readRelayRequest(stream);
    for (const byte of wire.subarray(0, 12)) {
      stream.write(Buffer.from([byte]));
      await tick();
    }
    // The rest of the header and the request in one chunk.
    stream.end(wire.subarray(12));
    expect(await read).toEqual({ version: 1, endpointId: 'split-endpoint', rawTcp: false, keepAlive: false });
    expect((await readAll(stream)).toString()).toBe('GET / HTTP/1.1\r\n');
  });

  it('leaves the stream in its initial mode: a data listener added later gets the first byte after the header', async () => {
    const stream = new PassThrough();
    stream.write(Buffer.concat([encodeRelayResponse(RelayStatus.Accepted), Buffer.from('HTTP/1.1 200 OK')]));
    expect(await readRelayResponse(stream)).toBe(RelayStatus.Accepted);
    await tick();
    expect(stream.readableFlowing).toBeNull();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.end();
    await once(stream, 'end');
    expect(Buffer.concat(chunks).toString()).toBe('HTTP/1.1 200 OK');
  });

  it('rejects an unknown version as soon as its byte arrived', async () => {
    const stream = new PassThrough();
    const read = readRelayRequest(stream);
    stream.write(Buffer.from([3, 0, 200])); // the 200 bytes of ID never come
    await expect(read).rejects.toMatchObject({ code: 'ERR_RELAY_VERSION' });
  });

  it('rejects an unknown status byte', async () => {
    const stream = new PassThrough();
    stream.write(Buffer.from([9]));
    await expect(readRelayResponse(stream)).rejects.toMatchObject({ code: 'ERR_RELAY_STATUS' });
  });

  it('rejects a stream that ends inside the header', async () => {
    const stream = new PassThrough();
    const read = readRelayRequest(stream);
    stream.end(encodeRelayRequest('cut-short').subarray(0, 6));
    await expect(read).rejects.toMatchObject({ code: 'ERR_RELAY_HEADER_TRUNCATED' });

    const empty = new PassThrough();
    const readEmpty = readRelayResponse(empty);
    empty.end();
    await expect(readEmpty).rejects.toMatchObject({ code: 'ERR_RELAY_HEADER_TRUNCATED' });
  });

  it('rejects with the stream error when the stream fails inside the header', async () => {
    const stream = new PassThrough();
    const read = readExactly(stream, 4);
    stream.write(Buffer.from([1, 2]));
    await tick();
    stream.destroy(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    await expect(read).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('times out when the header does not arrive, and stops listening', async () => {
    const stream = new PassThrough();
    const read = readRelayRequest(stream, 20);
    stream.write(Buffer.from([1]));
    await expect(read).rejects.toMatchObject({ code: 'ERR_RELAY_HEADER_TIMEOUT' });
    expect(stream.listenerCount('readable')).toBe(0);
    expect(stream.listenerCount('error')).toBe(0);
  });

  it('reads an empty endpoint ID as such (the gateway refuses it as invalid)', async () => {
    const stream = new PassThrough();
    stream.write(Buffer.from([1, 0, 0, 0x42]));
    expect(await readRelayRequest(stream)).toEqual({ version: 1, endpointId: '', rawTcp: false, keepAlive: false });
    expect(stream.read(1)).toEqual(Buffer.from([0x42]));
  });

  describe('over a yamux stream on real TCP', () => {
    let pair: SessionPair;
    afterEach(async () => {
      await pair?.close();
    });

    it('reads a header split across frames and pipes the rest unchanged', async () => {
      pair = await sessionPair('tcp');
      const accepted = once(pair.server, 'stream') as Promise<[YamuxStream]>;
      const client = pair.client.open();
      const header = encodeRelayRequest('frames');
      client.write(header.subarray(0, 2));
      const [server] = await accepted;
      const read = readRelayRequest(server, 5_000);
      await pair.client.ping(); // the first piece is delivered before the second is sent
      client.write(header.subarray(2, 5));
      await pair.client.ping();
      client.end(Buffer.concat([header.subarray(5), Buffer.from('payload')]));
      expect((await read).endpointId).toBe('frames');
      expect((await readAll(server)).toString()).toBe('payload');
    });
  });
});
