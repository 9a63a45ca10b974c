/**
 * What the live channel (`GET /api/v1/events`, server-sent events) carries to the status page:
 * the admin API's own shapes (../api), so the page shows exactly what the REST routes return.
 * Types only: the browser bundle imports them too (libs/admin/page).
 */
import type { EndpointSummary, NodeView, UnreachableNode, UpstreamView } from '../api';

/** Requests and errors per second, per endpoint, over one sampling interval. */
export type EndpointRates = Record<string, { requests: number; errors: number }>;

/** One point of the chart: the rates measured at `at` (unix ms). */
export interface RatePoint {
  at: number;
  rates: EndpointRates;
}

/** The `snapshot` event, sent every `admin.page.refresh_interval`. */
export interface LiveSnapshot {
  /** Unix milliseconds, when the snapshot was taken. */
  at: number;
  /** As `GET /api/v1/nodes`. */
  nodes: NodeView[];
  /** As `GET /api/v1/endpoints` (every endpoint, sorted by ID). */
  endpoints: EndpointSummary[];
  /** As `GET /api/v1/upstreams`; absent when the source cannot list sessions. */
  upstreams?: UpstreamView[];
  /** Nodes that did not answer in time: their sessions or counters are missing. */
  unreachable: UnreachableNode[];
  /** The chart's newest point; absent while no request rates are known. */
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
