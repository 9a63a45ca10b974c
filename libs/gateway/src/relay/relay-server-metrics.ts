import { Gauge, type Registry } from 'prom-client';
import { knownLabelCounter } from '@piko/observability';
import { SESSION_CLOSE_REASONS, sessionCloseReason } from '@piko/protocol';

/** How a relay stream ended its header exchange. */
export type RelayStreamResult = 'accepted' | 'no_upstream' | 'draining' | 'bad_request' | 'http_only' | 'busy' | 'error';
const STREAM_RESULTS: readonly RelayStreamResult[] = ['accepted', 'no_upstream', 'draining', 'bad_request', 'http_only', 'busy', 'error'];

/** Why a relay connection was refused before its session started. */
export type RelayHandshakeFailure = 'bad_hello' | 'method' | 'proof' | 'error' | 'overload';

/**
 * The relay server's Prometheus metrics, registered in the process's registry. Every labelled
 * series is known up front and exported from the start (knownLabelCounter).
 */
export class RelayServerMetrics {
  readonly sessions: Gauge;
  readonly activeStreams: Gauge;
  /** Counts one relay stream's header exchange result. */
  readonly stream: (result: RelayStreamResult) => void;
  /** Counts one relay connection refused before its session started. */
  readonly handshakeFailed: (reason: RelayHandshakeFailure) => void;
  private readonly closed: (reason: (typeof SESSION_CLOSE_REASONS)[number]) => void;

  constructor(registry: Registry) {
    this.stream = knownLabelCounter(
      registry,
      'piko_relay_server_streams_total',
      'Relay streams from proxies, by result of the header exchange (accepted, no_upstream, draining, bad_request, http_only, busy, error).',
      'result',
      STREAM_RESULTS,
    );
    this.sessions = new Gauge({ name: 'piko_relay_server_sessions', help: 'Relay connections from proxies currently open.', registers: [registry] });
    this.activeStreams = new Gauge({ name: 'piko_relay_server_active_streams', help: 'Relay streams currently spliced onto an upstream stream.', registers: [registry] });
    this.handshakeFailed = knownLabelCounter(
      registry,
      'piko_relay_server_handshake_failures_total',
      'Relay connections refused before their session started, by reason (bad_hello, method, proof, error, overload: over relay.max_handshakes).',
      'reason',
      ['bad_hello', 'method', 'proof', 'error', 'overload'],
    );
    this.closed = knownLabelCounter(
      registry,
      'piko_relay_server_session_closes_total',
      'Relay connections from proxies that ended, by reason (closed, protocol_error, timeout, go_away_error, error).',
      'reason',
      SESSION_CLOSE_REASONS,
    );
  }

  /** Counts one ended relay session under the reason its close error shows. */
  sessionClosed(err: Error | undefined): void {
    this.closed(sessionCloseReason(err));
  }
}
