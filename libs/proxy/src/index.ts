export { ProxyModule, type ProxyModuleDeps } from './proxy.module';
export { ProxyServer } from './proxy-server';
export type { ProxyOptions } from './proxy-options';
export { UPSTREAM_DIALER, type UpstreamDialer } from './upstream-dialer';
export { endpointIdFromHeaders } from './endpoint-id';
