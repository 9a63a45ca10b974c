import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BodyCapture } from './body-capture';
import { CapturedExchange } from './captured-exchange';
import { ConnectionCapture } from './connection-capture';
import type { ExchangeKind, InspectStateResponse } from './exchange-record';
import { ExchangeStore } from './exchange-store';
import { HttpCapture, type HttpCaptureContext } from './http-capture';
import type { InspectHooks, InspectOptions } from './inspect-options';
import { HeaderRedactor, redactedHeaderSet } from './redact-headers';

/** Runtime switches remembered at most (one per endpoint switched through the admin API). */
export const MAX_RUNTIME_SWITCHES = 10_000;

/** A replay this proxy is sending to itself, waiting for its capture (see Replayer). */
export interface PendingReplay {
  originalId: string;
  /** The endpoint of the request replayed: the only one the replay may reach (see replayElsewhere). */
  endpointId: string;
  done(exchange: CapturedExchange): void;
}

/**
 * Traffic inspection on one proxy (issue 11): decides per endpoint whether exchanges are captured
 * (`proxy.inspect.endpoints`, or switched at run time), and hands the proxy a capture for each
 * one that is, or null. Null costs one map lookup: when inspection is off nothing is wrapped or
 * listened to. Captures live in the ExchangeStore (memory only, bounded).
 */
export class Inspector {
  readonly store: ExchangeStore;
  private readonly configuredAll: boolean;
  private readonly configured: ReadonlySet<string>;
  private readonly runtime = new Map<string, boolean>();
  private readonly redactor: HeaderRedactor;
  /** What every HttpCapture of this proxy shares (made once, not per exchange). */
  private readonly captureContext: HttpCaptureContext;
  private readonly omitTypes: string[];
  private readonly omitFamilies: string[];
  /** Replays in flight, by the address and port of the loopback connection they come from (replayKey). */
  private readonly replays = new Map<string, PendingReplay>();
  /** Whether any endpoint may be captured (the fast "no" for every request otherwise). */
  private anyOn: boolean;
  /** How many runtime switches are on. */
  private runtimeOn = 0;
  private seq = 0;

  constructor(
    readonly nodeId: string,
    readonly options: InspectOptions,
    private readonly hooks: InspectHooks,
  ) {
    this.store = new ExchangeStore({ ringSize: options.ringSize, maxMemoryBytes: options.maxMemoryBytes });
    this.configuredAll = options.endpoints.includes('*');
    this.configured = new Set(options.endpoints);
    this.redactor = new HeaderRedactor(redactedHeaderSet(options.redactHeaders));
    const types = options.omitContentTypes.map((t) => t.trim().toLowerCase());
    this.omitTypes = types.filter((t) => !t.endsWith('/*'));
    this.omitFamilies = types.filter((t) => t.endsWith('/*')).map((t) => t.slice(0, -1));
    this.anyOn = this.configuredAll || this.configured.size > 0;
    this.captureContext = {
      store: this.store,
      bodyBytes: options.bodyBytes,
      redactor: this.redactor,
      omitted: (type) => this.omitted(type),
      errorOf: (res) => hooks.errorOf(res),
      gatewayOf: hooks.gatewayOf,
    };
  }

  /** Whether `endpointId`'s exchanges are captured now. */
  enabled(endpointId: string): boolean {
    return this.runtime.get(endpointId) ?? (this.configuredAll || this.configured.has(endpointId));
  }

  state(endpointId: string): InspectStateResponse {
    return { endpoint_id: endpointId, enabled: this.enabled(endpointId), source: this.runtime.has(endpointId) ? 'runtime' : 'config' };
  }

  /**
   * Switches capture for one endpoint at run time (until this proxy restarts). Switching off
   * forgets the endpoint's captures.
   * @throws Error when MAX_RUNTIME_SWITCHES endpoints are switched already
   */
  setEnabled(endpointId: string, enabled: boolean): InspectStateResponse {
    if (!this.runtime.has(endpointId) && this.runtime.size >= MAX_RUNTIME_SWITCHES) throw new Error(`at most ${MAX_RUNTIME_SWITCHES} endpoints may be switched at run time`);
    const was = this.runtime.get(endpointId);
    this.runtime.set(endpointId, enabled);
    // Counted, not recomputed over every switch: setting up to MAX_RUNTIME_SWITCHES stays linear.
    this.runtimeOn += (enabled ? 1 : 0) - (was ? 1 : 0);
    if (!enabled) this.store.clearEndpoint(endpointId);
    this.anyOn = this.configuredAll || this.configured.size > 0 || this.runtimeOn > 0;
    return this.state(endpointId);
  }

  /** The runtime switches (endpoint → enabled) this proxy holds: what a proxy started later adopts (learnSwitches). */
  runtimeSwitches(): Array<[string, boolean]> {
    return [...this.runtime];
  }

  /**
   * The capture of an HTTP request to `endpointId` (its observer for the forwarder), or null when
   * the endpoint is not inspected (or the store cannot hold even its head).
   */
  http(req: IncomingMessage, res: ServerResponse, endpointId: string): HttpCapture | null {
    const replay = this.replays.size > 0 ? replayFrom(this.replays, req.socket) : undefined;
    if (!replay && !(this.anyOn && this.enabled(endpointId))) return null;
    const exchange = this.newExchange(req, endpointId, 'http', this.requestBody(req));
    if (replay) exchange.replayOf = replay.originalId;
    if (!this.store.add(exchange)) {
      replay?.done(exchange);
      return null;
    }
    const capture = new HttpCapture(exchange, res, this.captureContext, replay && ((e) => replay.done(e)));
    exchange.requestBody?.claimFrom(capture.claim);
    return capture;
  }

  /** The capture of a WebSocket (or other) upgrade or a TCP route connection, or null when not inspected. */
  connection(req: IncomingMessage, endpointId: string, kind: Extract<ExchangeKind, 'websocket' | 'tcp'>): ConnectionCapture | null {
    if (!(this.anyOn && this.enabled(endpointId))) return null;
    const exchange = this.newExchange(req, endpointId, kind, null);
    if (kind === 'tcp') exchange.kind = 'tcp';
    if (!this.store.add(exchange)) return null;
    return new ConnectionCapture(exchange, this.store, this.hooks.gatewayOf);
  }

  /**
   * Marks the loopback connection this proxy opened from `address`:`port` (its local end) to its
   * own proxy port as a replay of `pending.originalId`: its request is captured (whatever the
   * endpoint's switch) and handed to `pending.done`. Returns the function that forgets it.
   */
  expectReplay(address: string, port: number, pending: PendingReplay): () => void {
    const key = replayKey(address, port);
    this.replays.set(key, pending);
    return () => {
      if (this.replays.get(key) === pending) this.replays.delete(key);
    };
  }

  /**
   * Whether `req` is a replay (isReplay) routed to another endpoint than its original's: an edited
   * Host or x-piko-endpoint must not carry a replay, which skips proxy.auth, to an endpoint the
   * original never reached (the proxy refuses it, 403).
   */
  replayElsewhere(req: IncomingMessage, endpointId: string): boolean {
    if (this.replays.size === 0) return false;
    const replay = replayFrom(this.replays, req.socket);
    return replay !== undefined && replay.endpointId !== endpointId;
  }

  /**
   * Whether `req` comes from a replay this proxy is sending itself (the admin API authorised it;
   * proxy.auth does not apply, since a replay has no token: the original's was redacted).
   */
  isReplay(req: IncomingMessage): boolean {
    return this.replays.size > 0 && replayFrom(this.replays, req.socket) !== undefined;
  }

  /** The header names this proxy redacts (lower case). */
  get redactedHeaders(): ReadonlySet<string> {
    return this.redactor.redacted;
  }

  private newExchange(req: IncomingMessage, endpointId: string, kind: ExchangeKind, body: BodyCapture | null): CapturedExchange {
    const tcp = kind === 'tcp';
    const head = this.redactor.redact(req.rawHeaders);
    const exchange = new CapturedExchange(
      ++this.seq,
      endpointId,
      this.nodeId,
      kind,
      Date.now(),
      this.hooks.clientAddress(req),
      tcp ? '' : (req.method ?? ''),
      tcp ? '' : (req.url ?? ''),
      req.httpVersion,
      head,
      body,
    );
    // redact() copies the head exactly when it redacted a value.
    exchange.requestRedacted = head !== req.rawHeaders;
    return exchange;
  }

  /** A body capture for the request, if it has a body (RFC 9112 §6.3: Content-Length or Transfer-Encoding). */
  private requestBody(req: IncomingMessage): BodyCapture | null {
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return null;
    return new BodyCapture(this.options.bodyBytes, undefined, this.omitted(req.headers['content-type']) ? 'content_type' : undefined);
  }

  private omitted(contentType: string | undefined): boolean {
    if (contentType === undefined || (this.omitTypes.length === 0 && this.omitFamilies.length === 0)) return false;
    const type = contentType.split(';', 1)[0].trim().toLowerCase();
    return this.omitTypes.includes(type) || this.omitFamilies.some((family) => type.startsWith(family));
  }
}

/** A loopback address, tested on the address alone (IPv4-mapped already made plain by replayKey). */
const LOOPBACK = /^(127\.|::1\|)/;

/** A connection's end as a key: IPv4-mapped IPv6 (`::ffff:127.0.0.1`, a dual-stack listener) as plain IPv4. */
function replayKey(address: string, port: number): string {
  return `${address.startsWith('::ffff:') ? address.slice(7) : address}|${port}`;
}

/** The replay a connection carries: one from the exact loopback address and port a replay is using. */
function replayFrom(replays: ReadonlyMap<string, PendingReplay>, socket: Socket): PendingReplay | undefined {
  const address = socket.remoteAddress;
  if (address === undefined || socket.remotePort === undefined) return undefined;
  const key = replayKey(address, socket.remotePort);
  return LOOPBACK.test(key) ? replays.get(key) : undefined;
}
