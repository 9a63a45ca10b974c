import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@piko/observability';

/**
 * Routes Nest's own log lines (module init, route mapping, errors) into our structured logger, so
 * a process writes one log format. Nest's bootstrap chatter is debug; its errors stay errors.
 */
export class NestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.debug(String(message), { context });
  }

  error(message: unknown, stack?: string, context?: string): void {
    this.logger.error(String(message), { context, stack });
  }

  warn(message: unknown, context?: string): void {
    this.logger.warn(String(message), { context });
  }

  debug(message: unknown, context?: string): void {
    this.logger.debug(String(message), { context });
  }

  verbose(message: unknown, context?: string): void {
    this.logger.debug(String(message), { context });
  }
}
