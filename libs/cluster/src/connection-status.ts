/** State of a client's connection to Redis or NATS, as reported on /ready and /metrics. */
export type ConnectionStatus = 'connected' | 'reconnecting' | 'disconnected';

/** Something with a connection whose state can be watched. */
export interface ConnectionStatusSource {
  readonly status: ConnectionStatus;
  on(event: 'status', listener: (status: ConnectionStatus) => void): this;
  off(event: 'status', listener: (status: ConnectionStatus) => void): this;
}
