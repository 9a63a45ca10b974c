export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Record<string, unknown>;

/**
 * The logging shape used across the project. Libraries that must not depend on this one accept
 * any object of this shape.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `bindings` to every record; `{ subsystem: 'proxy.http' }` names its subsystem. */
  child(bindings: LogFields): Logger;
}
