// Connects stdin/stdout to an endpoint through Piko's proxy port, like `nc` through the tunnel:
//   printf 'PING\r\n' | <run this>          (with examples/forward-tcp.ts serving my-redis)
// Closing stdin half-closes the connection: the reply still arrives, then the process exits.
// Examples import the package by name, as an application does.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { Dialer } from '@piko/client';

async function main(): Promise<void> {
  const dialer = new Dialer({ url: process.env.PIKO_PROXY_URL ?? 'http://localhost:8000', token: process.env.PIKO_TOKEN });
  const conn = await dialer.dial(process.env.PIKO_ENDPOINT ?? 'my-redis');
  process.stdin.pipe(conn);
  conn.pipe(process.stdout);
  conn.once('error', (err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
