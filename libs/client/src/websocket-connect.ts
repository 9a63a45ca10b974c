import type { ClientRequestArgs, IncomingMessage } from 'http';
import { isIP, type Socket } from 'net';
import { connect as tlsConnect, type ConnectionOptions } from 'tls';
import { WebSocket } from 'ws';
import { ENDPOINT_PROTOCOL_HEADER, type EndpointProtocol, MAX_WEBSOCKET_MESSAGE_BYTES } from '@piko/protocol';
import { describeConnectCause, type TlsConnectState } from './connect-cause';
import { AbortError, ConnectError, UnauthorizedError } from './errors';
import { logSafeUrl } from './piko-url';
import { type PikoPort, wrongPortReason } from './wrong-port';

export interface WebSocketConnectOptions {
  /** Sent as `Authorization: Bearer <token>` on the upgrade request (Go Piko's pkg/websocket/conn.go). */
  token?: string;
  /** Sent as `x-piko-tenant-id` (Go Piko's WithTenantID). */
  tenantId?: string;
  /** Sent as `x-piko-endpoint-protocol` (ours; Go Piko servers ignore it): see ListenOptions.protocol. */
  protocol?: EndpointProtocol;
  /** Sent as `User-Agent`. */
  userAgent?: string;
  tls?: ConnectionOptions;
  signal?: AbortSignal;
  /** The Piko port the URL should name; a refusal that shows it names another says so (wrong-port.ts). */
  port?: PikoPort;
  /** Milliseconds allowed for the TCP + TLS + upgrade handshake. */
  handshakeTimeout?: number;
}

// The statuses Go Piko's client retries: the gateway (or a load balancer in front of it) is
// overloaded or restarting, so the same request may succeed later. Everything else is final.
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

const MAX_ERROR_BODY = 4096;
/** How long a refusal's body may take to arrive (ms); what came by then is the answer. */
const ERROR_BODY_TIMEOUT_MS = 5_000;

/**
 * Opens a WebSocket to Piko and resolves with `adopt(ws)` once the upgrade succeeded. Failures
 * become typed errors: UnauthorizedError for 401/403, ConnectError (retryable or not) for
 * everything else, AbortError when `signal` aborts first.
 *
 * `adopt` runs synchronously inside ws's 'open' event and must attach the message listener there
 * (webSocketDuplex does): bytes the peer sent right behind its 101, in the same TCP read, are
 * emitted as messages on the next tick, before any promise continuation runs, and a message
 * without a listener is gone. A server that speaks first (an SSH banner through `piko forward`)
 * lost its first bytes that way on 1–3 % of connections.
 */
export function connectWebSocket<T>(url: string, options: WebSocketConnectOptions, adopt: (ws: WebSocket) => T): Promise<T> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));

  return new Promise<T>((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    if (options.tenantId) headers['x-piko-tenant-id'] = options.tenantId;
    if (options.protocol) headers[ENDPOINT_PROTOCOL_HEADER] = options.protocol;
    if (options.userAgent) headers['user-agent'] = options.userAgent;
    const secure = url.startsWith('wss:');
    const tls: TlsConnectState = { handshakeDone: false, clientCertificate: Boolean(options.tls?.cert || options.tls?.pfx) };
    const ws = new WebSocket(url, {
      ...options.tls,
      // Watches the handshake, so a close right after it can be told from one before (connect-cause.ts).
      createConnection: secure ? (opts: ClientRequestArgs) => watchedTlsConnect(opts as ConnectionOptions, tls) : undefined,
      headers,
      handshakeTimeout: options.handshakeTimeout ?? 60_000,
      perMessageDeflate: false,
      // A server sending a 100 MiB message (ws's default limit) made the agent buffer it whole: +220 MB.
      maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES,
      // ws's random masking key on every frame, wss:// included (RFC 6455 §5.3). A zero key would
      // save a copy per byte, but a load balancer ending TLS in front of Piko passes the frames on
      // in plain text, where masking is what keeps crafted payloads from being read as HTTP by an
      // intermediary (§10.3). tests/integration/websocket-mask.test.ts reads the keys off the wire.
    });
    let settled = false;
    const settle = (err: Error | undefined, adopted?: T): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        ws.terminate();
        reject(err);
      } else {
        resolve(adopted as T);
      }
    };
    // Aborted mid-handshake: say where it was waiting (a host that drops packets never answers).
    const onAbort = (): void => settle(new AbortError(signal?.reason, new ConnectError(`connect ${logSafeUrl(url)}: no response`, true)));
    signal?.addEventListener('abort', onAbort, { once: true });

    ws.once('open', () => {
      if (settled) return;
      // The caller owns error handling from here on; this listener only covered the handshake.
      ws.off('error', onError);
      settle(undefined, adopt(ws));
    });
    // Retryable, as Go Piko's client retries every failure without a response.
    const onError = (err: Error): void =>
      settle(new ConnectError(`connect ${logSafeUrl(url)}: ${describeConnectCause(err, url, options.port, secure ? tls : undefined)}`, true, undefined, { cause: err }));
    ws.on('error', onError);
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      readErrorBody(res)
        .then((body) => settle(statusError(url, res.statusCode ?? 0, body, options.port)))
        .catch((err: Error) => settle(statusError(url, res.statusCode ?? 0, err.message, options.port)));
    });
  });
}

function statusError(url: string, status: number, body: string, port: PikoPort | undefined): ConnectError {
  const message = `connect ${logSafeUrl(url)}: ${status}${body ? `: ${body}` : ''}`;
  if (status === 401 || status === 403) return new UnauthorizedError(message, status);
  const wrongPort = port && wrongPortReason(port, status, body);
  // Never retried: the same URL reaches the same wrong server.
  if (wrongPort) return new ConnectError(`connect ${logSafeUrl(url)}: ${wrongPort}`, false, status, { code: 'PIKO_WRONG_PORT' });
  return new ConnectError(message, RETRYABLE_STATUSES.has(status), status);
}

/** Reads at most a few KiB of the refusal body and extracts Piko's `{"error": "..."}` message. */
function readErrorBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // What came within ERROR_BODY_TIMEOUT_MS, or the first MAX_ERROR_BODY bytes, is the answer:
    // a refusal whose body trickled on for ever held the agent's reconnect for as long.
    const timer = setTimeout(() => done(), ERROR_BODY_TIMEOUT_MS);
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_ERROR_BODY) done();
    });
    res.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    res.once('end', () => done());
    let finished = false;
    function done(): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      res.removeAllListeners('data');
      res.on('error', () => undefined);
      res.destroy();
      const text = Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY).trim();
      try {
        const parsed = JSON.parse(text) as { error?: unknown };
        if (typeof parsed.error === 'string') return resolve(parsed.error);
      } catch {
        // Not JSON (a load balancer's HTML page, say): fall through to the raw text.
      }
      resolve(text);
    }
  });
}

/** ws's own TLS dial (SNI = the host unless it is an IP, or the servername given), noting in `state` when the handshake completes. */
function watchedTlsConnect(options: ConnectionOptions, state: TlsConnectState): Socket {
  const socket = tlsConnect({ ...options, path: undefined, servername: options.servername ?? (isIP(options.host ?? '') ? '' : options.host) });
  socket.once('secureConnect', () => (state.handshakeDone = true));
  return socket;
}
