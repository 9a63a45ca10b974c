export { GatewayModule, type GatewayModuleDeps } from './gateway.module';
export type { GatewayOptions } from './gateway-options';
export { UpstreamPool, type UpstreamConnection } from './upstream-pool';
export { UpstreamListener } from './upstream-listener';
export { UpstreamGateway, UPSTREAM_PATH } from './upstream.gateway';
export { UpstreamWsAdapter } from './upstream-ws.adapter';
export { createUpstreamWsAdapter } from './create-upstream-ws-adapter';
export { LocalUpstreamDialer } from './local-upstream-dialer';
