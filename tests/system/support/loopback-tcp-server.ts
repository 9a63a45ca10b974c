import { createServer, type AddressInfo, type Server, type ServerOpts, type Socket } from 'node:net';

/**
 * The common part of the tests' hand-written TCP servers: listens on a free port of 127.0.0.1,
 * keeps every socket it is given to `track`, and on close destroys them all before closing the
 * listener (so a test never waits on a client that keeps a connection open). Subclasses say what
 * to do with each accepted connection in `accept`; it is tracked before `accept` runs.
 */
export abstract class LoopbackTcpServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(options: ServerOpts = {}) {
    this.server = createServer(options, (socket) => {
      this.track(socket);
      this.accept(socket);
    });
  }

  /** Starts listening; resolves with the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Destroys every tracked socket, then closes the listener. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Makes `close` destroy this socket too (accepted sockets are tracked already). */
  protected track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  protected abstract accept(socket: Socket): void;
}
