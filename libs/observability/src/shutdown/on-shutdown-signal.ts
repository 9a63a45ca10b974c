import type { Logger } from '../logger/logger';

export interface ShutdownSignalOptions {
  /** Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** Where signals come from; `process` by default (tests pass an EventEmitter). */
  source?: NodeJS.EventEmitter;
  /** How to end the process on a second signal or a failed shutdown; `process.exit` by default. */
  exit?: (code: number) => void;
}

/**
 * Runs `handler` once, on the first SIGTERM or SIGINT. A second signal ends the process at once
 * (code 1), so an operator can always interrupt a shutdown that hangs; a handler that fails is
 * logged and ends the process with code 1. Returns a function that removes the listeners.
 */
export function onShutdownSignal(
  handler: (signal: NodeJS.Signals) => Promise<void> | void,
  logger: Logger,
  options: ShutdownSignalOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const source = options.source ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let received = false;

  const listener = (signal: NodeJS.Signals): void => {
    if (received) {
      logger.warn('received second signal; exiting immediately', { signal });
      exit(1);
      return;
    }
    received = true;
    logger.info('received signal; shutting down', { signal });
    Promise.resolve()
      .then(() => handler(signal))
      .catch((err: unknown) => {
        logger.error('shutdown failed', { err });
        exit(1);
      });
  };

  for (const signal of signals) source.on(signal, listener);
  return () => {
    for (const signal of signals) source.off(signal, listener);
  };
}
