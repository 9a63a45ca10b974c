/*
 * The relay header: the few bytes at the start of every relay stream between a proxy and a
 * gateway, naming the endpoint the stream is for.
 *
 * The relay link is one yamux session (this library's Session, protocol v0) over a plain TCP
 * connection from a proxy (the yamux client) to a gateway (the yamux server, `relay.bind_addr`).
 * The proxy opens a stream per proxied TCP connection or upgrade, and keeps streams for HTTP
 * requests (KEEP_ALIVE below). All integers are big endian (network order), as in yamux.
 *
 * Request (proxy → gateway), sent first on the stream:
 *
 *     +-----------+------------------+---------------------------+
 *     | version   | endpoint length  | endpoint ID               |
 *     | u8 = 1    | u16              | `length` bytes, UTF-8     |
 *     +-----------+------------------+---------------------------+
 *
 *   The proxy sends nothing else until it has the gateway's response: no byte of the proxied
 *   request is in flight while the gateway decides, so a refused stream costs nothing to retry
 *   on another gateway.
 *
 * Request, version 2 (proxy → gateway), for a stream that carries raw TCP or kept HTTP requests:
 *
 *     +-----------+-----------+------------------+---------------------------+
 *     | version   | flags     | endpoint length  | endpoint ID               |
 *     | u8 = 2    | u8        | u16              | `length` bytes, UTF-8     |
 *     +-----------+-----------+------------------+---------------------------+
 *
 *   flags bit 0 (RAW_TCP): the stream carries the proxy's raw TCP route (`/_piko/v1/tcp/:id`):
 *   the gateway must not give it to an upstream that declared HTTP (ENDPOINT_PROTOCOL_HEADER),
 *   whose service would receive bytes that never passed the proxy's request rules.
 *   flags bit 1 (KEEP_ALIVE): the stream carries HTTP/1.1 requests, one after another, that the
 *   proxy may keep sending for as long as the stream lives. A gateway that knows the flag
 *   answers ACCEPTED_KEEP_ALIVE and routes each request on its own (an upstream picked per
 *   request; see KeptRelayStream in the gateway); one that does not ignores it and answers
 *   ACCEPTED, and the proxy then sends one request only on that stream.
 *   Other bits are reserved (sent 0, ignored). A version 1 stream is taken as not flagged (an
 *   older proxy's TCP route reaches any upstream, as before; its HTTP streams carry one request).
 *
 * Response (gateway → proxy), one byte:
 *
 *     +-----------+
 *     | status u8 |
 *     +-----------+
 *
 *     0 ACCEPTED     the gateway opened a stream to one of its upstreams for the endpoint; from
 *                    the next byte on, the relay stream is spliced onto it in both directions
 *                    (bytes unparsed; FIN and RST carried over).
 *     1 NO_UPSTREAM  no upstream for the endpoint is connected to this gateway (a stale route).
 *     2 DRAINING     the gateway is shutting down and takes no new streams.
 *     3 BAD_REQUEST  unknown version, or the endpoint ID is not a valid one.
 *     4 HTTP_ONLY    (answers a RAW_TCP stream only) the endpoint's upstreams on this gateway
 *                    all serve HTTP: no raw TCP for it here.
 *     5 BUSY         the gateway has upstreams for the endpoint, but every one is at its stream
 *                    limit (`upstream.mux.max_streams`): the proxy tries another gateway, and
 *                    answers 503 "endpoint busy" when none accepts. A proxy from before BUSY
 *                    reads it as an unknown status, a failed dial (502 if no gateway accepts).
 *     6 ACCEPTED_KEEP_ALIVE  (answers a KEEP_ALIVE stream only) accepted, and the gateway frames
 *                    the HTTP/1.1 requests on the stream and sends each to an upstream of the
 *                    endpoint, so the proxy may reuse the stream. The gateway ends the stream
 *                    with a FIN only where no byte of a request it has not answered went to an
 *                    upstream (between exchanges, or refusing the next request when it has no
 *                    upstream left for the endpoint); every other early end is a reset. Only a
 *                    proxy that sent KEEP_ALIVE gets it, so older proxies never see it.
 *
 *   After any status but ACCEPTED the gateway half-closes the stream (FIN) and the proxy resets
 *   it; no byte reached an upstream. The proxy may try another gateway at once.
 *
 * Versioning: a gateway that receives a version it does not know answers BAD_REQUEST and closes
 * the stream. A new version may change everything after the version byte; versions 1 and 2 exist.
 *
 * Timeouts: a gateway resets a stream whose header does not arrive in time; a proxy gives up on a
 * stream whose status does not arrive in time. Neither timer outlives the header exchange.
 */
import type { Readable } from 'node:stream';
import { ProtocolError } from '../errors';

export const RELAY_VERSION = 1;

/** The version of a request with a flags byte (RAW_TCP). */
export const RELAY_VERSION_FLAGS = 2;

/** Flags bit 0 of a version 2 request: the stream is the proxy's raw TCP route. */
export const RELAY_FLAG_RAW_TCP = 0x01;

/** Flags bit 1 of a version 2 request: the stream carries HTTP/1.1 requests the proxy may keep sending. */
export const RELAY_FLAG_KEEP_ALIVE = 0x02;

/** Length of the fixed part of the request: version (1) and endpoint ID length (2). */
export const RELAY_REQUEST_PREFIX_SIZE = 3;

/** The largest endpoint ID the u16 length can carry (endpoint ID rules allow far less). */
export const RELAY_MAX_ENDPOINT_ID_BYTES = 0xffff;

export enum RelayStatus {
  Accepted = 0,
  NoUpstream = 1,
  Draining = 2,
  BadRequest = 3,
  HttpOnly = 4,
  Busy = 5,
  AcceptedKeepAlive = 6,
}

/**
 * Codes: ERR_RELAY_VERSION (unknown request version), ERR_RELAY_STATUS (unknown status byte),
 * ERR_RELAY_HEADER_TRUNCATED (the stream ended or closed inside the header),
 * ERR_RELAY_HEADER_TIMEOUT (the header did not arrive in time), ERR_RELAY_ENDPOINT_TOO_LONG.
 */
export class RelayHeaderError extends ProtocolError {
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, code, options);
  }
}

export interface RelayRequest {
  version: number;
  endpointId: string;
  /** The RAW_TCP flag (version 2): the stream is the proxy's raw TCP route. False for version 1. */
  rawTcp: boolean;
  /** The KEEP_ALIVE flag (version 2): the stream carries HTTP requests the proxy may keep sending. False for version 1. */
  keepAlive: boolean;
}

/**
 * The request header for a stream to `endpointId`: version 1, or version 2 with the RAW_TCP flag
 * when `options.rawTcp` and the KEEP_ALIVE flag when `options.keepAlive`. Throws
 * RelayHeaderError (ERR_RELAY_ENDPOINT_TOO_LONG).
 */
export function encodeRelayRequest(endpointId: string, options: { rawTcp?: boolean; keepAlive?: boolean } = {}): Buffer {
  const idLength = Buffer.byteLength(endpointId, 'utf8');
  if (idLength > RELAY_MAX_ENDPOINT_ID_BYTES) {
    throw new RelayHeaderError(`endpoint ID of ${idLength} bytes does not fit the relay header`, 'ERR_RELAY_ENDPOINT_TOO_LONG');
  }
  const flags = (options.rawTcp ? RELAY_FLAG_RAW_TCP : 0) | (options.keepAlive ? RELAY_FLAG_KEEP_ALIVE : 0);
  const flagBytes = flags === 0 ? 0 : 1;
  const buf = Buffer.allocUnsafe(RELAY_REQUEST_PREFIX_SIZE + flagBytes + idLength);
  let at = buf.writeUInt8(flagBytes ? RELAY_VERSION_FLAGS : RELAY_VERSION, 0);
  if (flagBytes) at = buf.writeUInt8(flags, at);
  at = buf.writeUInt16BE(idLength, at);
  buf.write(endpointId, at, 'utf8');
  return buf;
}

const STATUS_BYTES: Record<RelayStatus, Buffer> = {
  [RelayStatus.Accepted]: Buffer.from([RelayStatus.Accepted]),
  [RelayStatus.NoUpstream]: Buffer.from([RelayStatus.NoUpstream]),
  [RelayStatus.Draining]: Buffer.from([RelayStatus.Draining]),
  [RelayStatus.BadRequest]: Buffer.from([RelayStatus.BadRequest]),
  [RelayStatus.HttpOnly]: Buffer.from([RelayStatus.HttpOnly]),
  [RelayStatus.Busy]: Buffer.from([RelayStatus.Busy]),
  [RelayStatus.AcceptedKeepAlive]: Buffer.from([RelayStatus.AcceptedKeepAlive]),
};

/** The one-byte response. Shared, immutable buffers: a stream write never needs a fresh one. */
export function encodeRelayResponse(status: RelayStatus): Buffer {
  return STATUS_BYTES[status];
}

export function isRelayStatus(value: number): value is RelayStatus {
  return (
    value === RelayStatus.Accepted ||
    value === RelayStatus.NoUpstream ||
    value === RelayStatus.Draining ||
    value === RelayStatus.BadRequest ||
    value === RelayStatus.HttpOnly ||
    value === RelayStatus.Busy ||
    value === RelayStatus.AcceptedKeepAlive
  );
}

/**
 * Reads a relay request header from the start of a stream. Rejects with RelayHeaderError
 * (ERR_RELAY_VERSION before reading the rest when the version is unknown, ERR_RELAY_HEADER_*),
 * or with the stream's own error. Bytes after the header stay in the stream for the next reader.
 */
export async function readRelayRequest(stream: Readable, timeoutMs = 0): Promise<RelayRequest> {
  let version = 0;
  let flags = 0;
  // Step 0: the version byte; step 1: [flags,] the u16 length; step 2: the endpoint ID.
  const endpointId = await readParts<string>(stream, timeoutMs, 1, (buf, step) => {
    if (step === 0) {
      version = buf.readUInt8(0);
      if (version !== RELAY_VERSION && version !== RELAY_VERSION_FLAGS) {
        throw new RelayHeaderError(`unsupported relay header version ${version}`, 'ERR_RELAY_VERSION');
      }
      return { need: version === RELAY_VERSION_FLAGS ? 3 : 2 };
    }
    if (step === 1) {
      if (version === RELAY_VERSION_FLAGS) flags = buf.readUInt8(0);
      const idLength = buf.readUInt16BE(buf.length - 2);
      return idLength === 0 ? { done: '' } : { need: idLength };
    }
    return { done: buf.toString('utf8') };
  });
  return { version, endpointId, rawTcp: (flags & RELAY_FLAG_RAW_TCP) !== 0, keepAlive: (flags & RELAY_FLAG_KEEP_ALIVE) !== 0 };
}

/** Reads the one-byte relay response. Rejects like readRelayRequest (ERR_RELAY_STATUS for an unknown byte). */
export function readRelayResponse(stream: Readable, timeoutMs = 0): Promise<RelayStatus> {
  return readParts<RelayStatus>(stream, timeoutMs, 1, (buf) => {
    const status = buf[0];
    if (!isRelayStatus(status)) throw new RelayHeaderError(`unknown relay status ${status}`, 'ERR_RELAY_STATUS');
    return { done: status };
  });
}

/** Reads exactly `n` bytes from the start of a stream; what follows stays in the stream. */
export function readExactly(stream: Readable, n: number, timeoutMs = 0): Promise<Buffer> {
  return readParts<Buffer>(stream, timeoutMs, n, (buf) => ({ done: buf }));
}

type PartResult<T> = { need: number } | { done: T };

/**
 * The incremental reader under the functions above: takes exactly `first` bytes, hands them to
 * `onPart`, which either asks for the next `need` bytes or is done. It reads in paused mode
 * (`read(n)` takes exactly n bytes, however they were split across chunks, and leaves the rest
 * buffered) and removes its 'readable' listener when done, which returns the stream to its
 * initial mode: a later pipe() or 'data' listener (Node's HTTP client on a relay stream) starts
 * it flowing from the first byte after the header, and nothing is copied or lost.
 */
function readParts<T>(
  stream: Readable,
  timeoutMs: number,
  first: number,
  onPart: (buf: Buffer, step: number) => PartResult<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (stream.destroyed || stream.readableEnded) {
      reject(new RelayHeaderError('stream closed before the relay header', 'ERR_RELAY_HEADER_TRUNCATED'));
      return;
    }
    let need = first;
    let step = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: Error | null, value?: T): void => {
      if (timer) clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      if (err) reject(err);
      else resolve(value as T);
    };
    const onReadable = (): void => {
      for (;;) {
        const buf = stream.read(need) as Buffer | null;
        if (buf === null) return; // not enough yet; 'readable' fires again when more arrives
        if (buf.length < need) {
          // The stream ended with fewer bytes than the header needs.
          finish(new RelayHeaderError('stream ended inside the relay header', 'ERR_RELAY_HEADER_TRUNCATED'));
          return;
        }
        let result: PartResult<T>;
        try {
          result = onPart(buf, step++);
        } catch (err) {
          finish(err as Error);
          return;
        }
        if ('done' in result) {
          finish(null, result.done);
          return;
        }
        need = result.need;
      }
    };
    const onEnd = (): void => finish(new RelayHeaderError('stream ended inside the relay header', 'ERR_RELAY_HEADER_TRUNCATED'));
    const onError = (err: Error): void => finish(err);
    if (timeoutMs > 0) {
      timer = setTimeout(
        () => finish(new RelayHeaderError(`relay header not received within ${timeoutMs} ms`, 'ERR_RELAY_HEADER_TIMEOUT')),
        timeoutMs,
      );
      timer.unref();
    }
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
  });
}
