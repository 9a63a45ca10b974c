export interface Route {
  nodeId: string;
  relayAddr: string;
  /** Upstreams this gateway holds for the endpoint; the weight of the pick. */
  count: number;
}

/**
 * Picks a route at random, weighted by upstream count, skipping nodes in `exclude` (gateways
 * already tried for this request). Undefined when none is left.
 */
export function weightedPick<T extends Route>(routes: ReadonlyArray<T>, exclude: ReadonlySet<string> = new Set(), random: () => number = Math.random): T | undefined {
  let total = 0;
  for (const route of routes) if (!exclude.has(route.nodeId) && route.count > 0) total += route.count;
  if (total === 0) return undefined;
  let point = random() * total;
  let last: T | undefined;
  for (const route of routes) {
    if (exclude.has(route.nodeId) || route.count <= 0) continue;
    last = route;
    point -= route.count;
    if (point < 0) return route;
  }
  return last; // only reached through floating-point rounding when random() is close to 1
}
