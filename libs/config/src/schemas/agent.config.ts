import { DurationOption, Section, SectionList } from '../lib/option.decorators';
import { AgentConnectConfig } from './agent-connect.config';
import { AgentServerConfig } from './agent-server.config';
import { ListenerConfig } from './listener.config';
import { LogConfig } from './log.config';

/** Config of `piko agent` (Go Piko's agent config). */
export class AgentConfig {
  @SectionList(() => ListenerConfig, `
Endpoints to register and the local services to forward to (YAML only; the
'piko agent http|tcp' commands add one from their arguments).`)
  listeners: ListenerConfig[] = [];

  @Section(() => AgentConnectConfig)
  connect = new AgentConnectConfig();

  @Section(() => AgentServerConfig)
  server = new AgentServerConfig();

  @Section(() => LogConfig)
  log = new LogConfig();

  @DurationOption(`
Maximum time after SIGTERM or SIGINT to shut down each listener gracefully.`)
  gracePeriod = 60_000;
}
