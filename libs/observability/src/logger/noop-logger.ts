import type { Logger } from './logger';

/** A logger that drops everything: the default where a caller passes none. */
export const noopLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => noopLogger,
};
