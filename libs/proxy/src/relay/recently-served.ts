/**
 * When each endpoint last had a relay stream accepted, kept for `windowMs` (then forgotten: a
 * sweep at most once per window drops older entries, so the map holds only endpoints served in
 * the last one or two windows). The cluster dialer lets a request wait for an endpoint to come
 * back only until `waitDeadline`: an upstream that is moving comes back within the window, one
 * that is gone costs its clients at most one window of waiting in all, not one per request.
 */
export class RecentlyServed {
  private readonly lastServedAt = new Map<string, number>();
  private sweptAt = 0;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a relay stream accepted for the endpoint now. */
  served(endpointId: string): void {
    if (this.windowMs <= 0) return;
    const now = this.now();
    this.lastServedAt.set(endpointId, now);
    if (now - this.sweptAt >= this.windowMs) this.sweep(now);
  }

  /** Until when (ms since the epoch) a request may wait for the endpoint; 0 if it was not served within the window. */
  waitDeadline(endpointId: string): number {
    const at = this.lastServedAt.get(endpointId);
    return at === undefined ? 0 : at + this.windowMs;
  }

  /** Endpoints remembered now (for tests: the map stays bounded). */
  get size(): number {
    return this.lastServedAt.size;
  }

  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [endpointId, at] of this.lastServedAt) if (now - at >= this.windowMs) this.lastServedAt.delete(endpointId);
  }
}
