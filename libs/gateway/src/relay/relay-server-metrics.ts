import { presetCounterChild } from '@piko/observability';
import { Counter, Gauge, type Registry } from 'prom-client';
import { SESSION_CLOSE_REASONS, sessionCloseReason, type SessionCloseReason } from '@piko/protocol';

/** How a relay stream ended its header exchange. */
export type RelayStreamResult = 'accepted' | 'no_upstream' | 'draining' | 'bad_request' | 'http_only' | 'error';
const STREAM_RESULTS: readonly RelayStreamResult[] = ['accepted', 'no_upstream', 'draining', 'bad_request', 'http_only', 'error'];

/** The relay server's Prometheus metrics, registered in the process's registry. */
export class RelayServerMetrics {
  private readonly streams = new Map<RelayStreamResult, { inc(): void }>();
  readonly sessions: Gauge;
  readonly activeStreams: Gauge;
  readonly handshakeFailures: Counter<'reason'>;
  private readonly closes = new Map<SessionCloseReason, { inc(): void }>();

  constructor(registry: Registry) {
    const streamsTotal = new Counter({
      name: 'piko_relay_server_streams_total',
      help: 'Relay streams from proxies, by result of the header exchange (accepted, no_upstream, draining, bad_request, http_only, error).',
      labelNames: ['result'],
      registers: [registry],
    });
    for (const result of STREAM_RESULTS) this.streams.set(result, presetCounterChild(streamsTotal, result));
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
    // Exported at 0 from the start, like the other known label sets.
    for (const reason of ['bad_hello', 'method', 'proof', 'error']) this.handshakeFailures.inc({ reason }, 0);
    const closes = new Counter({
      name: 'piko_relay_server_session_closes_total',
      help: 'Relay connections from proxies that ended, by reason (closed, protocol_error, timeout, go_away_error, error).',
      labelNames: ['reason'],
      registers: [registry],
    });
    for (const reason of SESSION_CLOSE_REASONS) this.closes.set(reason, presetCounterChild(closes, reason));
  }

  /** Counts one relay stream's header exchange result (children made once: one increment per stream). */
  stream(result: RelayStreamResult): void {
    this.streams.get(result)?.inc();
  }

  /** Counts one ended relay session under the reason its close error shows. */
  sessionClosed(err: Error | undefined): void {
    this.closes.get(sessionCloseReason(err))?.inc();
  }
}
