/**
 * Go Piko's status API shapes (`server/cluster/node.go`, `server/upstream/status.go`), served at
 * the same paths so Go Piko's `piko server status` and scripts keep working. Here they describe
 * the whole cluster, not one node.
 */

/** Go's NodeStatus; `draining` is ours (Go has none), `unreachable` (gossip) never appears. */
export type GoNodeStatus = 'active' | 'draining' | 'left';

/** `GET /status/cluster/nodes` items (Go's NodeMetadata). */
export interface GoNodeMetadata {
  id: string;
  status: GoNodeStatus;
  proxy_addr: string;
  admin_addr: string;
  endpoints: number;
  upstreams: number;
}

/** `GET /status/cluster/nodes/:id` and `/status/cluster/nodes/local` (Go's Node). */
export interface GoNode {
  id: string;
  status: GoNodeStatus;
  proxy_addr: string;
  admin_addr: string;
  /** Endpoint ID → upstream count; omitted (null in Go) when the node has none. */
  endpoints?: Record<string, number>;
}

/** `GET /status/upstream/endpoints`: endpoint ID → upstream count (Go: one node's; here the cluster's). */
export type GoEndpointCounts = Record<string, number>;
