import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { describeTlsFailure } from '@piko/client';

/** The admin API answered with an error, or could not be reached; the message says which. */
export class AdminApiError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or undefined when no answer came (refused, timeout, TLS). */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export interface AdminClientOptions {
  /** The admin port's base URL, e.g. `http://localhost:8002`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` when set (admin.auth). */
  token?: string;
  /** Milliseconds for each request, from dial to the last byte of the body. */
  timeoutMs: number;
  /** CA, client certificate, server name for an https:// URL (see clientTlsOptions). */
  tls?: ConnectionOptions;
}

/** The most bytes of an answer read: the API pages its lists, so a larger body is not the API. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * GETs JSON from the admin API (docs/admin-api.md). Throws AdminApiError: on a non-2xx status
 * with the API's `{"error": "..."}` message (e.g. `401 unauthorized: missing token`), when the
 * body is not JSON, or when the URL cannot be reached within `timeoutMs` (the cause's code).
 */
export class AdminClient {
  private readonly base: URL;

  constructor(private readonly options: AdminClientOptions) {
    this.base = new URL(options.url);
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    const res = await this.send(url);
    const body = await readBody(res, url);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new AdminApiError(`${url.pathname}: ${status} ${errorMessage(body)}`, status);
    try {
      return JSON.parse(body) as T;
    } catch {
      throw new AdminApiError(`${url.pathname}: the answer is not JSON (is ${this.base.origin} the admin port?)`, status);
    }
  }

  /**
   * Opens a server-sent event stream (`GET`, `Accept: text/event-stream`) and resolves once its
   * head came with a 2xx status: the caller reads the body. After the head, the socket may stay
   * silent for `idleMs` before it is destroyed (an 'error' on the response). Throws
   * AdminApiError as get() does (the API's error message on a non-2xx status).
   */
  async stream(path: string, query: Record<string, string | undefined>, idleMs: number, signal: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') url.searchParams.set(key, value);
    const res = await this.send(url, 'text/event-stream', signal);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new AdminApiError(`${url.pathname}: ${status} ${errorMessage(await readBody(res, url))}`, status);
    res.socket.setTimeout(idleMs, () => res.destroy(new AdminApiError(`${url.pathname}: nothing came for ${idleMs} ms`)));
    return res;
  }

  private send(url: URL, accept = 'application/json', signal?: AbortSignal): Promise<IncomingMessage> {
    const https = url.protocol === 'https:';
    const headers: Record<string, string> = { accept };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(url, { headers, signal, ...(https ? this.options.tls : {}) }, resolve);
      req.setTimeout(this.options.timeoutMs, () => req.destroy(new AdminApiError(`no answer from ${this.base.origin} within ${this.options.timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(err instanceof AdminApiError || err.name === 'AbortError' ? err : new AdminApiError(`cannot reach the admin API at ${this.base.origin}: ${describeTlsFailure(err, 'admin.tls') ?? err.code ?? err.message}`)),
      );
      req.end();
    });
  }
}

function readBody(res: IncomingMessage, url: URL): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.destroy();
        reject(new AdminApiError(`${url.pathname}: answer larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', (err) => reject(new AdminApiError(`${url.pathname}: ${err.message}`)));
  });
}

/** The `error` (and `details`) of the API's JSON error body, else the start of the body. */
function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; details?: unknown };
    if (typeof parsed.error === 'string') {
      // The API's `error` is already its details joined when it has them: add them only if they say more.
      const joined = Array.isArray(parsed.details) ? parsed.details.join('; ') : '';
      return joined && joined !== parsed.error ? `${parsed.error}: ${joined}` : parsed.error;
    }
  } catch {
    // Not the API's body: show what came.
  }
  return body.slice(0, 200).trim() || '(empty body)';
}
