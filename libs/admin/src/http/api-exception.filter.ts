import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import { ClusterError, RegistryUnavailableError } from '@piko/cluster';
import type { Logger } from '@piko/observability';
import type { ApiErrorBody } from '../api';
import { TooManyRequestsException } from './too-many-requests.exception';

const CODES: Record<number, ApiErrorBody['code']> = {
  400: 'invalid_argument',
  401: 'unauthorized',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
  503: 'unavailable',
};

/**
 * Every error on the admin port as JSON (ApiErrorBody): Go Piko's `{"error": "..."}` plus a
 * `code`, and `details` for a rejected input (one entry per ValidationPipe message). Registry or
 * bus outages are 503; a 4xx the body parser raises (413 over its 100 KiB limit, 415 an unsupported
 * charset or encoding) keeps its status and message; anything unexpected is 500 `internal`, logged
 * once with its stack (never sent to the client). Nest's own 404 for an unknown route comes through here too.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<{ headersSent: boolean; setHeader(name: string, value: string): void; status(code: number): { json(body: unknown): void }; end(): void }>();
    const req = host.switchToHttp().getRequest<{ method?: string; url?: string }>();
    const { status, body } = this.describe(exception);
    if (status >= 500) this.logger.warn('admin api error', { method: req.method, path: req.url?.split('?', 1)[0], status, err: body.error });
    else this.logger.info('admin api request refused', { method: req.method, path: req.url?.split('?', 1)[0], status, err: body.error });
    if (res.headersSent) return void res.end();
    if (exception instanceof TooManyRequestsException) res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    res.status(status).json(body);
  }

  private describe(exception: unknown): { status: number; body: ApiErrorBody } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const messages = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
      const details = Array.isArray(messages) ? messages.map(String) : undefined;
      let error = details ? details.join('; ') : typeof messages === 'string' ? messages : exception.message;
      // Nest's unknown-route message ("Cannot GET /x") says the route, Go Piko's body says "not found".
      if (status === HttpStatus.NOT_FOUND && /^Cannot [A-Z]+ /.test(error)) error = 'not found';
      const body: ApiErrorBody = { error, code: CODES[status] ?? (status >= 500 ? 'internal' : 'invalid_argument') };
      if (details) body.details = details;
      return { status, body };
    }
    const clientError = exposedClientError(exception);
    if (clientError) return { status: clientError.status, body: { error: clientError.message, code: CODES[clientError.status] ?? 'invalid_argument' } };
    if (exception instanceof RegistryUnavailableError || exception instanceof ClusterError) {
      return { status: 503, body: { error: exception.message, code: 'unavailable' } };
    }
    this.logger.error('admin api: unexpected error', { err: (exception as Error)?.stack ?? String(exception) });
    return { status: 500, body: { error: 'internal error', code: 'internal' } };
  }
}

/**
 * A client error raised outside Nest's handlers by the JSON body parser (body-parser's
 * http-errors: `status` 4xx and `expose: true`, which marks the message as safe to send), which
 * Nest passes through unmapped except for malformed JSON. Anything else is not exposed.
 */
function exposedClientError(exception: unknown): { status: number; message: string } | undefined {
  if (!(exception instanceof Error)) return undefined;
  const { status, expose } = exception as Error & { status?: unknown; expose?: unknown };
  if (expose !== true || typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 499) return undefined;
  return { status, message: exception.message };
}
