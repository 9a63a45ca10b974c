import { INITIAL_STREAM_WINDOW } from './frame';

export interface ProtocolLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface SessionOptions {
  /** Client sessions open odd stream IDs, servers even ones (spec). */
  client: boolean;
  /** Inbound streams held while nobody listens for 'stream'; beyond that they are reset. Default 256. */
  acceptBacklog?: number;
  /** Open streams per session; beyond that inbound SYNs are reset and open() throws. Default 4096. */
  maxStreams?: number;
  /** Receive window per stream, at least 256 KiB (the window both sides assume). Default 256 KiB. */
  maxStreamWindow?: number;
  /** Keepalive ping interval in ms; 0 disables. Default 30 000. */
  keepAliveInterval?: number;
  /** Ping answer / stuck connection write limit in ms. Default 10 000. */
  connectionWriteTimeout?: number;
  /** A SYN not ACKed within this many ms resets the stream; 0 disables. Default 75 000. */
  streamOpenTimeout?: number;
  /** A stream we half-closed is reset if the peer sends no FIN within this many ms; 0 disables. Default 300 000. */
  streamCloseTimeout?: number;
  logger?: ProtocolLogger;
}

export type ResolvedSessionOptions = Required<SessionOptions>;

const noop = (): void => undefined;
export const SILENT_LOGGER: ProtocolLogger = { debug: noop, info: noop, warn: noop, error: noop };

export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  const resolved: ResolvedSessionOptions = {
    client: options.client,
    acceptBacklog: options.acceptBacklog ?? 256,
    maxStreams: options.maxStreams ?? 4096,
    maxStreamWindow: options.maxStreamWindow ?? INITIAL_STREAM_WINDOW,
    keepAliveInterval: options.keepAliveInterval ?? 30_000,
    connectionWriteTimeout: options.connectionWriteTimeout ?? 10_000,
    streamOpenTimeout: options.streamOpenTimeout ?? 75_000,
    streamCloseTimeout: options.streamCloseTimeout ?? 300_000,
    logger: options.logger ?? SILENT_LOGGER,
  };
  // The peer assumes 256 KiB for every new stream before any update, so a smaller window
  // cannot be announced (Go's VerifyConfig refuses it too).
  if (resolved.maxStreamWindow < INITIAL_STREAM_WINDOW || resolved.maxStreamWindow > 0xffffffff) {
    throw new RangeError(`maxStreamWindow must be between ${INITIAL_STREAM_WINDOW} and 2^32-1`);
  }
  if (resolved.acceptBacklog < 0 || resolved.maxStreams <= 0) {
    throw new RangeError('acceptBacklog must be >= 0 and maxStreams > 0');
  }
  return resolved;
}
