import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { patternChunk } from './upstream-service';
import { listenOnLoopback } from './loopback-http';

/**
 * The local TCP service behind `piko agent tcp` for the tunnel tests. The first line a client
 * sends picks what it does:
 *   `echo`          echo every byte; end when the client ends
 *   `sink`          read to EOF, then answer `<bytes> <sha256>\n`
 *   `source <n>`    send n bytes of patternChunk() and end (what the client sends is discarded)
 *   `reply <n>`     read to EOF, then send n bytes of pattern followed by `\n<sha256 of them>\n`
 *   `reset`         reset the connection at once (TCP RST)
 * Every connection is half-open capable, so a client's FIN ends only its direction.
 */
export class TcpTestService {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Connections whose socket saw an error or ECONNRESET (a reset from the tunnel). */
  readonly resets: string[] = [];
  /** Resolves the next time a connection is reset from the far side. */
  private resetWaiters: Array<() => void> = [];

  constructor() {
    this.server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  listen(): Promise<number> {
    return listenOnLoopback(this.server);
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  /** Resolves when some connection to this service is reset by its peer. */
  nextReset(): Promise<void> {
    return new Promise((resolve) => this.resetWaiters.push(resolve));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.resets.push(err.code ?? err.message);
      for (const wake of this.resetWaiters.splice(0)) wake();
    });
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(0x0a);
      if (nl < 0) return;
      socket.off('data', onData);
      socket.pause();
      const [mode, arg] = head.subarray(0, nl).toString().trim().split(' ');
      const rest = head.subarray(nl + 1);
      this.run(socket, mode, Number(arg), rest);
    };
    socket.on('data', onData);
  }

  private run(socket: Socket, mode: string, n: number, rest: Buffer): void {
    if (mode === 'echo') {
      if (rest.length > 0) socket.write(rest);
      socket.pipe(socket);
      socket.resume();
    } else if (mode === 'sink') {
      const hash = createHash('sha256').update(rest);
      let bytes = rest.length;
      socket.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      socket.once('end', () => socket.end(`${bytes} ${hash.digest('hex')}\n`));
      socket.resume();
    } else if (mode === 'source') {
      socket.resume();
      socket.on('end', () => undefined);
      writePattern(socket, n, () => socket.end());
    } else if (mode === 'reply') {
      socket.resume();
      socket.once('end', () => {
        const hash = createHash('sha256');
        writePattern(socket, n, () => socket.end(`\n${hash.digest('hex')}\n`), hash);
      });
    } else if (mode === 'reset') {
      // At once: a reset right behind written bytes sometimes reaches a loopback peer as a plain EOF.
      socket.resetAndDestroy();
    } else {
      socket.end(`unknown mode ${mode}\n`);
    }
  }
}

/** Writes `total` bytes of patternChunk() with backpressure, then calls `done`. */
export function writePattern(socket: NodeJS.WritableStream, total: number, done: () => void, hash?: ReturnType<typeof createHash>): void {
  const chunk = patternChunk();
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += piece.length;
      hash?.update(piece);
      if (!socket.write(piece)) return void socket.once('drain', pump);
    }
    done();
  };
  pump();
}

/** sha256 of `total` bytes of patternChunk(), computed without holding them. */
export function patternSha256(total: number): string {
  const chunk = patternChunk();
  const hash = createHash('sha256');
  for (let sent = 0; sent < total; sent += chunk.length) hash.update(chunk.subarray(0, Math.min(chunk.length, total - sent)));
  return hash.digest('hex');
}
