// @piko/runtime: what every server process shares: running a role from argv, cluster clients, node identity.
export { runRole, type RoleCommand, type RunningRole } from './run-role';
export { createClusterClients, reportClusterHealth, type ClusterClients } from './cluster-clients';
export { nodeId } from './node-id';
export { advertiseAddr } from './advertise-addr';
export { clusterRole } from './cluster-role';
export { listen } from './listen';
export { waitShutdownDelay } from './shutdown-delay';
export { nodeRegistration } from './node-registration';
export { createPortServer, ServerTls, serverTls, type ServerTlsFiles, type ServerTlsOptions } from './tls';
export { HEAD_TIMEOUT_CHECK_INTERVAL_MS, headTimeoutOptions } from './head-timeout';
export { PortServerAdapter, type PortServerSettings } from './port-server-adapter';
export { clusterNodesGauge, reportRegistration } from './cluster-metrics';
