/** One gateway's relay connection as the client sees it (for /metrics and /ready). */
export interface RelayConnectionInfo {
  relayAddr: string;
  /** `failed`: the last connect failed and dials fail fast until the retry hold ends. */
  state: 'connecting' | 'connected' | 'failed';
  /** Streams open on the connection. */
  streams: number;
}
