import type { Registry } from 'prom-client';
import type { RoutingTable } from '@piko/cluster';
import { counterReadAtScrape, gaugeReadAtScrape } from '@piko/observability';
import { clusterNodesGauge } from '@piko/runtime';

/**
 * The routing table's state on /metrics, read at scrape time (no series to keep current by hand):
 * Go Piko's `piko_cluster_nodes{status}` from the nodes the table knows, and this build's
 * `piko_routing_*` gauges and counters.
 */
export class RoutingMetrics {
  constructor(registry: Registry, routing: RoutingTable) {
    clusterNodesGauge(registry, () => routing.nodes());
    gaugeReadAtScrape(registry, 'piko_routing_nodes', 'Nodes in the routing table.', () => routing.stats().nodes);
    gaugeReadAtScrape(registry, 'piko_routing_endpoints', 'Endpoints with at least one owning gateway.', () => routing.stats().endpoints);
    counterReadAtScrape(registry, 'piko_routing_resyncs_total', 'Full reloads of the table from the registry.', () => routing.stats().resyncsTotal);
    counterReadAtScrape(registry, 'piko_routing_resync_failures_total', 'Reloads that failed (registry unreachable).', () => routing.stats().resyncFailuresTotal);
    counterReadAtScrape(registry, 'piko_routing_seq_gaps_total', 'Missed bus events detected by a sequence gap.', () => routing.stats().seqGapsTotal);
    counterReadAtScrape(registry, 'piko_routing_events_total', 'Bus events applied.', () => routing.stats().eventsTotal);
  }
}
