import { NODE_STATES, type NodeInfo, type NodeRegistration } from '@piko/cluster';
import { counterReadAtScrape, gaugeReadAtScrape, GO_DEFAULT_BUCKETS } from '@piko/observability';
import { Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Go Piko v0.9's `piko_cluster_nodes{status}` (server/cluster/metrics.go: nodes in this node's
 * cluster state, by status), read at scrape time from `nodes()`: the proxy's routing table or the
 * admin's registry snapshot. Statuses here are the registry's node states, `active` and
 * `draining` (Go's `unreachable` and `left` have no counterpart: a node whose lease expires is
 * gone from the registry). Every status is always exported, 0 included, so a panel never has a gap.
 */
export function clusterNodesGauge(registry: Registry, nodes: () => Iterable<NodeInfo> | Promise<Iterable<NodeInfo>>): Gauge<'status'> {
  return new Gauge({
    name: 'piko_cluster_nodes',
    help: 'Number of nodes in the cluster state',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = new Map<string, number>(NODE_STATES.map((s) => [s, 0]));
      for (const node of await nodes()) counts.set(node.state, (counts.get(node.state) ?? 0) + 1);
      for (const [status, count] of counts) this.set({ status }, count);
    },
  });
}

/**
 * This node's registration on /metrics: `piko_cluster_registered` (1 while the registry holds its
 * current lease and entries), `piko_cluster_registration_propagation_seconds` (from a gateway's
 * upstream count changing until both the registry write and the bus event are acknowledged: the
 * writer's share of how long a new upstream takes to become routable) and
 * `piko_cluster_events_publish_failures_total` (bus events lost; readers resync on the gap).
 */
export function reportRegistration(registry: Registry, registration: NodeRegistration): void {
  gaugeReadAtScrape(registry, 'piko_cluster_registered', "Whether the registry holds this node's current lease and entries (1) or not (0).", () =>
    registration.registered ? 1 : 0,
  );
  const propagation = new Histogram({
    name: 'piko_cluster_registration_propagation_seconds',
    help: 'From an endpoint upstream count change on this node until the registry write and the bus event were both acknowledged.',
    buckets: [0.001, 0.0025, ...GO_DEFAULT_BUCKETS],
    registers: [registry],
  });
  let publishFailures = 0;
  registration.on('propagated', (ms: number) => propagation.observe(ms / 1000));
  registration.on('publishFailed', () => publishFailures++);
  counterReadAtScrape(registry, 'piko_cluster_events_publish_failures_total', 'Cluster bus events this node could not publish.', () => publishFailures);
}
