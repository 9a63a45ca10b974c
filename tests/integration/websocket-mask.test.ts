import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { Dialer } from '@piko/client';
import { TestPki } from '@piko/testing';

jest.setTimeout(30_000);

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The masking keys of the client's first `count` frames (RFC 6455 §5.2), read off the wire. */
function maskingKeys(socket: TLSSocket, count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    const keys: Buffer[] = [];
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const key = /sec-websocket-key:\s*(\S+)/i.exec(buffered.subarray(0, end).toString('latin1'))?.[1] ?? '';
        const accept = createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        buffered = buffered.subarray(end + 4);
        upgraded = true;
      }
      // Frames: 2-byte header, extended length, 4-byte masking key (when masked), payload.
      while (buffered.length >= 2 && keys.length < count) {
        const masked = (buffered[1] & 0x80) !== 0;
        let length = buffered[1] & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffered.length < 4) return;
          length = buffered.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) return reject(new Error('unexpected 64-bit frame length'));
        const keyBytes = masked ? 4 : 0;
        if (buffered.length < offset + keyBytes + length) return;
        keys.push(masked ? Buffer.from(buffered.subarray(offset, offset + 4)) : Buffer.alloc(0));
        buffered = buffered.subarray(offset + keyBytes + length);
      }
      if (keys.length >= count) resolve(keys);
    });
  });
}

// RFC 6455 §5.3: a client masks every frame with a fresh, unpredictable key, over wss:// too. A
// load balancer that ends TLS in front of Piko passes the frames on in plain text, where masking
// is what keeps crafted payloads from being read as HTTP by an intermediary (§10.3).
describe('WebSocket clients mask every frame with a fresh key, over TLS too', () => {
  let pki: TestPki;
  let server: Server;

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
    pki?.remove();
  });

  it('piko forward\'s dialer (wss://)', async () => {
    pki = TestPki.create();
    const cert = pki.issue({ cn: 'proxy' });
    const accepted = new Promise<TLSSocket>((resolve) => {
      server = createServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) }, resolve);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;

    const dialing = new Dialer({ url: `https://127.0.0.1:${port}`, tls: { ca: readFileSync(pki.ca.cert) } }).dial('masked');
    const keys = maskingKeys(await accepted, 8);
    const stream = await dialing;
    for (let i = 0; i < 8; i++) stream.write(Buffer.from(`frame ${i}`));
    const seen = await keys;
    stream.destroy();

    expect(seen.every((key) => key.length === 4)).toBe(true);
    expect(seen.filter((key) => key.equals(Buffer.alloc(4)))).toEqual([]);
    expect(new Set(seen.map((key) => key.toString('hex'))).size).toBe(seen.length);
  });
});
