// Exposes a local TCP service on a Piko endpoint, like `piko agent tcp my-redis 6379`.
//   <run this>  then, elsewhere:  piko forward tcp 6380 my-redis && redis-cli -p 6380 PING
// Examples import the package by name, as an application does.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { Upstream } from '@piko/client';

async function main(): Promise<void> {
  const upstream = new Upstream({ url: process.env.PIKO_UPSTREAM_URL ?? 'http://localhost:8001', token: process.env.PIKO_TOKEN });
  const listener = await upstream.listenAndForward(process.env.PIKO_ENDPOINT ?? 'my-redis', process.env.PIKO_ADDR ?? 'localhost:6379');
  console.log(`forwarding endpoint ${listener.endpointId}`);
  process.once('SIGINT', () => void listener.close());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
