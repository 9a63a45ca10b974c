import { presetCounterChild } from '@piko/observability';
import { Counter, Gauge, type Registry } from 'prom-client';
import { SESSION_CLOSE_REASONS, sessionCloseReason, type SessionCloseReason } from '@piko/protocol';
import type { RelayConnectionInfo } from './relay-connection-info';

/** How a relay dial ended, as `piko_relay_client_dials_total{result}` counts it. */
export type RelayDialResultLabel = 'accepted' | 'no_upstream' | 'draining' | 'http_only' | 'error';
const DIAL_RESULTS: readonly RelayDialResultLabel[] = ['accepted', 'no_upstream', 'draining', 'http_only', 'error'];

/**
 * The relay client's Prometheus metrics, registered in the process's registry. The labelled
 * children are made once (every label value is known up front), so a dial costs one increment.
 */
export class RelayClientMetrics {
  readonly connections: Gauge<'relay_addr' | 'state'>;
  private readonly dials = new Map<RelayDialResultLabel, { inc(): void }>();
  private readonly closes = new Map<SessionCloseReason, { inc(): void }>();

  constructor(registry: Registry, connections: () => RelayConnectionInfo[]) {
    const dialsTotal = new Counter({
      name: 'piko_relay_client_dials_total',
      help: 'Relay streams opened to gateways, by result (accepted, no_upstream, draining, http_only, error).',
      labelNames: ['result'],
      registers: [registry],
    });
    for (const result of DIAL_RESULTS) this.dials.set(result, presetCounterChild(dialsTotal, result));
    const closes = new Counter({
      name: 'piko_relay_client_session_closes_total',
      help: 'Relay connections to gateways that ended, by reason (closed, protocol_error, timeout, go_away_error, error).',
      labelNames: ['reason'],
      registers: [registry],
    });
    for (const reason of SESSION_CLOSE_REASONS) this.closes.set(reason, presetCounterChild(closes, reason));
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

  /** Counts one relay dial's result. */
  dialed(result: RelayDialResultLabel): void {
    this.dials.get(result)?.inc();
  }

  /** Counts one ended relay connection under the reason its close error shows. */
  sessionClosed(err: Error | undefined): void {
    this.closes.get(sessionCloseReason(err))?.inc();
  }
}
