import { BoolOption, DurationOption, Section, SectionList } from '../lib/option.decorators';
import { AgentConnectConfig } from './agent-connect.config';
import { ListenerConfig } from './listener.config';
import { LogConfig } from './log.config';

/**
 * Config of `piko agent start|http|tcp` (Go Piko's agent keys), plus the flags `agent http|tcp`
 * take for the one listener named by their arguments (`--access-log`, `--timeout`). Go's
 * agent `server` block (its own status port) is not built here, so it is an unknown key.
 */
export class AgentConfig {
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
