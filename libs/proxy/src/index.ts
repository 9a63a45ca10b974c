export { ProxyModule, type ProxyModuleDeps } from './proxy.module';
export { ProxyServer } from './proxy-server';
export type { ProxyOptions } from './proxy-options';
export { ProxyAuth } from './proxy-auth';
export { UPSTREAM_DIALER, type UpstreamDialer } from './upstream-dialer';
export { endpointIdFromHeaders } from './endpoint-id';
export { RelayClient, type RelayDialResult } from './relay/relay-client';
export { DEFAULT_RELAY_CLIENT_OPTIONS, type RelayClientOptions } from './relay/relay-client-options';
export { RelayClientMetrics } from './relay/relay-client-metrics';
export type { RelayConnectionInfo } from './relay/relay-connection-info';
export { RelayDialError } from './relay/relay-dial-error';
export {
  ClusterUpstreamDialer,
  type GatewayRoute,
  type RelayOpener,
  type RouteSource,
} from './relay/cluster-upstream-dialer';
export { ClusterDialMetrics } from './relay/cluster-dial-metrics';
export { pickWeighted } from './relay/weighted-pick';
export { startProxyNode, type RunningProxy } from './node/proxy-node';
export { proxyOptions, relayClientOptions } from './node/proxy-config';
export { adoptPeerSwitches, clusterGatewayOf, proxyInspector } from './node/proxy-inspector';
export { RoutingMetrics } from './node/routing-metrics';
export { proxyRole } from './node/proxy-role';
export { ProxyAccessLog, type AccessLogOptions } from './access-log';
export { EndpointRequestStats } from './endpoint-request-stats';
export { serveRequestStats } from './request-stats-rpc';
