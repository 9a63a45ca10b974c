import { createServer, type Server } from 'node:http';
import { closeHttpServer, listenOnLoopback } from './loopback-http';

/**
 * A local service that records each request it is sent (`GET /path`) and answers
 * `served /path`: what reaches it came through a tunnel, so a test can say that nothing did.
 */
export class RecordingService {
  readonly server: Server;
  readonly requests: string[] = [];
  port = 0;

  constructor() {
    this.server = createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      res.end(`served ${req.url}`);
    });
  }

  async listen(): Promise<number> {
    this.port = await listenOnLoopback(this.server);
    return this.port;
  }

  close(): Promise<void> {
    return closeHttpServer(this.server);
  }
}
