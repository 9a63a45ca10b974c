// Serves a Node http server on a Piko endpoint: no local port, no inbound connection.
//   piko server &
//   <run this>                                    (PIKO_UPSTREAM_URL defaults to http://localhost:8001)
//   curl -H 'x-piko-endpoint: my-endpoint' http://localhost:8000/hello
import { createServer } from 'node:http';
// Examples import the package by name, as an application does.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { serveHttp, Upstream } from '@piko/client';

async function main(): Promise<void> {
  const upstream = new Upstream({ url: process.env.PIKO_UPSTREAM_URL ?? 'http://localhost:8001', token: process.env.PIKO_TOKEN });
  const listener = await upstream.listen(process.env.PIKO_ENDPOINT ?? 'my-endpoint');
  const server = createServer((req, res) => res.end(`hello from ${listener.endpointId}: ${req.method} ${req.url}\n`));
  serveHttp(listener, server);
  listener.on('reconnecting', (err?: Error) => console.error('reconnecting:', err?.message ?? 'connection closed'));
  console.log(`serving endpoint ${listener.endpointId}`);
  process.once('SIGINT', () => {
    // Graceful: Piko sends no new connections; in-flight requests finish.
    void listener.close().then(() => server.close());
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
