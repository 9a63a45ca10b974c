export { Session } from './yamux/session';
export { sessionCloseReason, SESSION_CLOSE_REASONS, type SessionCloseReason } from './yamux/session-close-reason';
export { YamuxStream } from './yamux/stream';
export type { ProtocolLogger, SessionOptions } from './yamux/session-options';
export {
  Flag,
  FrameType,
  GoAwayCode,
  HEADER_SIZE,
  INITIAL_STREAM_WINDOW,
  PROTOCOL_VERSION,
  decodeHeader,
  encodeFrame,
  encodeHeader,
} from './yamux/frame';
export type { FrameHeader } from './yamux/frame';
export { FrameReader, type FrameHandler } from './yamux/frame-reader';
export { RateLimitedLog, type LevelLogger, type RateLimitedLogOptions } from './rate-limited-log';
export { MAX_WEBSOCKET_MESSAGE_BYTES, webSocketDuplex, type WebSocketDuplexOptions } from './websocket-duplex';
export {
  EndpointBusyError,
  GoAwayError,
  ProtocolError,
  ProtocolTimeoutError,
  ProtocolViolationError,
  RemoteGoAwayError,
  SessionClosedError,
  StreamResetError,
  StreamsExhaustedError,
  TooManyStreamsError,
} from './errors';
export { ENDPOINT_HEADER, ENDPOINT_PROTOCOL_HEADER, parseEndpointProtocol, type EndpointProtocol } from './headers';
export { TcpToHttpEndpointError } from './tcp-to-http-endpoint-error';
export { isValidEndpointId } from './endpoint-id';
export { errorBody } from './error-body';
export {
  RELAY_MAX_ENDPOINT_ID_BYTES,
  RELAY_REQUEST_PREFIX_SIZE,
  RELAY_FLAG_KEEP_ALIVE,
  RELAY_FLAG_RAW_TCP,
  RELAY_VERSION,
  RELAY_VERSION_FLAGS,
  RelayHeaderError,
  RelayStatus,
  encodeRelayRequest,
  encodeRelayResponse,
  isRelayStatus,
  readExactly,
  readRelayRequest,
  readRelayResponse,
} from './relay/relay-header';
export type { RelayRequest } from './relay/relay-header';
export {
  RELAY_HANDSHAKE_MAGIC,
  RELAY_HANDSHAKE_VERSION,
  RelayAuthMethod,
  RelayHandshakeError,
  RelayHandshakeStatus,
  relayClientHandshake,
  relayServerHandshake,
  type RelayClientAuth,
  type RelayServerAuth,
} from './relay/relay-handshake';
export { websocketOriginAllowed } from './websocket-origin';
export { Http1Framer, type FramerEvents, type FramerMode } from './http/http1-framer';
