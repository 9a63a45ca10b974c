import pino from 'pino';
import type { LogFields, LogLevel, Logger } from './logger';
import { redact } from './redact';
import { subsystemMatch } from './subsystem-match';

export interface LoggerOptions {
  level: LogLevel;
  /** Subsystems logged at every level whatever `level` says (Go Piko's `log.subsystems`). */
  subsystems?: readonly string[];
  /** Where JSON lines go; standard error by default, as in Go Piko. */
  destination?: NodeJS.WritableStream;
}

const LEVEL_VALUE: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/**
 * A JSON-lines logger (pino) in Go Piko's shape: `{"level":"info","ts":"…","subsystem":"main",
 * "msg":"…",…}`. Records below `level` are dropped unless their subsystem is enabled; every
 * record's fields and bindings are redacted (see redact.ts) before they are written.
 */
export function createLogger(options: LoggerOptions): Logger {
  const subsystems = [...(options.subsystems ?? [])];
  const root = pino(
    {
      // pino must let debug records through when any subsystem may need them; this wrapper filters.
      level: subsystems.length > 0 ? 'debug' : options.level,
      base: null,
      messageKey: 'msg',
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ dest: 2, sync: true }),
  );
  return new PinoLogger(root, LEVEL_VALUE[options.level], subsystems, 'main');
}

class PinoLogger implements Logger {
  private readonly out: pino.Logger;
  private readonly subsystemEnabled: boolean;

  constructor(
    /** Holds every binding except `subsystem`, so a child's subsystem replaces its parent's. */
    private readonly base: pino.Logger,
    private readonly minLevel: number,
    private readonly subsystems: readonly string[],
    private readonly subsystem: string,
  ) {
    this.out = base.child({ subsystem });
    this.subsystemEnabled = subsystemMatch(subsystem, subsystems);
  }

  debug(msg: string, fields?: LogFields): void {
    this.write('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.write('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.write('warn', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.write('error', msg, fields);
  }

  child(bindings: LogFields): Logger {
    const { subsystem, ...rest } = bindings;
    const base = Object.keys(rest).length > 0 ? this.base.child(redact(rest)) : this.base;
    const name = typeof subsystem === 'string' && subsystem !== '' ? subsystem : this.subsystem;
    return new PinoLogger(base, this.minLevel, this.subsystems, name);
  }

  private write(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (LEVEL_VALUE[level] < this.minLevel && !this.subsystemEnabled) return;
    if (fields === undefined) this.out[level](msg);
    else this.out[level](redact(fields), msg);
  }
}
