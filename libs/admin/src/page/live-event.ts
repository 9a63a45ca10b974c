/**
 * What the live channel (`GET /api/v1/events`, server-sent events) carries to the status page.
 * Plain data only: the browser bundle imports these types too (libs/admin/page).
 */

/** One node as the page lists it (from the registry: only nodes with a live lease). */
export interface LiveNode {
  id: string;
  role: string;
  /** 'active' | 'draining' (and 'left' once the API reports nodes that have gone). */
  state: string;
  /** Unix milliseconds. */
  startedAt: number;
  /** host:port strings by port name, such as { upstream: '10.0.0.5:8001' }. */
  addresses: Record<string, string>;
  /** Upstream sessions the node holds (gateways), summed over its endpoints. */
  upstreams: number;
}

/** One endpoint: which gateways hold how many of its upstream sessions. */
export interface LiveEndpoint {
  id: string;
  /** Gateway node ID → upstream sessions on it. */
  gateways: Record<string, number>;
  upstreams: number;
}

/** One upstream session (one connected agent listener), when the source can list them. */
export interface LiveUpstream {
  id: string;
  endpoint: string;
  gateway: string;
  remoteAddr: string;
  /** Unix milliseconds. */
  connectedAt: number;
  openStreams: number;
  requests: number;
}

/** Requests and errors (5xx and failed proxying) per second, per endpoint, over one interval. */
export type EndpointRates = Record<string, { requests: number; errors: number }>;

/** One point of the chart: the rates measured over the interval ending at `at` (unix ms). */
export interface RatePoint {
  at: number;
  rates: EndpointRates;
}

/** The `snapshot` event, sent every `admin.page.refresh_interval`. */
export interface LiveSnapshot {
  /** Unix milliseconds, when the snapshot was taken. */
  at: number;
  nodes: LiveNode[];
  endpoints: LiveEndpoint[];
  /** Absent when the source cannot list sessions. */
  upstreams?: LiveUpstream[];
  /** Gateways that did not answer in time: their sessions are missing from `upstreams`. */
  unanswered?: string[];
  /** The latest chart point, or absent on the first snapshot (a rate needs two samples). */
  point?: RatePoint;
}

/** The `hello` event, first on every stream: the chart's settings and its history so far. */
export interface LiveHello {
  /** Milliseconds between snapshots. */
  intervalMs: number;
  /** How far back the chart reaches, in milliseconds. */
  historyMs: number;
  points: RatePoint[];
}

/** The `problem` event: the snapshot could not be taken this time (the registry is down, say). */
export interface LiveProblem {
  at: number;
  error: string;
}
