import pino from 'pino';
import type { LogFields, LogLevel, Logger } from './logger';
import { flatString } from '../memory/flat-string';
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
  return new PinoLogger(root, {}, LEVEL_VALUE[options.level], subsystems, 'main');
}

const CHINDINGS = pino.symbols.chindingsSym;

/**
 * The Logger over pino. A child holds its bindings as a plain object and makes its pino child only
 * when it first writes a record: every upstream session has a child logger, and most never write
 * below the configured level, so an idle session costs one small object instead of two pino
 * children (~1.1 KiB of heap each session). The child's bindings text is stored flat (see flatString). Bindings are merged, a child's value of a key
 * replacing its parent's in the parent's place, so every key is written once.
 */
class PinoLogger implements Logger {
  private out: pino.Logger | undefined;
  private readonly subsystemEnabled: boolean;

  constructor(
    private readonly root: pino.Logger,
    /** Every binding except `subsystem` (already redacted), so a child's subsystem replaces its parent's. */
    private readonly bindings: LogFields,
    private readonly minLevel: number,
    private readonly subsystems: readonly string[],
    private readonly subsystem: string,
  ) {
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
    const merged = Object.keys(rest).length > 0 ? { ...this.bindings, ...redact(rest) } : this.bindings;
    const name = typeof subsystem === 'string' && subsystem !== '' ? subsystem : this.subsystem;
    return new PinoLogger(this.root, merged, this.minLevel, this.subsystems, name);
  }

  /** The pino child that writes this logger's records, made on first use (see the class comment). */
  private pinoChild(): pino.Logger {
    if (this.out) return this.out;
    const out = this.root.child({ ...this.bindings, subsystem: this.subsystem });
    const chindings = (out as unknown as Record<symbol, unknown>)[CHINDINGS];
    if (typeof chindings === 'string') (out as unknown as Record<symbol, unknown>)[CHINDINGS] = flatString(chindings);
    this.out = out;
    return out;
  }

  private write(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (LEVEL_VALUE[level] < this.minLevel && !this.subsystemEnabled) return;
    const out = this.pinoChild();
    if (fields === undefined) out[level](msg);
    else out[level](redact(fields), msg);
  }
}
