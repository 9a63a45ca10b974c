import type { Socket } from 'node:net';
import { headerRecord } from './header-lines';
import { LoopbackTcpServer } from './loopback-tcp-server';

/** One request as the service parsed it off a connection. */
export interface SeenRequest {
  /** Which TCP connection (1, 2, ...) and which request on it (1, 2, ...). */
  connection: number;
  index: number;
  method: string;
  url: string;
  /** Lower-cased names; a repeated header's values joined with ', '. */
  headers: Record<string, string>;
  body: string;
  /** The client's address as this service's socket saw it. */
  remoteAddress: string;
}

/**
 * A bare HTTP/1.1 server on raw sockets that behaves like Go's net/http towards `Upgrade`: it
 * ignores the header and answers 200 with a JSON echo of the request, keeping the connection for
 * more requests (pipelined ones too). Node's http.Server cannot stand in: it hands every upgrade
 * request to an 'upgrade' listener instead of answering it.
 *
 * Two paths differ:
 *   `/silent`         never answered (for timeouts).
 *   `/switch`         answers `101 Switching Protocols` (Upgrade: echo), writes `after-101\n` in
 *                     the same write, then echoes every byte.
 * Every request is kept in `seen`, so a test can tell which requests reached this service.
 */
export class UpgradeIgnoringService extends LoopbackTcpServer {
  readonly seen: SeenRequest[] = [];
  private connections = 0;

  constructor(readonly name: string) {
    super();
  }

  protected accept(socket: Socket): void {
    const connection = ++this.connections;
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    let index = 0;
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buffered.subarray(0, end).toString('latin1').split('\r\n');
        const [method, url] = lines[0].split(' ');
        const headers = headerRecord(lines.slice(1));
        const length = Number(headers['content-length'] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.subarray(end + 4, end + 4 + length).toString();
        buffered = buffered.subarray(end + 4 + length);
        const seen: SeenRequest = { connection, index: ++index, method, url, headers, body, remoteAddress: socket.remoteAddress ?? '' };
        this.seen.push(seen);
        if (url === '/silent') continue; // never answers: the proxy's timeout must
        if (url === '/switch') {
          socket.off('data', onData);
          socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nafter-101\n');
          if (buffered.length > 0) socket.write(buffered);
          socket.pipe(socket);
          return;
        }
        const json = JSON.stringify({ name: this.name, ...seen });
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
      }
    };
    socket.on('data', onData);
  }
}
