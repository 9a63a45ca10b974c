import type { Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';

/** Starts `server` on a free port on 127.0.0.1 and resolves with that port. */
export async function listenOnLoopback(server: NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Closes an HTTP server now, kept-alive connections included; resolves once it has closed. */
export function closeHttpServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
