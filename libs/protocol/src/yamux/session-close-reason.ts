import { ProtocolTimeoutError, ProtocolViolationError, RemoteGoAwayError } from '../errors';

/** Why a yamux session ended, as the `reason` label of the metrics that count session ends. */
export type SessionCloseReason = 'closed' | 'protocol_error' | 'timeout' | 'go_away_error' | 'error';

/** All reasons, for exporting every series from the start. */
export const SESSION_CLOSE_REASONS: readonly SessionCloseReason[] = ['closed', 'protocol_error', 'timeout', 'go_away_error', 'error'];

/**
 * The label for the error a Session's 'close' event carried: none is a clean close (FIN, a
 * go-away without error, our own close); a peer breaking yamux is `protocol_error`; keepalive,
 * write and stream timeouts `timeout`; a go-away with an error code `go_away_error`; anything
 * else (the socket failed) `error`.
 */
export function sessionCloseReason(err: Error | undefined): SessionCloseReason {
  if (err === undefined) return 'closed';
  if (err instanceof ProtocolViolationError) return 'protocol_error';
  if (err instanceof ProtocolTimeoutError) return 'timeout';
  if (err instanceof RemoteGoAwayError) return 'go_away_error';
  return 'error';
}
