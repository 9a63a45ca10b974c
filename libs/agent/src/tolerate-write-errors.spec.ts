import * as net from 'net';
import { tolerateWriteErrors } from './tolerate-write-errors';

describe('tolerateWriteErrors', () => {
  let server: net.Server;
  let port: number;

  beforeEach(async () => {
    // A service that answers from the first bytes and closes with the rest unread: a reset.
    server = net.createServer((socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 12\r\n\r\nunauthorized', () => socket.destroy()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Writes a head, waits for the service to close, writes until a write fails, then reads what came. */
  async function exchange(tolerate: boolean): Promise<{ received: string; writeErrors: string[]; destroyedByWrite: boolean }> {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const writeErrors: string[] = [];
    if (tolerate) tolerateWriteErrors(socket, (err) => writeErrors.push((err as NodeJS.ErrnoException).code ?? err.message));
    socket.on('error', () => undefined);
    socket.pause();
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST / HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The service closed with nothing unread (a FIN): the first write draws its reset, the next fails.
    for (let i = 0; i < 2; i++) {
      if (socket.destroyed) break;
      await new Promise<void>((resolve) => socket.write(Buffer.alloc(64 * 1024), () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const destroyedByWrite = socket.destroyed;
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.resume();
    await new Promise((resolve) => (socket.destroyed ? resolve(undefined) : (socket.once('end', resolve), socket.once('close', resolve))));
    socket.destroy();
    return { received, writeErrors, destroyedByWrite };
  }

  it("keeps the answer a service sent before it reset the connection, which Node's default loses", async () => {
    const tolerated = await exchange(true);
    expect(tolerated.received).toBe('HTTP/1.1 401 Unauthorized\r\nContent-Length: 12\r\n\r\nunauthorized');
    expect(tolerated.writeErrors).toHaveLength(1);
    expect(tolerated.destroyedByWrite).toBe(false);

    // Without it, the failed write destroys the socket with the answer unread.
    const plain = await exchange(false);
    expect(plain.destroyedByWrite).toBe(true);
    expect(plain.received).toBe('');
  });
});
