import type { RequestRates } from './node-view';
import type { UnreachableNode } from './upstream-view';

/** Node counts of one role, by state. */
export interface StateCounts {
  active: number;
  draining: number;
  left: number;
}

/** `GET /api/v1/cluster`: the whole cluster at a glance. */
export interface ClusterResponse {
  nodes: {
    total: number;
    byRole: { proxy: StateCounts; gateway: StateCounts; admin: StateCounts };
  };
  /** Endpoints with at least one upstream. */
  endpoints: number;
  /** Upstream sessions over all gateways (from the registry's counts). */
  upstreams: number;
  /** Summed over the proxies that reported. */
  rates: RequestRates;
  /** Proxies asked for their counters that did not answer (their traffic is missing from `rates`). */
  unreachable: UnreachableNode[];
}
