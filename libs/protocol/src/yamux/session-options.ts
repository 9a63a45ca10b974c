import { HEADER_SIZE, INITIAL_STREAM_WINDOW } from './frame';

export interface ProtocolLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface SessionOptions {
  /** Client sessions open odd stream IDs, servers even ones (spec). */
  client: boolean;
  /**
   * Answer every SYN from the peer with RST at once, without allocating a stream (Piko's gateway:
   * upstreams never open streams, so a flood of them should cost as little as possible). Default false.
   */
  refuseInboundStreams?: boolean;
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
  /**
   * Bytes of control frames (every frame but Data: ping replies, window updates, ACKs, RSTs for
   * refused streams, go-away) queued and not yet taken by the connection, above which the session
   * stops reading from it until the queue drains. Bounds what a peer that sends frames but never
   * reads our replies can make us buffer. Data frames are left out: the peer's windows bound them
   * already. Default 1 MiB.
   */
  maxQueuedControlBytes?: number;
  /**
   * A session that stays above maxQueuedControlBytes (reading paused) this many ms is closed with
   * GoAway(protocol error). 0 disables (reading stays paused until the queue drains). Default 5 000.
   */
  queuedControlTimeout?: number;
  /** Frames per second a peer may send on average; beyond that plus `frameBurst` the session is closed with GoAway(protocol error). 0 disables. Default 0. */
  maxFrameRate?: number;
  /** Frames a peer may send at once above `maxFrameRate` (the bucket size). Default 2 × maxFrameRate. */
  frameBurst?: number;
  logger?: ProtocolLogger;
}

export type ResolvedSessionOptions = Required<SessionOptions>;

const noop = (): void => undefined;
export const SILENT_LOGGER: ProtocolLogger = { debug: noop, info: noop, warn: noop, error: noop };

export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  const resolved: ResolvedSessionOptions = {
    client: options.client,
    refuseInboundStreams: options.refuseInboundStreams ?? false,
    acceptBacklog: options.acceptBacklog ?? 256,
    maxStreams: options.maxStreams ?? 4096,
    maxStreamWindow: options.maxStreamWindow ?? INITIAL_STREAM_WINDOW,
    keepAliveInterval: options.keepAliveInterval ?? 30_000,
    connectionWriteTimeout: options.connectionWriteTimeout ?? 10_000,
    streamOpenTimeout: options.streamOpenTimeout ?? 75_000,
    streamCloseTimeout: options.streamCloseTimeout ?? 300_000,
    maxQueuedControlBytes: options.maxQueuedControlBytes ?? 1024 * 1024,
    queuedControlTimeout: options.queuedControlTimeout ?? 5_000,
    maxFrameRate: options.maxFrameRate ?? 0,
    frameBurst: options.frameBurst ?? 2 * (options.maxFrameRate ?? 0),
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
  if (resolved.maxQueuedControlBytes < HEADER_SIZE || resolved.queuedControlTimeout < 0) {
    throw new RangeError(`maxQueuedControlBytes must be >= ${HEADER_SIZE} and queuedControlTimeout >= 0`);
  }
  if (resolved.maxFrameRate < 0 || (resolved.maxFrameRate > 0 && resolved.frameBurst < 1)) {
    throw new RangeError('maxFrameRate must be >= 0 and frameBurst >= 1 when it is set');
  }
  return resolved;
}
