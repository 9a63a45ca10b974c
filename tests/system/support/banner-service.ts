import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP service that speaks first, as SSH, SMTP, MySQL and PostgreSQL servers do: it writes
 * `banner <n>\n` the moment a connection opens, then waits for one line from the client and
 * answers `end\n` and closes. A client that reads to EOF thus sees the banner and the end, in that
 * order; a banner lost on the way shows as `end\n` alone, with no timing involved.
 */
export class BannerService {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private accepted = 0;

  constructor() {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Connections accepted so far. */
  get connections(): number {
    return this.accepted;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const n = ++this.accepted;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    socket.write(`banner ${n}\n`);
    let line = '';
    socket.on('data', (chunk: Buffer) => {
      line += chunk.toString();
      if (line.includes('\n')) socket.end('end\n');
    });
  }
}
