/**
 * A token bucket: `burst` tokens at most, refilled at `ratePerSecond`; each `take` spends one.
 * Used for the replay limits: an admin node's (`admin.api.replay_rate`, `replay_burst`) and a
 * proxy's (`proxy.inspect.replay_rate`, `replay_burst`).
 * `now` is a monotonic clock in ms (performance.now by default; a test passes its own).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError(`a token bucket needs a rate > 0 and a burst >= 1 (got ${ratePerSecond}/s, ${burst})`);
    this.tokens = burst;
    this.last = now();
  }

  /** Spends a token: 0 when one was there, else how long (ms) until one will be (nothing is spent then). */
  take(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }
}
