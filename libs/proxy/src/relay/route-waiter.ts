import type { GatewayRoute } from './cluster-upstream-dialer';

/** The routing table, structurally: its routes and its `update` event (RoutingTable emits one per change or resync). */
export interface RouteUpdates {
  routes(endpointId: string): ReadonlyArray<GatewayRoute>;
  on(event: 'update', listener: () => void): unknown;
  off(event: 'update', listener: () => void): unknown;
}

/** The routes as a comparable string: which gateways, with how many upstreams each. */
export function routeSignature(routes: ReadonlyArray<GatewayRoute>): string {
  return routes
    .map((route) => `${route.nodeId}@${route.relayAddr}=${route.count}`)
    .sort()
    .join(',');
}

/**
 * Lets requests wait for an endpoint's routes to change, with one `update` listener on the
 * routing table however many wait (each update checks only the endpoints someone waits for).
 * Waiters are bounded by the requests in progress, which the proxy's own limits bound.
 */
export class RouteWaiter {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly onUpdate = (): void => this.checkAll();

  constructor(private readonly source: RouteUpdates) {}

  /**
   * Resolves true as soon as the endpoint's routes differ from `seen` (a routeSignature), false
   * once `deadline` (ms since the epoch, Date.now()) passes without a change.
   */
  changed(endpointId: string, seen: string, deadline: number): Promise<boolean> {
    if (routeSignature(this.source.routes(endpointId)) !== seen) return Promise.resolve(true);
    const delay = deadline - Date.now();
    if (delay <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const check = (): void => {
        if (routeSignature(this.source.routes(endpointId)) === seen) return;
        done(true);
      };
      const timer = setTimeout(() => done(false), delay);
      const done = (result: boolean): void => {
        clearTimeout(timer);
        this.remove(endpointId, check);
        resolve(result);
      };
      this.add(endpointId, check);
    });
  }

  private add(endpointId: string, check: () => void): void {
    if (this.waiting.size === 0) this.source.on('update', this.onUpdate);
    let checks = this.waiting.get(endpointId);
    if (!checks) this.waiting.set(endpointId, (checks = new Set()));
    checks.add(check);
  }

  private remove(endpointId: string, check: () => void): void {
    const checks = this.waiting.get(endpointId);
    if (!checks?.delete(check)) return;
    if (checks.size === 0) this.waiting.delete(endpointId);
    if (this.waiting.size === 0) this.source.off('update', this.onUpdate);
  }

  private checkAll(): void {
    for (const checks of [...this.waiting.values()]) for (const check of [...checks]) check();
  }
}
