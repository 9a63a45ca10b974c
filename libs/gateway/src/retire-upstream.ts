import type { UpstreamConnection, UpstreamPool } from './upstream-pool';

const POLL_MS = 50;

/**
 * Moves upstream connections off this gateway without cutting a request. Each is told go-away, so
 * it connects a fresh session (through the load balancer, to any gateway) and closes this one
 * once its streams are done; until then the session stays in the pool and keeps serving. Resolves
 * when all have closed, or all are idle after `settleMs` (an upstream that ignores go-away, as an
 * older agent may), or at the deadline; whatever is left is then removed and closed.
 */
export async function retireUpstreams(
  pool: UpstreamPool,
  connections: UpstreamConnection[],
  deadline: number,
  settleMs = 1_000,
): Promise<void> {
  for (const connection of connections) {
    pool.markRetiring(connection);
    void connection.session.goAway();
  }
  const settled = Date.now() + settleMs;
  const open = () => connections.filter((c) => !c.session.isClosed);
  while (open().length > 0 && Date.now() < deadline) {
    if (Date.now() >= settled && open().every((c) => c.session.numStreams === 0)) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  for (const connection of connections) {
    pool.remove(connection);
    connection.session.close();
  }
}
