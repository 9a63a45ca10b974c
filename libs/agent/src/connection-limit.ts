import type { Duplex } from 'stream';
import type { Logger } from '@piko/client';
import { RateLimitedLog } from '@piko/protocol';

/**
 * The agent's bound on connections to one listener's local service (`listeners[].max_connections`,
 * `--max-connections`; 0 = none). Each stream Piko opens becomes one service connection, and the
 * gateway allows up to `upstream.mux.max_streams` (4096) streams per upstream connection: without
 * this, a flood at the proxy became thousands of concurrent connections to the service. Streams
 * over the limit are refused at once (the caller answers 503 "endpoint busy" on HTTP), so the
 * client learns the endpoint is at capacity instead of waiting in a hidden queue.
 */
export class ConnectionLimit {
  private active = 0;
  private readonly warnings: RateLimitedLog;

  constructor(
    private readonly max: number,
    logger: Logger,
  ) {
    this.warnings = new RateLimitedLog(logger);
  }

  /**
   * Counts `stream` until it closes and returns true, or returns false (after a rate-limited
   * warning naming the key) when the listener already has `max` connections.
   */
  admit(stream: Duplex): boolean {
    if (this.max > 0 && this.active >= this.max) {
      this.warnings.warn('endpoint busy: listener at its connection limit', { limit: 'max_connections', max: this.max });
      return false;
    }
    this.active++;
    stream.once('close', () => this.active--);
    return true;
  }

  /** Connections to the service in progress now. */
  get size(): number {
    return this.active;
  }
}
