import type { AddressInfo, Server } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { parseBindAddr } from '@piko/config';

/**
 * Starts a Nest app's HTTP server on a Go-style bind address (':8002' = every interface) and
 * resolves with the bound address.
 *
 * The server is listened on directly rather than through `app.listen()`: on failure Nest logs the
 * error itself before rejecting, and the caller (runRole) already reports it as the one line an
 * operator needs. `app.close()` still closes the server (Nest's adapter closes it unconditionally).
 *
 * Every Nest app of ours starts serving here, so this is also where Express's `X-Powered-By:
 * Express` header is turned off: clients need nothing from it, and it tells a scanner what to try.
 *
 * @throws the listen error (EADDRINUSE, EACCES, …) as Node raises it; bindPort() names the flag.
 */
export async function listenNest(app: INestApplication, bindAddr: string): Promise<AddressInfo> {
  const { host, port } = parseBindAddr(bindAddr);
  await app.init();
  (app.getHttpAdapter().getInstance() as { disable?(setting: string): unknown }).disable?.('x-powered-by');
  const server = app.getHttpServer() as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host || '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
