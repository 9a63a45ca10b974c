import { Counter, type Registry } from 'prom-client';
import { SESSION_CLOSE_REASONS, sessionCloseReason, type SessionCloseReason } from '@piko/protocol';
import { counterReadAtScrape, gaugeReadAtScrape, knownLabelCounter } from '@piko/observability';
import type { UpstreamPool } from './upstream-pool';

/**
 * The gateway's Prometheus metrics. Go Piko v0.9's server/upstream/metrics.go names where they
 * mean the same: `piko_upstreams_connected_upstreams`, `piko_upstreams_registered_endpoints` and
 * `piko_upstreams_upstream_requests_total` (requests and TCP connections sent to upstreams connected here), all read
 * from the pool at scrape time. This build's own: `piko_upstreams_connects_total` and
 * `piko_upstreams_disconnects_total{reason}` (see sessionCloseReason: a peer breaking yamux
 * shows as protocol_error). No endpoint label (see ProxyMetrics).
 */
export class GatewayMetrics {
  readonly connectsTotal: Counter;
  private readonly disconnects: (reason: SessionCloseReason) => void;

  constructor(registry: Registry, pool: UpstreamPool) {
    const registers = [registry];
    gaugeReadAtScrape(registry, 'piko_upstreams_connected_upstreams', 'Number of upstreams connected to this node', () => pool.size);
    gaugeReadAtScrape(registry, 'piko_upstreams_registered_endpoints', 'Number of endpoints registered to this node', () => pool.endpointCount);
    counterReadAtScrape(registry, 'piko_upstreams_upstream_requests_total', 'Number of requests sent to an upstream connected to the local node', () => pool.requestsSent);
    this.connectsTotal = new Counter({ name: 'piko_upstreams_connects_total', help: 'Upstream connections accepted since start.', registers });
    this.disconnects = knownLabelCounter(
      registry,
      'piko_upstreams_disconnects_total',
      'Upstream sessions ended, by reason (closed, protocol_error, timeout, go_away_error, error).',
      'reason',
      SESSION_CLOSE_REASONS,
    );
  }

  /** Counts one ended upstream session under the reason its close error shows. */
  disconnected(err: Error | undefined): void {
    this.disconnects(sessionCloseReason(err));
  }
}
