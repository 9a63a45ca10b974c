/** Base class of every error the SDK raises; `code` is stable, `message` is for humans. */
export class PikoClientError extends Error {
  override readonly name: string = 'PikoClientError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Connecting to Piko failed. `status` is the HTTP status of the refused WebSocket upgrade (absent
 * for network errors); `retryable` says whether trying again later may succeed.
 */
export class ConnectError extends PikoClientError {
  override readonly name: string = 'ConnectError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    options?: { cause?: unknown; code?: string },
  ) {
    super(options?.code ?? 'PIKO_CONNECT_FAILED', message, options);
  }
}

/** Piko refused the token (HTTP 401 or 403). Never retried: the same token will fail again. */
export class UnauthorizedError extends ConnectError {
  override readonly name = 'UnauthorizedError';
  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, false, status, { ...options, code: 'PIKO_UNAUTHORIZED' });
  }
}

export class InvalidEndpointIdError extends PikoClientError {
  override readonly name = 'InvalidEndpointIdError';
  constructor(readonly endpointId: string) {
    super('PIKO_INVALID_ENDPOINT_ID', `invalid endpoint id: ${JSON.stringify(endpointId)}`);
  }
}

/**
 * The operation was cancelled through its AbortSignal; `cause` is the signal's reason. When it
 * gave up retrying, `lastError` is the last failure and the message names it, e.g.
 * `connect ws://127.0.0.1:8001/piko/v1/upstream/my-service: connect ECONNREFUSED 127.0.0.1:8001 (gave up: timed out)`.
 */
export class AbortError extends PikoClientError {
  override readonly name = 'AbortError';
  constructor(
    reason?: unknown,
    readonly lastError?: Error,
  ) {
    super('ABORT_ERR', lastError ? `${lastError.message} (gave up: ${abortReasonText(reason)})` : 'the operation was aborted', { cause: reason });
  }
}

function abortReasonText(reason: unknown): string {
  // AbortSignal.timeout() aborts with a DOMException named TimeoutError, abort() with one named
  // AbortError (a DOMException is not always `instanceof Error`: compare shapes).
  const { name, message } = (typeof reason === 'object' && reason !== null ? reason : {}) as { name?: unknown; message?: unknown };
  if (name === 'TimeoutError') return 'timed out';
  if (name !== 'AbortError' && typeof message === 'string' && message) return message;
  return 'aborted';
}

/** The listener was closed (by close() or shutdown()) before it could connect. */
export class ListenerClosedError extends PikoClientError {
  override readonly name = 'ListenerClosedError';
  constructor() {
    super('PIKO_LISTENER_CLOSED', 'listener closed');
  }
}
