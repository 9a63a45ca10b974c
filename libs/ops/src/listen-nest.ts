import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { parseBindAddr } from '@piko/config';

/** Starts a Nest app's HTTP server on a Go-style bind address (':8002' = every interface). */
export async function listenNest(app: INestApplication, bindAddr: string): Promise<AddressInfo> {
  const { host, port } = parseBindAddr(bindAddr);
  await app.listen(port, host || '0.0.0.0');
  return app.getHttpServer().address() as AddressInfo;
}
