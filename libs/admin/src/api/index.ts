export type { ActionResponse, GatewayAck } from './action-result';
export type { ClusterResponse, StateCounts } from './cluster-view';
export type { EndpointDetailResponse, EndpointGateway, EndpointListResponse, EndpointSortKey, EndpointSummary } from './endpoint-view';
export type { ApiErrorBody } from './error-body';
export type { GoEndpointCounts, GoNode, GoNodeMetadata, GoNodeStatus } from './go-status-view';
export type { NodeAddresses, NodeDetailResponse, NodeListResponse, NodeView, NodeViewRole, NodeViewState, RequestRates } from './node-view';
export type { UnreachableNode, UpstreamListResponse, UpstreamView } from './upstream-view';
