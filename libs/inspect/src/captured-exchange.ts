import type { BodyCapture } from './body-capture';
import type { CapturedBody, ExchangeKind, ExchangeRecord, ExchangeSummary } from './exchange-record';

/** What a record costs before its bodies: the object, its strings (UTF-16) and arrays, roughly (bytes). */
const RECORD_OVERHEAD_BYTES = 600;
const FIELD_OVERHEAD_BYTES = 48;

/** A head's estimated memory (bytes): two bytes a character, plus each pair's arrays. */
export function headBytes(headers: ReadonlyArray<[string, string]>): number {
  let bytes = 0;
  for (const [name, value] of headers) bytes += FIELD_OVERHEAD_BYTES + 2 * (name.length + value.length);
  return bytes;
}

const NO_BODY: CapturedBody = { size: 0, kept: '', truncated: false };

/**
 * One exchange while and after it passes the proxy: filled in by its capture (HttpCapture,
 * ConnectionCapture), kept by the ExchangeStore, turned into the API's shapes on demand (bodies
 * are base64-encoded only when a record is read, never on the hot path).
 */
export class CapturedExchange {
  kind: ExchangeKind;
  status = 0;
  ttfbMs: number | null = null;
  totalMs: number | null = null;
  /** Set for connections (websocket, tcp); http takes its bodies' sizes. */
  connectionBytes?: { in: number; out: number };
  responseHeaders: Array<[string, string]> | null = null;
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

  constructor(
    readonly id: string,
    readonly endpointId: string,
    readonly proxyNode: string,
    kind: ExchangeKind,
    /** Unix ms. */
    readonly startedAt: number,
    readonly clientAddr: string,
    readonly method: string,
    readonly target: string,
    readonly httpVersion: string,
    readonly requestHeaders: Array<[string, string]>,
    readonly requestBody: BodyCapture | null,
  ) {
    this.kind = kind;
  }

  /** Memory the record needs before any body byte is kept (bytes). */
  baseBytes(): number {
    return RECORD_OVERHEAD_BYTES + 2 * (this.target.length + this.clientAddr.length) + headBytes(this.requestHeaders);
  }

  /** The path of the target, without the query. */
  get path(): string {
    const query = this.target.indexOf('?');
    return query === -1 ? this.target : this.target.slice(0, query);
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
    return {
      ...this.summary(),
      http_version: this.httpVersion,
      request: { headers: this.requestHeaders, body: this.requestBody?.toJSON() ?? NO_BODY },
      response: this.responseHeaders ? { headers: this.responseHeaders, body: this.responseBody?.toJSON() ?? NO_BODY } : null,
    };
  }

  /** The request body's kept bytes (all of it when `replayable`). */
  requestBytes(): Buffer {
    return this.requestBody?.bytes() ?? Buffer.alloc(0);
  }
}
