import { Gauge, type Registry } from 'prom-client';
import { knownLabelCounter } from '@piko/observability';
import { SESSION_CLOSE_REASONS, sessionCloseReason } from '@piko/protocol';
import type { RelayConnectionInfo } from './relay-connection-info';

/** How a relay dial ended, as `piko_relay_client_dials_total{result}` counts it. */
export type RelayDialResultLabel = 'accepted' | 'no_upstream' | 'draining' | 'http_only' | 'busy' | 'error';
const DIAL_RESULTS: readonly RelayDialResultLabel[] = ['accepted', 'no_upstream', 'draining', 'http_only', 'busy', 'error'];

/**
 * The relay client's Prometheus metrics, registered in the process's registry. The labelled
 * counters' series are known up front (knownLabelCounter), so a dial costs one increment.
 */
export class RelayClientMetrics {
  readonly connections: Gauge<'relay_addr' | 'state'>;
  /** Counts one relay dial's result. */
  readonly dialed: (result: RelayDialResultLabel) => void;
  private readonly closed: (reason: (typeof SESSION_CLOSE_REASONS)[number]) => void;

  constructor(registry: Registry, connections: () => RelayConnectionInfo[]) {
    this.dialed = knownLabelCounter(
      registry,
      'piko_relay_client_dials_total',
      'Relay streams opened to gateways, by result (accepted, no_upstream, draining, http_only, busy, error).',
      'result',
      DIAL_RESULTS,
    );
    this.closed = knownLabelCounter(
      registry,
      'piko_relay_client_session_closes_total',
      'Relay connections to gateways that ended, by reason (closed, protocol_error, timeout, go_away_error, error).',
      'reason',
      SESSION_CLOSE_REASONS,
    );
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

  /** Counts one ended relay connection under the reason its close error shows. */
  sessionClosed(err: Error | undefined): void {
    this.closed(sessionCloseReason(err));
  }
}
