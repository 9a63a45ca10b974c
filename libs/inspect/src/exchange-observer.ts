import type { IncomingMessage } from 'node:http';

/**
 * The one seam between the proxy's HTTP forwarder (libs/proxy/src/http-forwarder.ts) and traffic
 * inspection: the forwarder tells an observer, when it has one (null when inspection is off for
 * the endpoint: nothing is wrapped or listened to then), what it forwards. The observer only adds
 * listeners to streams that are already piped, so what flows, and when, is unchanged.
 */
export interface ExchangeObserver {
  /** The client's request body is now piped upstream (called once, only for a request with a body). */
  requestBody(req: IncomingMessage): void;
  /** The upstream's response head arrived and its body is now piped to the client. */
  response(upstreamRes: IncomingMessage): void;
}
