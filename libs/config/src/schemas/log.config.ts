import { EnumOption, ListOption } from '../lib/option.decorators';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class LogConfig {
  @EnumOption(LOG_LEVELS, `
Minimum log level to output: 'debug', 'info', 'warn' or 'error'.`)
  level: LogLevel = 'info';

  @ListOption(`
Subsystems to log at every level, whatever --log.level says. Each log has a
'subsystem' field; enabling 'proxy' also enables 'proxy.http' and so on.
Such as '--log.subsystems proxy,upstream'.`)
  subsystems: string[] = [];
}
