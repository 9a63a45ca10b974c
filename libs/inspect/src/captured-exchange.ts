import type { BodyCapture } from './body-capture';
import type { CapturedBody, ExchangeKind, ExchangeRecord, ExchangeSummary } from './exchange-record';
import { headerPairs } from './redact-headers';

/** What a record costs before its bodies: the object, its strings (UTF-16) and arrays, roughly (bytes). */
const RECORD_OVERHEAD_BYTES = 600;
const FIELD_OVERHEAD_BYTES = 48;

/** A head's estimated memory (bytes), from its flat list (`[name, value…]`): two bytes a character, plus each field's share of the list. */
export function headBytes(headers: readonly string[]): number {
  let bytes = 0;
  for (let i = 0; i < headers.length; i++) bytes += 2 * headers[i].length;
  return bytes + (FIELD_OVERHEAD_BYTES * headers.length) / 2;
}

const NO_BODY: CapturedBody = { size: 0, kept: '', truncated: false };

/**
 * One exchange while and after it passes the proxy: filled in by its capture (HttpCapture,
 * ConnectionCapture), kept by the ExchangeStore, turned into the API's shapes on demand. Capture
 * does as little as it can per exchange: heads are kept as Node's flat raw lists (redacted as
 * captured, but turned into pairs only when read), body chunks by reference, the id as a number;
 * summaries, records and base64 are made only when a record is read.
 */
export class CapturedExchange {
  kind: ExchangeKind;
  status = 0;
  /** The status line's reason phrase the client got ('' until a response head went out). */
  reason = '';
  ttfbMs: number | null = null;
  totalMs: number | null = null;
  /** Set for connections (websocket, tcp); http takes its bodies' sizes. */
  connectionBytes?: { in: number; out: number };
  /** The response head, flat (`[name, value…]`), redacted; null until one came. */
  responseHead: readonly string[] | null = null;
  responseBody: BodyCapture | null = null;
  error?: { status: number; cause: string };
  gatewayNode?: string;
  replayOf?: string;
  /** Whether a header of the request was redacted (its value is lost: a replay cannot send it). */
  requestRedacted = false;
  /** Bytes charged to the store's memory cap for this record. */
  charged = 0;
  /** Dropped from the store (ring or memory cap): its capture keeps nothing more. */
  evicted = false;
  /** The store's change counter when this record last changed (the live feed's cursor). */
  version = 0;
  /** The store's list of records in the order they last changed (ExchangeStore.changesSince). */
  changedBefore: CapturedExchange | null = null;
  changedAfter: CapturedExchange | null = null;

  constructor(
    /** Per proxy, from 1: the id is `${proxyNode}.${seq}`. */
    readonly seq: number,
    readonly endpointId: string,
    readonly proxyNode: string,
    kind: ExchangeKind,
    /** Unix ms. */
    readonly startedAt: number,
    readonly clientAddr: string,
    readonly method: string,
    readonly target: string,
    readonly httpVersion: string,
    /** The request head, flat (`[name, value…]` as Node's rawHeaders), redacted. */
    readonly requestHead: readonly string[],
    readonly requestBody: BodyCapture | null,
  ) {
    this.kind = kind;
  }

  /** Cluster-unique: `${proxy_node}.${seq}`. */
  get id(): string {
    return `${this.proxyNode}.${this.seq}`;
  }

  /** Memory the record needs before any body byte is kept (bytes). */
  baseBytes(): number {
    return RECORD_OVERHEAD_BYTES + 2 * (this.target.length + this.clientAddr.length) + headBytes(this.requestHead);
  }

  /** The path of the target, without the query. */
  get path(): string {
    const query = this.target.indexOf('?');
    return query === -1 ? this.target : this.target.slice(0, query);
  }

  /** The request's header fields as pairs, in the order sent (redacted values are "[redacted]"). */
  get requestHeaders(): Array<[string, string]> {
    return headerPairs(this.requestHead);
  }

  /** The response's header fields as pairs, or null when no response head came. */
  get responseHeaders(): Array<[string, string]> | null {
    return this.responseHead && headerPairs(this.responseHead);
  }

  /** Whether the whole request is known: an http exchange whose request body was kept entire. */
  get replayable(): boolean {
    return this.kind === 'http' && this.method !== '' && !this.evicted && (this.requestBody === null || this.requestBody.whole);
  }

  summary(): ExchangeSummary {
    const bytes = this.connectionBytes ?? { in: this.requestBody?.size ?? 0, out: this.responseBody?.size ?? 0 };
    return {
      id: this.id,
      endpoint_id: this.endpointId,
      proxy_node: this.proxyNode,
      ...(this.gatewayNode !== undefined ? { gateway_node: this.gatewayNode } : {}),
      kind: this.kind,
      started_at: new Date(this.startedAt).toISOString(),
      client_addr: this.clientAddr,
      method: this.method,
      target: this.target,
      status: this.status,
      ttfb_ms: this.ttfbMs,
      total_ms: this.totalMs,
      bytes_in: bytes.in,
      bytes_out: bytes.out,
      ...(this.error ? { error: this.error } : {}),
      ...(this.replayOf !== undefined ? { replay_of: this.replayOf } : {}),
      replayable: this.replayable,
    };
  }

  record(): ExchangeRecord {
    const response = this.responseHeaders;
    return {
      ...this.summary(),
      http_version: this.httpVersion,
      request: { headers: this.requestHeaders, body: this.requestBody?.toJSON() ?? NO_BODY },
      response: response ? { reason: this.reason, headers: response, body: this.responseBody?.toJSON() ?? NO_BODY } : null,
    };
  }

  /** The request body's kept bytes (all of it when `replayable`). */
  requestBytes(): Buffer {
    return this.requestBody?.bytes() ?? Buffer.alloc(0);
  }
}
