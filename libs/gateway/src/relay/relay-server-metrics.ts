import { Counter, Gauge, type Registry } from 'prom-client';

/** How a relay stream ended its header exchange. */
export type RelayStreamResult = 'accepted' | 'no_upstream' | 'draining' | 'bad_request' | 'error';

/** The relay server's Prometheus metrics, registered in the process's registry. */
export class RelayServerMetrics {
  readonly streamsTotal: Counter<'result'>;
  readonly sessions: Gauge;
  readonly activeStreams: Gauge;
  readonly handshakeFailures: Counter<'reason'>;

  constructor(registry: Registry) {
    this.streamsTotal = new Counter({
      name: 'piko_relay_server_streams_total',
      help: 'Relay streams from proxies, by result of the header exchange (accepted, no_upstream, draining, bad_request, error).',
      labelNames: ['result'],
      registers: [registry],
    });
    this.sessions = new Gauge({
      name: 'piko_relay_server_sessions',
      help: 'Relay connections from proxies currently open.',
      registers: [registry],
    });
    this.activeStreams = new Gauge({
      name: 'piko_relay_server_active_streams',
      help: 'Relay streams currently spliced onto an upstream stream.',
      registers: [registry],
    });
    this.handshakeFailures = new Counter({
      name: 'piko_relay_server_handshake_failures_total',
      help: 'Relay connections refused before their session started, by reason (bad_hello, method, proof, error).',
      labelNames: ['reason'],
      registers: [registry],
    });
  }
}
