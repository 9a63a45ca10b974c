import { backoffDelay } from './backoff';

export interface ReconnectBackoffOptions {
  /** First delay's cap, ms (each delay is uniform in [cap/2, cap]); Go Piko's 100. */
  minMs: number;
  /** Largest delay, ms; Go Piko's 15000. */
  maxMs: number;
  /** A session that dies sooner than this (ms) without a go-away counts as a failure; default 5000. */
  healthyAfterMs?: number;
  /** For this long (ms) after an outage began, delays stay at most `outageEarlyMaxMs`; default 30000. */
  outageEarlyMs?: number;
  /** The cap on delays early in an outage, ms; default 1000. */
  outageEarlyMaxMs?: number;
  now?: () => number;
  random?: () => number;
}

interface Outage {
  failures: number;
  startedAt: number | undefined;
}

/**
 * How long a listener waits before each connect attempt, and when that wait starts over.
 *
 * Delays grow as `backoffDelay(failures, min, cap)` (exponential with equal jitter) where
 * `failures` counts failed attempts since the last healthy session. Two rules keep a restart of
 * Piko short for its agents without letting a fleet hammer a server that stays down:
 * - A session that connects starts the count over, so the first retry after a server restart or
 *   a go-away waits the initial backoff (`min/2..min` ms), as Go Piko's client does (a fresh
 *   backoff for every connect).
 * - For the first `outageEarlyMs` of an outage the delay is capped at `outageEarlyMaxMs`: a
 *   server that comes back within that window (a restart, a rolling update) has its agents back
 *   within that cap; a longer outage backs off towards `maxMs`.
 * A session that dies within `healthyAfterMs` without a go-away (a server that accepts and drops
 * at once) does not start the count over but adds to it and continues its outage, so a flapping
 * server sees the delays grow. A go-away is the server asking to be left: never a flap.
 */
export class ReconnectBackoff {
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly healthyAfterMs: number;
  private readonly outageEarlyMs: number;
  private readonly outageEarlyMaxMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private outage: Outage = { failures: 0, startedAt: undefined };
  // The outage the current session ended; it resumes if the session dies young.
  private before: Outage | undefined;
  private sessionStartedAt: number | undefined;

  constructor(options: ReconnectBackoffOptions) {
    this.minMs = options.minMs;
    this.maxMs = options.maxMs;
    this.healthyAfterMs = options.healthyAfterMs ?? 5_000;
    this.outageEarlyMs = options.outageEarlyMs ?? 30_000;
    this.outageEarlyMaxMs = options.outageEarlyMaxMs ?? 1_000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Failures since the last healthy session: 0 means the next wait is the initial backoff. */
  get attempt(): number {
    return this.outage.failures;
  }

  /** The delay (ms) before the next connect attempt; counts it as one more failure. */
  next(): number {
    const now = this.now();
    this.outage.startedAt ??= now;
    const early = now - this.outage.startedAt < this.outageEarlyMs;
    const cap = early ? Math.min(this.maxMs, Math.max(this.minMs, this.outageEarlyMaxMs)) : this.maxMs;
    return backoffDelay(this.outage.failures++, this.minMs, cap, this.random);
  }

  /** A session is up: the next wait is the initial backoff again. */
  connected(): void {
    this.before = this.outage;
    this.outage = { failures: 0, startedAt: undefined };
    this.sessionStartedAt = this.now();
  }

  /** The session ended; `goAway` when the server asked for it (drain, restart). */
  disconnected(goAway: boolean): void {
    const startedAt = this.sessionStartedAt;
    const before = this.before;
    this.sessionStartedAt = undefined;
    this.before = undefined;
    if (startedAt === undefined || before === undefined || goAway) return;
    if (this.now() - startedAt < this.healthyAfterMs) this.outage = { failures: before.failures + 1, startedAt: before.startedAt };
  }
}
