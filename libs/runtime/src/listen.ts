import type { AddressInfo, Server } from 'node:net';

/** Listens on host:port ('' = every interface) and resolves with the bound address, or rejects (EADDRINUSE…). */
export async function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host || undefined, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
