/**
 * What traffic inspection (issue 11) records of one exchange through the proxy, in the admin
 * API's JSON shape (docs/admin-api.md "Traffic inspection"; the contract with the page and CLI is
 * /work/wt/INSPECT-CONTRACT.md). Names are snake_case, times ISO-8601 strings, durations in ms.
 * Types only: the status page's browser bundle imports them too.
 */

/** One direction's body: its size on the wire (after de-chunking) and the first bytes kept. */
export interface CapturedBody {
  /** Total body bytes seen, even those not kept. */
  size: number;
  /** Base64 of the first `proxy.inspect.body_bytes` bytes kept ('' when none were). */
  kept: string;
  /** `size` is larger than what was kept. */
  truncated: boolean;
  /** Why nothing was kept: a content type in `proxy.inspect.omit_content_types`, or a stream (SSE). */
  omitted?: 'content_type' | 'stream';
}

/** A head's header fields in the order sent, names as sent; redacted values are "[redacted]". */
export interface CapturedHead {
  headers: Array<[string, string]>;
}

export type ExchangeKind = 'http' | 'websocket' | 'sse' | 'tcp';

/** The list view of one exchange. */
export interface ExchangeSummary {
  /** Cluster-unique: `${proxy_node}.${seq}`. */
  id: string;
  endpoint_id: string;
  /** Node ID of the proxy that captured it (and would replay it). */
  proxy_node: string;
  /** The gateway that served it (the relay's far end in a cluster; this node in one process). */
  gateway_node?: string;
  kind: ExchangeKind;
  started_at: string;
  /** The client as the proxy sees it (behind proxy.trusted_proxies: the address they forward). */
  client_addr: string;
  /** '' for tcp. */
  method: string;
  /** The request-target as received, query included ('' for tcp). */
  target: string;
  /** Final status; 0 when none (tcp, or the client went away before a response). */
  status: number;
  /** ms from the request's arrival to the first response byte (its head). */
  ttfb_ms: number | null;
  /** ms from the request's arrival to the exchange's end; null while a stream is still open. */
  total_ms: number | null;
  /** Request / response body bytes (a connection: bytes each way after the upgrade). */
  bytes_in: number;
  bytes_out: number;
  /** An answer made by Piko itself (502, 503, 504, 408…) and why. */
  error?: { status: number; cause: string };
  /** The id of the exchange this one replays. */
  replay_of?: string;
  /** The whole request body was captured (http kind): `POST /api/v1/requests/:id/replay` may send it again. */
  replayable: boolean;
}

/** One exchange in full. */
export interface ExchangeRecord extends ExchangeSummary {
  /** '1.1' or '1.0'. */
  http_version: string;
  request: CapturedHead & { body: CapturedBody };
  /**
   * null when no response head came (an error before one, a client gone, tcp). `reason` is the
   * reason phrase of the status line the client got (RFC 9112 §4: the service's own, '' if it
   * sent none).
   */
  response: (CapturedHead & { reason: string; body: CapturedBody }) | null;
}

/** `GET /api/v1/endpoints/:id/requests`. */
export interface ExchangeListResponse {
  /** Newest first. */
  requests: ExchangeSummary[];
  /** Proxies that did not answer in time (their captures are missing). */
  unreachable_nodes: string[];
  /**
   * Opaque: where each proxy's captures stood when this list was made. `GET /api/v1/events?cursor=`
   * sends every capture added or changed since, so nothing made between the list and the stream is missed.
   */
  cursor: string;
}

/** `POST /api/v1/requests/:id/replay` (201). */
export interface ReplayResponse {
  original_id: string;
  replay: ExchangeRecord;
}

/** `GET`/`PUT /api/v1/endpoints/:id/inspect`. */
export interface InspectStateResponse {
  endpoint_id: string;
  enabled: boolean;
  /** Whether `enabled` comes from `proxy.inspect.endpoints` or a runtime switch (the admin API). */
  source: 'config' | 'runtime';
}
