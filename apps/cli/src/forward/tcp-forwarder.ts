import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Dialer, Logger } from '@piko/client';

export interface ForwardPort {
  host: string;
  port: number;
  endpointId: string;
}

/**
 * One local TCP port of `piko forward tcp`: each accepted connection is dialed through Piko's
 * proxy to the endpoint and joined to it byte for byte. A failed dial closes that connection
 * only (with a log line saying why); the port keeps listening.
 */
export class TcpPortForwarder {
  private readonly server: Server;
  private readonly open = new Set<Socket>();

  constructor(
    private readonly port: ForwardPort,
    private readonly dialer: Dialer,
    private readonly logger: Logger,
  ) {
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port.port, this.port.host || '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.logger.info('forwarding', { addr: `${address.address}:${address.port}`, endpointId: this.port.endpointId });
    return address;
  }

  /** Stops listening; open connections finish on their own unless `force`. */
  async close(force = false): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (force) for (const socket of this.open) socket.destroy();
    await closed;
  }

  private accept(socket: Socket): void {
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    // Hold client bytes until the tunnel is up; pipe() then delivers them in order.
    socket.pause();
    const abort = new AbortController();
    socket.once('close', () => abort.abort());
    this.dialer.dial(this.port.endpointId, { signal: abort.signal }).then(
      (conn) => join(socket, conn),
      (err: Error) => {
        this.logger.warn('dial failed', { endpointId: this.port.endpointId, err: err.message });
        socket.destroy();
      },
    );
  }
}

/**
 * Joins the local socket to the tunnel. Half-close travels both ways (the socket has
 * allowHalfOpen and the tunnel is a half-close WebSocket); an error on either side resets the
 * other; a side that closed cleanly leaves the other to flush what it still holds.
 */
function join(socket: Socket, conn: Duplex): void {
  if (socket.destroyed) return void conn.destroy();
  socket.pipe(conn).pipe(socket);
  socket.resume();
  const teardown = (err?: Error) => {
    if (err) socket.resetAndDestroy();
    else socket.destroy();
    conn.destroy(err);
  };
  socket.once('error', teardown);
  conn.once('error', teardown);
  conn.once('close', () => (conn.readableEnded && conn.writableFinished) || teardown());
  socket.once('close', () => (socket.readableEnded && socket.writableFinished) || teardown());
}
