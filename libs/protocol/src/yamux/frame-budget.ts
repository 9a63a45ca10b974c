/**
 * A token bucket over received frames: `ratePerSecond` tokens a second, at most `burst` saved up,
 * one token per frame. A peer that sends faster than the rate for longer than the burst lasts is
 * flooding (a ping, SYN, window-update or RST flood costs us work per frame however small the
 * frames are), and the session ends it. Refilled once per received chunk, not per frame, so the
 * cost per frame is one decrement.
 */
export class FrameBudget {
  private tokens: number;
  private last: number;

  /**
   * @param ratePerSecond frames per second allowed on average; 0 disables the budget.
   * @param burst frames allowed at once above the rate (the bucket size), at least 1.
   * @param now clock in ms (tests pass their own).
   */
  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  get enabled(): boolean {
    return this.ratePerSecond > 0;
  }

  /** Adds the tokens earned since the last refill. */
  refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.ratePerSecond) / 1000);
    this.last = t;
  }

  /** Spends one frame's token; false once the budget is exhausted. */
  take(): boolean {
    return --this.tokens >= 0;
  }
}
