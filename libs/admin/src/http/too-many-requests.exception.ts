import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * 429 `{"error": <message>, "code": "rate_limited"}` with `Retry-After` (whole seconds, at least 1),
 * as ApiExceptionFilter writes it: an action refused for its rate (admin.api.replay_rate).
 */
export class TooManyRequestsException extends HttpException {
  /** Seconds until a retry may succeed (the `Retry-After` header). */
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterMs: number) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}
