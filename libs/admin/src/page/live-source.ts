import type { EndpointSummary, NodeView, UnreachableNode, UpstreamView } from '../api';

/** One reading of the cluster, in the admin API's shapes. */
export interface LiveReading {
  nodes: NodeView[];
  endpoints: EndpointSummary[];
  upstreams?: UpstreamView[];
  unreachable: UnreachableNode[];
  /** Whether the endpoints' request and error rates were measured (false: they are placeholders). */
  ratesKnown: boolean;
}

/** Where the live channel reads the cluster from (the admin API's services, or the bare registry). */
export interface LiveSource {
  /** @throws when the cluster cannot be read (the registry is unreachable, say). */
  read(): Promise<LiveReading>;
}
