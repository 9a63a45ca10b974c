import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeHttpServer, listenOnLoopback } from './loopback-http';

/**
 * A local service that counts what it is asked to do at once: the requests it is handling now
 * and the most it ever handled together (`peak`), which through Piko is the number of streams in
 * flight to its endpoint (the agent opens one service connection per stream). Routes:
 * `/n/<i>` answers `<i>`; `/upload` reads the body and answers `{"bytes":N}`; `/hold` answers
 * only once release() is called; anything else answers `<name>`.
 */
export class CountingService {
  readonly server: Server;
  active = 0;
  peak = 0;
  /** Connections open to this service now, and the most at once. */
  connections = 0;
  peakConnections = 0;
  private held: Array<() => void> = [];

  constructor(readonly name: string) {
    this.server = createServer((req, res) => this.handle(req, res));
    // Node's own 5-minute request timeout would answer a held upload 408 in a long test.
    this.server.requestTimeout = 0;
    this.server.on('connection', (socket) => {
      this.connections++;
      this.peakConnections = Math.max(this.peakConnections, this.connections);
      socket.once('close', () => this.connections--);
    });
  }

  listen(): Promise<number> {
    return listenOnLoopback(this.server);
  }

  /** Starts counting the peaks afresh. */
  resetPeaks(): void {
    this.peak = this.active;
    this.peakConnections = this.connections;
  }

  /** Answers every request waiting on /hold. */
  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  get holding(): number {
    return this.held.length;
  }

  close(): Promise<void> {
    this.release();
    return closeHttpServer(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    res.once('close', () => this.active--);
    const path = req.url ?? '/';
    if (path.startsWith('/upload')) {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.once('end', () => res.end(JSON.stringify({ bytes })));
      return;
    }
    if (path.startsWith('/hold')) {
      req.resume();
      this.held.push(() => res.end(this.name));
      return;
    }
    const n = /^\/n\/(\d+)$/.exec(path);
    res.end(n ? n[1] : this.name);
  }
}
