/**
 * Counts what each client address has in progress at the proxy (requests, WebSocket and TCP
 * connections: one upstream stream each) and refuses more than `max` at once
 * (`proxy.max_streams_per_client`; 0 = no limit). One address trickling thousands of slow
 * uploads would otherwise hold thousands of streams on an endpoint's upstream, and other
 * clients would find none left.
 *
 * Global across endpoints, not per endpoint: what one address costs is the proxy's memory and
 * sockets and the upstreams' capacity, whichever endpoints it spreads over. Memory is one map
 * entry per address with something in progress.
 */
export class ClientStreamLimit {
  private readonly inProgress = new Map<string, number>();

  constructor(private readonly max: number) {}

  /**
   * Takes one slot for `address` (the client's IP, as clientAddress() gives it). Returns the
   * function that gives it back (safe to call more than once), or undefined when the address is
   * at its limit.
   */
  acquire(address: string): (() => void) | undefined {
    if (this.max <= 0) return () => undefined;
    const count = this.inProgress.get(address) ?? 0;
    if (count >= this.max) return undefined;
    this.inProgress.set(address, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inProgress.get(address) ?? 1) - 1;
      if (left <= 0) this.inProgress.delete(address);
      else this.inProgress.set(address, left);
    };
  }

  /** What `address` has in progress now. */
  count(address: string): number {
    return this.inProgress.get(address) ?? 0;
  }
}
