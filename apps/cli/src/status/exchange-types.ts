/**
 * The inspection API's records (docs/admin-api.md "Traffic inspection"), as `piko status requests`
 * reads them. Types only.
 */
export interface CapturedBody {
  /** Total bytes seen on the wire (after de-chunking), even if not kept. */
  size: number;
  /** Base64 of the first bytes kept ('' when none were kept). */
  kept: string;
  /** size > kept bytes. */
  truncated: boolean;
  /** Why nothing was kept, if so. */
  omitted?: 'content_type' | 'stream';
}

export interface CapturedHead {
  /** Raw order, names as sent; redacted values are "[redacted]". */
  headers: Array<[string, string]>;
}

export interface ExchangeSummary {
  id: string;
  endpoint_id: string;
  proxy_node: string;
  gateway_node?: string;
  kind: 'http' | 'websocket' | 'sse' | 'tcp';
  started_at: string;
  client_addr: string;
  method: string;
  target: string;
  status: number;
  ttfb_ms: number | null;
  total_ms: number | null;
  bytes_in: number;
  bytes_out: number;
  error?: { status: number; cause: string };
  replay_of?: string;
  replayable: boolean;
}

export interface ExchangeRecord extends ExchangeSummary {
  http_version: string;
  request: CapturedHead & { body: CapturedBody };
  response: (CapturedHead & { body: CapturedBody }) | null;
}

export interface ExchangeListResponse {
  requests: ExchangeSummary[];
  unreachable_nodes: string[];
}

export interface ReplayResponse {
  original_id: string;
  replay: ExchangeRecord;
}

export interface InspectState {
  endpoint_id: string;
  enabled: boolean;
  source: 'config' | 'runtime';
}

/** The edits a replay may carry (absent: as captured). */
export interface ReplayEdits {
  method?: string;
  path?: string;
  headers?: Array<[string, string]>;
  /** Base64. */
  body?: string;
}
