import { Counter, Gauge, type Registry } from 'prom-client';
import type { RelayConnectionInfo } from './relay-connection-info';

/** The relay client's Prometheus metrics, registered in the process's registry. */
export class RelayClientMetrics {
  readonly dialsTotal: Counter<'result'>;
  readonly connections: Gauge<'relay_addr' | 'state'>;

  constructor(registry: Registry, connections: () => RelayConnectionInfo[]) {
    this.dialsTotal = new Counter({
      name: 'piko_relay_client_dials_total',
      help: 'Relay streams opened to gateways, by result (accepted, no_upstream, draining, error).',
      labelNames: ['result'],
      registers: [registry],
    });
    this.connections = new Gauge({
      name: 'piko_relay_client_connections',
      help: 'Relay connections to gateways, one series per gateway at its current state (connecting, connected, failed).',
      labelNames: ['relay_addr', 'state'],
      registers: [registry],
      collect() {
        // Read at scrape time, so gateways that went away leave no stale series behind.
        this.reset();
        for (const c of connections()) this.set({ relay_addr: c.relayAddr, state: c.state }, 1);
      },
    });
  }
}
