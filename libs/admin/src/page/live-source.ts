import type { LiveEndpoint, LiveNode, LiveUpstream } from './live-event';

/** Requests and errors counted since some start, per endpoint (they only grow, or restart at 0). */
export type EndpointCounters = Record<string, { requests: number; errors: number }>;

/** One reading of the cluster: what the page shows, and the counters its chart is computed from. */
export interface LiveReading {
  nodes: LiveNode[];
  endpoints: LiveEndpoint[];
  upstreams?: LiveUpstream[];
  unanswered?: string[];
  /** Absent when the source has no request counts. */
  counters?: EndpointCounters;
}

/** Where the live channel reads the cluster from (the admin API's services, or the bare registry). */
export interface LiveSource {
  /** @throws when the cluster cannot be read (the registry is unreachable, say). */
  read(): Promise<LiveReading>;
}

export const LIVE_SOURCE = Symbol('LIVE_SOURCE');
