import type { Socket } from 'node:net';
import { LoopbackTcpServer } from './loopback-tcp-server';

/**
 * A TCP service that speaks first, as SSH, SMTP, MySQL and PostgreSQL servers do: it writes
 * `banner <n>\n` the moment a connection opens, then waits for one line from the client and
 * answers `end\n` and closes. A client that reads to EOF thus sees the banner and the end, in that
 * order; a banner lost on the way shows as `end\n` alone, with no timing involved.
 */
export class BannerService extends LoopbackTcpServer {
  private accepted = 0;

  /** Connections accepted so far. */
  get connections(): number {
    return this.accepted;
  }

  protected accept(socket: Socket): void {
    const n = ++this.accepted;
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
