import type { Logger } from '@piko/observability';

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps what it is told, so tests can check that a failure was logged. */
export function captureLogger(records: LogRecord[] = [], bindings: Record<string, unknown> = {}): Logger & { records: LogRecord[] } {
  const log = (level: LogRecord['level']) => (msg: string, fields: Record<string, unknown> = {}) => {
    records.push({ level, msg, fields: { ...bindings, ...fields } });
  };
  return {
    records,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => captureLogger(records, { ...bindings, ...more }),
  };
}
