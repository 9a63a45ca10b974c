// @piko/config: YAML + flags + env expansion in Go Piko's form, validated once at start.
export { ConfigError } from './lib/config-error';
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from './lib/load-config';
export { renderHelp } from './lib/render-help';
export { buildFlagTable, type FlagSpec } from './lib/flag-table';
export { expandEnv } from './lib/expand-env';
export { parseDuration, tryParseDuration, formatDuration, MAX_TIMER_MS } from './lib/duration';
export { parseBindAddr, trySplitHostPort, type HostPort } from './lib/bind-addr';
export { normalizeListenerAddr, type ListenerAddr } from './lib/listener-addr';
export {
  BoolOption,
  DurationOption,
  EnumOption,
  FloatOption,
  IntOption,
  ListOption,
  Section,
  SectionList,
  SectionOrBoolean,
  StringOption,
} from './lib/option.decorators';
export type { OptionKind, OptionMeta, SchemaClass } from './lib/option-metadata';

export { ServerConfig } from './schemas/server.config';
export { ProxyConfig } from './schemas/proxy.config';
export { HttpConfig } from './schemas/http.config';
export { InspectConfig } from './schemas/inspect.config';
export { UpstreamConfig } from './schemas/upstream.config';
export { MuxConfig } from './schemas/mux.config';
export { AdminConfig } from './schemas/admin.config';
export { AdminApiConfig } from './schemas/admin-api.config';
export { RelayConfig } from './schemas/relay.config';
export { OpsConfig } from './schemas/ops.config';
export { ClusterConfig } from './schemas/cluster.config';
export { RegistryConfig } from './schemas/registry.config';
export { AuthConfig, authEnabled } from './schemas/auth.config';
export { JwksConfig } from './schemas/jwks.config';
export { TenantConfig } from './schemas/tenant.config';
export { TlsConfig, tlsEnabled } from './schemas/tls.config';
export { clientTlsOptions } from './lib/client-tls-options';
export { relaySessionOptions } from './lib/relay-session-options';
export { ClientTlsConfig } from './schemas/client-tls.config';
export { RelayTlsConfig } from './schemas/relay-tls.config';
export { LogConfig, LOG_LEVELS, type LogLevel } from './schemas/log.config';
export { AgentConfig } from './schemas/agent.config';
export { AgentServerConfig } from './schemas/agent-server.config';
export { AccessLogConfig, AccessLogHeadersConfig, applyAccessLogBoolean, DEFAULT_REDACTED_QUERY_PARAMS } from './schemas/access-log.config';
export { HttpClientConfig } from './schemas/http-client.config';
export { RebalanceConfig } from './schemas/rebalance.config';
export { MIGRATION_DOC, refuseKeys, refusedKeyFor, type RefusedKey } from './lib/refused-keys';
export { suggest } from './lib/suggest';
export { AgentConnectConfig } from './schemas/agent-connect.config';
export { ListenerConfig, LISTENER_PROTOCOLS, type ListenerProtocol } from './schemas/listener.config';
export { ForwardConfig } from './schemas/forward.config';
export { ForwardConnectConfig } from './schemas/forward-connect.config';
export { PortConfig } from './schemas/port.config';
export { StatusConfig, StatusAdminConfig, StatusServerConfig, STATUS_OUTPUTS, type StatusOutput } from './schemas/status.config';
