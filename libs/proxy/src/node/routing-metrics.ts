import { Gauge, type Registry } from 'prom-client';
import type { RoutingTable } from '@piko/cluster';

/** The routing table's state on /metrics, read at scrape time (no series to keep current by hand). */
export class RoutingMetrics {
  constructor(registry: Registry, routing: RoutingTable) {
    const stat = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    stat('piko_routing_nodes', 'Nodes in the routing table.', () => routing.stats().nodes);
    stat('piko_routing_endpoints', 'Endpoints with at least one owning gateway.', () => routing.stats().endpoints);
    stat('piko_routing_resyncs_total', 'Full reloads of the table from the registry.', () => routing.stats().resyncsTotal);
    stat('piko_routing_resync_failures_total', 'Reloads that failed (registry unreachable).', () => routing.stats().resyncFailuresTotal);
    stat('piko_routing_seq_gaps_total', 'Missed bus events detected by a sequence gap.', () => routing.stats().seqGapsTotal);
    stat('piko_routing_events_total', 'Bus events applied.', () => routing.stats().eventsTotal);
  }
}
