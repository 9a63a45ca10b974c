/**
 * A relay stream could not be set up. Codes:
 *   ERR_RELAY_CONNECT      no TCP connection to the gateway's relay port (refused, timed out, or
 *                          failed recently and not retried yet)
 *   ERR_RELAY_AUTH        the relay handshake failed: the gateway refused our proof, or it could
 *                          not prove it knows relay.secret (a fake relay at a forged address)
 *   ERR_RELAY_STREAM       the connection or the stream failed before the gateway answered, or
 *                          the answer did not arrive in time
 *   ERR_RELAY_BAD_REQUEST  the gateway refused the header as malformed (a bug on one side)
 *   ERR_RELAY_CLOSED       the RelayClient was closed
 */
export class RelayDialError extends Error {
  constructor(
    message: string,
    public readonly code: 'ERR_RELAY_CONNECT' | 'ERR_RELAY_AUTH' | 'ERR_RELAY_STREAM' | 'ERR_RELAY_BAD_REQUEST' | 'ERR_RELAY_CLOSED',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RelayDialError';
  }
}
