import { Counter, Histogram, type Registry } from 'prom-client';

/** The proxy's Prometheus metrics, registered in the process's registry. */
export class ProxyMetrics {
  readonly requestsTotal: Counter<'status'>;
  readonly requestDuration: Histogram<'status'>;
  readonly upgradesTotal: Counter;
  readonly tcpConnectionsTotal: Counter;

  constructor(registry: Registry) {
    this.requestsTotal = new Counter({
      name: 'piko_proxy_requests_total',
      help: 'Proxied HTTP requests, by response status.',
      labelNames: ['status'],
      registers: [registry],
    });
    this.requestDuration = new Histogram({
      name: 'piko_proxy_request_duration_seconds',
      help: 'Time from a request arriving to its response finishing, by response status.',
      labelNames: ['status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    });
    this.upgradesTotal = new Counter({
      name: 'piko_proxy_upgrades_total',
      help: 'Upgrade (WebSocket) connections passed through to upstreams.',
      registers: [registry],
    });
    this.tcpConnectionsTotal = new Counter({
      name: 'piko_proxy_tcp_connections_total',
      help: 'Raw TCP connections (/_piko/v1/tcp/:endpointId) carried to upstreams.',
      registers: [registry],
    });
  }
}
