import type { UnreachableNode } from './upstream-view';

/** What one gateway did with a command. */
export interface GatewayAck {
  node: string;
  /** True if this gateway acted (had the session, the endpoint's sessions, or is the drained node). */
  acted: boolean;
  /** Upstream sessions it told go-away. */
  sessions: number;
}

/**
 * The answer to an action (`POST /api/v1/nodes/:id/drain`, `DELETE /api/v1/upstreams/:id`,
 * `POST /api/v1/endpoints/:id/disconnect`): every gateway asked, what each did, and those that
 * did not acknowledge within `admin.api.request_timeout`.
 */
export interface ActionResponse {
  action: 'drain' | 'disconnect-upstream' | 'disconnect-endpoint';
  /** The node, upstream or endpoint ID acted on. */
  target: string;
  gateways: GatewayAck[];
  unreachable: UnreachableNode[];
}
