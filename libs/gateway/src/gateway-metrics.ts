import { Counter, Gauge, type Registry } from 'prom-client';

/** The gateway's Prometheus metrics, registered in the process's registry. */
export class GatewayMetrics {
  readonly upstreams: Gauge;
  readonly upstreamConnectsTotal: Counter;

  constructor(registry: Registry) {
    this.upstreams = new Gauge({
      name: 'piko_upstream_connections',
      help: 'Upstream connections (agents, SDK listeners) currently connected to this gateway.',
      registers: [registry],
    });
    this.upstreamConnectsTotal = new Counter({
      name: 'piko_upstream_connects_total',
      help: 'Upstream connections accepted since start.',
      registers: [registry],
    });
  }
}
