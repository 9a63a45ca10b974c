import type { ConnectionOptions } from 'tls';
import type { AccessLogOptions } from './access-log';

/** One endpoint the agent registers, mirroring Go Piko's `listeners[]` entries. */
export interface AgentListenerConfig {
  endpointId: string;
  protocol: 'http' | 'tcp';
  /** Local service: a port (`3000`), `host:port`, or a URL (`http://localhost:3000/prefix`, `https://...`). */
  addr: string;
  /** Go Piko's `access_log` (level, disable, header lists); default: every request at info. See AgentAccessLog. */
  accessLog?: AccessLogOptions;
  /** Milliseconds to wait for the local service's response headers (HTTP) or TCP connect; 0 = none. Default 10000. */
  timeoutMs?: number;
  /** HTTP: the longest request line held before `400 request line too long` (bytes). Default 1 MiB. */
  maxRequestLineBytes?: number;
  /** `max_connections`: service connections at once; beyond it 503 "endpoint busy" (HTTP) or a closed stream (TCP); 0 = none. Default 512. */
  maxConnections?: number;
  /** `http_client.keep_alive_timeout` in ms: TCP keep-alive probes on each connection to the service; 0 = system default. */
  keepAliveMs?: number;
  /** `http_client.idle_conn_timeout` in ms: a service connection idle between requests this long is closed; 0 = never. */
  idleConnTimeoutMs?: number;
  /** `listeners[].tls`: how to verify (and authenticate to) an https:// local service. */
  tls?: ConnectionOptions;
}

export interface AgentConnectConfig {
  /** Piko's upstream URL, e.g. `http://localhost:8001`. */
  url: string;
  token?: string;
  /** Tenant whose keys verify `token` (`connect.tenant_id`, sent as `x-piko-tenant-id`). */
  tenantId?: string;
  /** Milliseconds to keep retrying the first connect of each listener at start-up; 0 = forever. Default 30000. */
  timeoutMs?: number;
  tls?: ConnectionOptions;
}

export interface AgentConfig {
  listeners: AgentListenerConfig[];
  connect: AgentConnectConfig;
}
