import { Section, SectionList } from '../lib/option.decorators';
import { ForwardConnectConfig } from './forward-connect.config';
import { LogConfig } from './log.config';
import { PortConfig } from './port.config';

/** Config of `piko forward` (Go Piko's forward config). */
export class ForwardConfig {
  @SectionList(() => PortConfig, `
Local ports to listen on and the endpoint each forwards to (YAML only; the
'piko forward tcp' command adds one from its arguments).`)
  ports: PortConfig[] = [];

  @Section(() => ForwardConnectConfig)
  connect = new ForwardConnectConfig();

  @Section(() => LogConfig)
  log = new LogConfig();
}
