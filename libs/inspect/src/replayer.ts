import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { ExchangeRecord } from './exchange-record';
import type { Inspector } from './inspector';
import { isRedactedHeader } from './redact-headers';
import { TokenBucket } from './token-bucket';

/** `POST /api/v1/requests/:id/replay`'s optional edits (checked by the admin API's DTO). */
export interface ReplayEdits {
  method?: string;
  /** The request-target, origin-form (`/path?query`). */
  path?: string;
  /** Replaces every header field of the original. */
  headers?: Array<[string, string]>;
  /** Base64; replaces the body (Content-Length set to match, Transfer-Encoding dropped). */
  body?: string;
}

/**
 * Where a client on this host reaches a port listening on `address` (AddressInfo): the wildcard
 * addresses (`0.0.0.0`, `::`) by loopback.
 */
export function loopbackAddress(address: { address: string; port: number }, tls: boolean): ProxyAddress {
  const host = address.address === '0.0.0.0' || address.address === '' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return { host, port: address.port, tls };
}

/** Where this proxy's port listens, as a client reaches it. */
export interface ProxyAddress {
  host: string;
  port: number;
  tls: boolean;
}

export type ReplayResult =
  | { outcome: 'replayed'; replay: ExchangeRecord }
  | { outcome: 'not_found' }
  | { outcome: 'not_replayable' }
  /** Over proxy.inspect.replay_rate: a replay may be sent again in `retryAfterMs`. */
  | { outcome: 'rate_limited'; retryAfterMs: number }
  | { outcome: 'failed'; error: string };

/** How long a replay answered without reaching an endpoint (a 400 for a missing Host) waits for a capture that will not come (ms). */
const UNCAPTURED_GRACE_MS = 1_000;

const FRAMING = new Set(['content-length', 'transfer-encoding']);

/**
 * Sends a captured request again as a client would: over a fresh connection to this proxy's own
 * port, so it takes the normal path (endpoint routing, forwarding headers, the upstream dialer,
 * capture). The capture of that connection is marked `replay_of` (Inspector.expectReplay) and is
 * the result. Only a `replayable` exchange is sent (its whole body was kept); header fields that
 * were redacted are not sent (their values were never kept), unless `edits.headers` gives them.
 */
export class Replayer {
  /**
   * proxy.inspect.replay_rate / replay_burst, here where replays are sent: the admin API's own
   * limit binds one admin node, not every admin node together nor a client that asks on NATS.
   */
  private readonly limit: TokenBucket;

  constructor(
    private readonly inspector: Inspector,
    private readonly address: () => ProxyAddress | undefined,
    now?: () => number,
  ) {
    this.limit = new TokenBucket(inspector.options.replayRate ?? 10, inspector.options.replayBurst ?? 20, now);
  }

  /** Counted against the replay limit before anything else, whatever the outcome (as the admin API counts). */
  replay(id: string, edits: ReplayEdits): Promise<ReplayResult> {
    const wait = this.limit.take();
    if (wait > 0) return Promise.resolve({ outcome: 'rate_limited', retryAfterMs: wait });
    const original = this.inspector.store.get(id);
    if (!original) return Promise.resolve({ outcome: 'not_found' });
    if (!original.replayable) return Promise.resolve({ outcome: 'not_replayable' });
    const address = this.address();
    if (!address) return Promise.resolve({ outcome: 'failed', error: 'the proxy port is not listening' });
    const redacted = this.inspector.redactedHeaders;
    let headers = edits.headers ?? original.requestHeaders.filter(([name]) => !isRedactedHeader(name, redacted));
    const body = edits.body !== undefined ? Buffer.from(edits.body, 'base64') : original.requestBytes();
    const framed = headers.some(([name]) => FRAMING.has(name.toLowerCase()));
    if (edits.body !== undefined || (!framed && body.length > 0)) {
      headers = headers.filter(([name]) => !FRAMING.has(name.toLowerCase()));
      if (body.length > 0) headers.push(['Content-Length', String(body.length)]);
    }
    const host = headers.find(([name]) => name.toLowerCase() === 'host')?.[1];
    const options: RequestOptions & { servername?: string; rejectUnauthorized?: boolean } = {
      host: address.host,
      port: address.port,
      method: edits.method ?? original.method,
      path: edits.path ?? original.target,
      headers: headers.flat(),
      setHost: false,
      agent: false,
    };
    if (address.tls) {
      // This proxy's own certificate, over loopback: it is the server we mean to reach.
      options.rejectUnauthorized = false;
      const name = host?.replace(/:\d+$/, '');
      if (name && !isIP(name)) options.servername = name;
    }
    return this.send(id, original.endpointId, options, body, address.tls);
  }

  private send(originalId: string, endpointId: string, options: RequestOptions, body: Buffer, tls: boolean): Promise<ReplayResult> {
    const timeoutMs = this.inspector.options.replayTimeoutMs;
    return new Promise((resolve) => {
      let forget = (): void => undefined;
      let finished = false;
      let client: ClientRequest | undefined;
      const finish = (result: ReplayResult): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        forget();
        client?.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => finish({ outcome: 'failed', error: `replay timed out after ${timeoutMs} ms` }), timeoutMs);
      try {
        client = tls ? httpsRequest(options) : httpRequest(options);
      } catch (err) {
        return finish({ outcome: 'failed', error: (err as Error).message });
      }
      client.on('socket', (socket: Socket) => {
        socket.once('connect', () => {
          forget = this.inspector.expectReplay(socket.localAddress ?? '', socket.localPort ?? 0, { originalId, endpointId, done: (exchange) => finish({ outcome: 'replayed', replay: exchange.record() }) });
        });
      });
      client.on('error', (err) => finish({ outcome: 'failed', error: `replay failed: ${err.message}` }));
      client.on('response', (res: IncomingMessage) => {
        res.resume();
        res.on('error', () => undefined);
        res.once('end', () => {
          // Answered without reaching an endpoint (no capture will come): say what it got.
          setTimeout(() => finish({ outcome: 'failed', error: `the replay was answered ${res.statusCode} without reaching the endpoint` }), UNCAPTURED_GRACE_MS).unref();
        });
      });
      client.end(body);
    });
  }
}
