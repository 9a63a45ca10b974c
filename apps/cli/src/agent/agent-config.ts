import type { ConnectionOptions } from 'tls';

/** One endpoint the agent registers, mirroring Go Piko's `listeners[]` entries. */
export interface AgentListenerConfig {
  endpointId: string;
  protocol: 'http' | 'tcp';
  /** Local service: a port (`3000`), `host:port`, or a URL (`http://localhost:3000/prefix`, `https://...`). */
  addr: string;
  /** Log every request at info (otherwise debug; 5xx responses are always logged at warn). */
  accessLog?: boolean;
  /** Milliseconds to wait for the local service's response headers (HTTP) or TCP connect; 0 = none. Default 10000. */
  timeoutMs?: number;
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
