import type { Duplex } from 'node:stream';
import type { CapturedExchange } from './captured-exchange';
import type { ExchangeStore } from './exchange-store';

/** How a forwarded connection ended (the proxy's UpgradeOutcome / TcpOutcome, in part). */
export interface ConnectionOutcome {
  /** The status the client got (101 once switched); absent for tcp. */
  status?: number;
  bytesIn: number;
  bytesOut: number;
  closeReason: string;
  result?: 'upgraded' | 'declined' | 'failed';
}

/**
 * Captures a WebSocket upgrade or a TCP route connection as a connection: listed when it starts
 * (total_ms null), and again when it closes with its status, byte counts each way and duration.
 * No content is kept.
 */
export class ConnectionCapture {
  private readonly started = performance.now();

  constructor(
    readonly exchange: CapturedExchange,
    private readonly store: ExchangeStore,
    private readonly gatewayOf?: (stream: Duplex) => string | undefined,
  ) {}

  /** The stream the proxy dialed for this connection: names its gateway (`gateway_node`) where known. */
  servedBy(stream: Duplex): void {
    const gateway = this.gatewayOf?.(stream);
    if (gateway !== undefined) this.exchange.gatewayNode = gateway;
  }

  /** The connection is over. */
  close(outcome: ConnectionOutcome): void {
    const { exchange } = this;
    exchange.totalMs = performance.now() - this.started;
    exchange.status = outcome.status ?? 0;
    exchange.connectionBytes = { in: outcome.bytesIn, out: outcome.bytesOut };
    if (outcome.result === 'failed' && outcome.status !== undefined && outcome.status >= 400) {
      exchange.error = { status: outcome.status, cause: outcome.closeReason };
    }
    this.store.changed(exchange);
  }
}
