import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * What the proxy's cluster dialer counts. `piko_upstreams_remote_requests_total{node_id}` is Go
 * Piko v0.9's (server/upstream/metrics.go: requests sent to another node, by target node ID):
 * here every proxied connection goes to a gateway node, so it counts the relay streams each
 * gateway accepted. Its cardinality is the number of gateways seen since start (a restarted pod
 * comes back under a new ID), not of endpoints. `piko_relay_client_retries_total`: a gateway
 * refused or could not be reached and the next one was tried. `piko_proxy_reroute_waits_total{result}`
 * and `piko_proxy_reroute_wait_seconds`: requests that found no gateway for an endpoint reached
 * moments ago and waited for the routing table (`proxy.reroute_timeout`), by how that ended:
 * `changed` (the routes changed and it was dialled again) or `timeout` (502).
 */
export class ClusterDialMetrics {
  private readonly remoteRequests: Counter<'node_id'>;
  private readonly byNode = new Map<string, { inc(): void }>();
  readonly retriesTotal: Counter;
  private readonly rerouteWaits: Counter<'result'>;
  private readonly rerouteWaitSeconds: Histogram;

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
    this.rerouteWaits = new Counter({
      name: 'piko_proxy_reroute_waits_total',
      help: 'Requests that found no gateway for a recently reached endpoint and waited for the routing table, by result (changed, timeout).',
      labelNames: ['result'],
      registers,
    });
    this.rerouteWaitSeconds = new Histogram({
      name: 'piko_proxy_reroute_wait_seconds',
      help: 'How long requests waited for an endpoint to reappear in the routing table.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** One wait for the routing table ended: `changed` (dialled again) or `timeout`, after `ms`. */
  reroute(result: 'changed' | 'timeout', ms: number): void {
    this.rerouteWaits.labels(result).inc();
    this.rerouteWaitSeconds.observe(ms / 1000);
  }

  /** One request sent to gateway `nodeId` (per pick on kept relay streams, per accepted stream otherwise). */
  sentTo(nodeId: string): void {
    let child = this.byNode.get(nodeId);
    if (!child) {
      child = this.remoteRequests.labels(nodeId);
      this.byNode.set(nodeId, child);
    }
    child.inc();
  }
}
