import {
  AgentConnectConfig,
  BoolOption,
  DurationOption,
  ListenerConfig,
  LogConfig,
  Section,
  SectionList,
} from '@piko/config';

/**
 * Config of `piko agent start|http|tcp`: Go Piko's agent keys, plus the flags `agent http|tcp`
 * take for the one listener named by their arguments (`--access-log`, `--timeout`).
 */
export class AgentCommandConfig {
  @SectionList(() => ListenerConfig, `
Endpoints to register and the local services to forward to (YAML only; the
'piko agent http|tcp' commands add one from their arguments).`)
  listeners: ListenerConfig[] = [];

  @Section(() => AgentConnectConfig)
  connect = new AgentConnectConfig();

  @Section(() => LogConfig)
  log = new LogConfig();

  @DurationOption(`
Maximum time after SIGTERM or SIGINT to let in-flight requests finish.`)
  gracePeriod = 60_000;

  @BoolOption(`
Log each forwarded request of the listener given by the arguments.`)
  accessLog = true;

  @DurationOption(`
Timeout forwarding a request to the local service given by the arguments.`)
  timeout = 15_000;
}
