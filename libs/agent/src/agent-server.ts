import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger, Metrics } from '@piko/observability';
import type { AgentStatus } from './agent-status';

/** A started agent metrics server; close() stops it (open scrapes are cut). */
export interface RunningAgentServer {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

/**
 * Go Piko v0.9's agent server (`server.enabled`, `server.bind_addr`; agent/server/server.go): an
 * HTTP port of the agent's own with Prometheus metrics on GET /metrics (`metrics`: Go's agent
 * request metrics, see AgentMetrics, the sessions' (AgentStatus) and the process's: CPU, memory,
 * event loop, GC). Beyond Go, which has no other route: GET /status, the listeners' sessions,
 * reconnects and streams as JSON (AgentStatusView), and GET /health answering 200
 * `{"status":"ok"}` while the process runs. Anything else is 404 `{"error":"not found"}`.
 * Rejects with the listen error (EADDRINUSE, EACCES) so the CLI can name the address.
 */
export async function startAgentServer(host: string, port: number, metrics: Metrics, status: AgentStatus, logger: Logger): Promise<RunningAgentServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method === 'GET' && path === '/metrics') {
      metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (err: Error) => {
          logger.warn('metrics render failed', { err: err.message });
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal server error"}\n');
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(status.view())}\n`);
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host || undefined, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  logger.info('agent server listening', { addr: `${address.address}:${address.port}` });
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
