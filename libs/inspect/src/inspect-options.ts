import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** `proxy.inspect.*` in the proxy's own terms (see docs/configuration.md). */
export interface InspectOptions {
  /** Endpoints captured from the start; `*` captures every endpoint. Empty (the default): none until switched on at run time. */
  endpoints: readonly string[];
  /** Exchanges kept per endpoint (the ring). */
  ringSize: number;
  /** Body bytes kept per direction of each exchange. */
  bodyBytes: number;
  /** Bytes all captures of this proxy may hold together. */
  maxMemoryBytes: number;
  /** Header names redacted besides authorization, proxy-authorization, x-piko-authorization, cookie, set-cookie. */
  redactHeaders: readonly string[];
  /** Content types (media type, or `type/*`) whose bodies are never kept. */
  omitContentTypes: readonly string[];
  /** How long a replay may take, ms (connecting, sending, reading the whole response). */
  replayTimeoutMs: number;
  /** Replays this proxy sends per second on average, and at once (`replay_rate`, `replay_burst`; defaults 10 and 20). */
  replayRate?: number;
  replayBurst?: number;
}

/** What the proxy lends the inspector: its rules for who the client is and which answers it made. */
export interface InspectHooks {
  /** The client's address as the proxy judges it (proxy.trusted_proxies). */
  clientAddress(req: IncomingMessage): string;
  /** The error Piko answered `res` with itself (502, 504…), if it did. */
  errorOf(res: ServerResponse): { status: number; cause: string } | undefined;
  /** The node ID of the gateway a dialed upstream stream goes to (a cluster proxy's relay), if known. */
  gatewayOf?(stream: Duplex): string | undefined;
}
