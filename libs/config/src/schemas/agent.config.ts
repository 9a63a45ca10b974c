import { IsGracePeriod } from '../lib/grace-period';
import { DurationOption, IntOption, Section, SectionList, SectionOrBoolean } from '../lib/option.decorators';
import { refuseKeys } from '../lib/refused-keys';
import { AccessLogConfig, applyAccessLogBoolean } from './access-log.config';
import { AgentConnectConfig } from './agent-connect.config';
import { AgentServerConfig } from './agent-server.config';
import { HttpClientConfig } from './http-client.config';
import { ListenerConfig } from './listener.config';
import { LogConfig } from './log.config';

/**
 * Config of `piko agent start|http|tcp` (Go Piko v0.9's agent keys), plus what `agent http|tcp`
 * take as flags for the one listener named by their arguments (`--access-log.*`, `--timeout`,
 * `--http-client.*`, as in Go, where they are flags of those subcommands only).
 */
export class AgentConfig {
  @SectionList(() => ListenerConfig, `
Endpoints to register and the local services to forward to (YAML only). Used
by 'piko agent start'; 'piko agent http|tcp' replace them with the one listener
their arguments name, as Go Piko does.`)
  listeners: ListenerConfig[] = [];

  @Section(() => AgentConnectConfig)
  connect = new AgentConnectConfig();

  @Section(() => AgentServerConfig)
  server = new AgentServerConfig();

  @Section(() => LogConfig)
  log = new LogConfig();

  @DurationOption(`
Maximum time after SIGTERM or SIGINT to let in-flight requests finish.`)
  @IsGracePeriod()
  gracePeriod = 60_000;

  @SectionOrBoolean(() => AccessLogConfig, `
Access log of the listener given by the arguments: each request at info
('true') or at debug ('false').`, applyAccessLogBoolean)
  accessLog = new AccessLogConfig();

  @DurationOption(`
Timeout forwarding a request to the local service given by the arguments
(connecting, and waiting for its response). 0 means no timeout.`)
  timeout = 10_000;

  @IntOption(`
The longest first request line (method, target, version) the listener given by
the arguments holds before forwarding; a longer one gets '400 request line too
long'. (Not a Go Piko key; 1 MiB, Go's header limit.)`, { min: 1 })
  maxRequestLineBytes = 1_048_576;

  @IntOption(`
Connections to the local service the listener given by the arguments keeps open at once (one per
request, WebSocket or TCP connection in progress). Beyond it an HTTP request
gets '503' {"error":"endpoint busy"} and a TCP connection is closed. 0 means
no limit. (Not a Go Piko key.)`, { min: 0 })
  maxConnections = 512;

  @Section(() => HttpClientConfig)
  httpClient = new HttpClientConfig();
}

// Go Piko v0.9 agent keys this build does not act on, each with what to do instead.
refuseKeys(AgentConfig, [
  {
    path: 'connect.proxy_url',
    reason: 'connecting to Piko through an HTTP proxy is not supported by this build yet; let the agent reach the upstream port directly',
    allowEmpty: true,
  },
]);
