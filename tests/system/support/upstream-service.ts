import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';
import { listenOnLoopback, closeHttpServer } from './loopback-http';

/** A deterministic byte pattern, so a transfer can be checked without keeping it in memory. */
export function patternChunk(size = 64 * 1024): Buffer {
  const chunk = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) chunk[i] = (i * 31 + 7) & 0xff;
  return chunk;
}

/**
 * The local service behind an agent, as a test needs it: echoes requests, hashes uploads,
 * streams downloads, sends server-sent events one at a time on the test's cue, and echoes
 * WebSocket messages. `name` tells which instance answered (for load-balancing tests).
 */
export class UpstreamService {
  readonly server: Server;
  private readonly sseCues: Array<() => void> = [];
  private readonly slowReleases: Array<() => void> = [];
  /** Requests to /slow waiting for release. */
  get slowWaiting(): number {
    return this.slowReleases.length;
  }

  constructor(readonly name: string) {
    // A request the client (or the proxy) aborted rejects the handler: that ends the response, nothing more.
    this.server = createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    const wss = new WebSocketServer({ server: this.server });
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  }

  listen(): Promise<number> {
    return listenOnLoopback(this.server);
  }

  close(): Promise<void> {
    return closeHttpServer(this.server);
  }

  /** Answers every request waiting on /slow. */
  releaseSlow(): void {
    for (const release of this.slowReleases.splice(0)) release();
  }

  /** Lets the SSE handler send its next event. */
  cueNextEvent(): void {
    this.sseCues.shift()?.();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (url.pathname === '/upload') {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of req) {
        hash.update(chunk as Buffer);
        bytes += (chunk as Buffer).length;
      }
      return json(res, { bytes, sha256: hash.digest('hex') });
    }
    if (url.pathname === '/download') {
      const total = Number(url.searchParams.get('bytes'));
      const chunk = patternChunk();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    if (url.pathname === '/events') {
      const count = Number(url.searchParams.get('count') ?? 3);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (let i = 1; i <= count; i++) {
        if (i > 1) await new Promise<void>((resolve) => this.sseCues.push(resolve));
        res.write(`id: ${i}\ndata: event ${i}\n\n`);
      }
      return void res.end();
    }
    if (url.pathname === '/hang') return; // never answers: the proxy's timeout must
    if (url.pathname === '/slow') {
      // Answers once the test releases it: an in-flight request for shutdown tests.
      await new Promise<void>((resolve) => this.slowReleases.push(resolve));
      return json(res, { name: this.name, slow: true });
    }
    const body: Buffer[] = [];
    for await (const chunk of req) body.push(chunk as Buffer);
    json(res, { name: this.name, method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(body).toString() });
  }
}

function json(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
