/** Base of every error the protocol library raises; `code` is stable and machine-readable. */
export class ProtocolError extends Error {
  constructor(
    message: string,
    public readonly code = 'ERR_PROTOCOL' as string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The session is closed (locally, by the peer, or because the connection failed). */
export class SessionClosedError extends ProtocolError {
  constructor(message = 'session closed', options?: { cause?: unknown }) {
    super(message, 'ERR_SESSION_CLOSED', options);
  }
}

/** The peer sent a go-away: it accepts no new streams. */
export class GoAwayError extends ProtocolError {
  constructor(message = 'remote end is not accepting streams (go away)') {
    super(message, 'ERR_GO_AWAY');
  }
}

export class TooManyStreamsError extends ProtocolError {
  constructor(limit: number) {
    super(`too many streams (limit ${limit})`, 'ERR_TOO_MANY_STREAMS');
  }
}

export class StreamsExhaustedError extends ProtocolError {
  constructor() {
    super('stream IDs exhausted', 'ERR_STREAMS_EXHAUSTED');
  }
}

/** The peer reset the stream (RST), or it was reset because of a timeout. Code mirrors a TCP reset. */
export class StreamResetError extends ProtocolError {
  constructor(message = 'stream reset by peer') {
    super(message, 'ECONNRESET');
  }
}

/** The peer broke the yamux protocol; the session was ended with GoAway(protocol error). */
export class ProtocolViolationError extends ProtocolError {
  constructor(public readonly reason: string) {
    super(`yamux protocol violation: ${reason}`, 'ERR_PROTOCOL_VIOLATION');
  }
}

/** The peer ended the session with a GoAway carrying an error code. */
export class RemoteGoAwayError extends ProtocolError {
  constructor(public readonly goAwayCode: number) {
    super(`remote sent go away with error code ${goAwayCode}`, 'ERR_REMOTE_GO_AWAY');
  }
}

/** Codes: ERR_PING_TIMEOUT, ERR_KEEPALIVE_TIMEOUT, ERR_WRITE_TIMEOUT, ERR_STREAM_OPEN_TIMEOUT, ERR_STREAM_CLOSE_TIMEOUT. */
export class ProtocolTimeoutError extends ProtocolError {
  constructor(message: string, code: string) {
    super(message, code);
  }
}

/**
 * Every upstream of the endpoint is at its limit of concurrent streams (a gateway's
 * `upstream.mux.max_streams`, relayed as RelayStatus.Busy in a cluster): the proxy answers 503
 * `{"error":"endpoint busy"}`, not 502 "no available upstreams", since the endpoint is connected.
 */
export class EndpointBusyError extends ProtocolError {
  constructor(endpointId: string) {
    super(`endpoint ${endpointId} busy: every upstream is at its stream limit`, 'ERR_ENDPOINT_BUSY');
  }
}
