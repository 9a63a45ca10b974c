import { Counter, type Registry } from 'prom-client';

/**
 * What the proxy's cluster dialer counts. `piko_upstreams_remote_requests_total{node_id}` is Go
 * Piko v0.9's (server/upstream/metrics.go: requests sent to another node, by target node ID):
 * here every proxied connection goes to a gateway node, so it counts the relay streams each
 * gateway accepted. Its cardinality is the number of gateways seen since start (a restarted pod
 * comes back under a new ID), not of endpoints. `piko_relay_client_retries_total`: a gateway
 * refused or could not be reached and the next one was tried.
 */
export class ClusterDialMetrics {
  private readonly remoteRequests: Counter<'node_id'>;
  private readonly byNode = new Map<string, { inc(): void }>();
  readonly retriesTotal: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.remoteRequests = new Counter({
      name: 'piko_upstreams_remote_requests_total',
      help: 'Number of requests sent to a remote node',
      labelNames: ['node_id'],
      registers,
    });
    this.retriesTotal = new Counter({
      name: 'piko_relay_client_retries_total',
      help: 'Relay dials retried on another gateway after one refused (stale route, draining) or was unreachable.',
      registers,
    });
  }

  /** One stream accepted by gateway `nodeId`. */
  sentTo(nodeId: string): void {
    let child = this.byNode.get(nodeId);
    if (!child) {
      child = this.remoteRequests.labels(nodeId);
      this.byNode.set(nodeId, child);
    }
    child.inc();
  }
}
