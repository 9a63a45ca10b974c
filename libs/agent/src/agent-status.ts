import { Counter, Gauge, type Registry } from 'prom-client';

/** Where one listener's connection to Piko stands. */
export type ListenerState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** One listener (endpoint) in the agent server's `GET /status`. */
export interface ListenerStatusView {
  endpointId: string;
  protocol: 'http' | 'tcp';
  /** The local service, as configured. */
  addr: string;
  state: ListenerState;
  /** ISO 8601 time the current session connected; null while not connected. */
  connectedAt: string | null;
  /** Times the session dropped and the listener started reconnecting. */
  reconnects: number;
  /** The last drop: when (ISO 8601) and why; null before the first. */
  lastDisconnect: { at: string; reason: string } | null;
  /** Streams from Piko (an HTTP request or a TCP connection each): open now and since start. */
  streams: { active: number; total: number };
}

/** `GET /status` of the agent server. */
export interface AgentStatusView {
  version: string;
  /** ISO 8601 time the agent started. */
  startedAt: string;
  /** Piko's upstream URL the listeners connect to (`connect.url`). */
  connectUrl: string;
  listeners: ListenerStatusView[];
}

/** What a listener reports about itself; see AgentStatus.listener(). */
export class ListenerStatus {
  private state: ListenerState = 'connecting';
  private connectedAt: Date | null = null;
  private reconnectCount = 0;
  private lastDisconnect: { at: Date; reason: string } | null = null;
  private activeStreams = 0;
  private totalStreams = 0;

  constructor(
    readonly endpointId: string,
    readonly protocol: 'http' | 'tcp',
    readonly addr: string,
  ) {}

  connected(): void {
    this.state = 'connected';
    this.connectedAt = new Date();
  }

  reconnecting(reason: Error | undefined): void {
    this.state = 'reconnecting';
    this.connectedAt = null;
    this.reconnectCount++;
    this.lastDisconnect = { at: new Date(), reason: reason?.message ?? 'connection closed' };
  }

  closed(): void {
    this.state = 'closed';
    this.connectedAt = null;
  }

  streamOpened(): void {
    this.activeStreams++;
    this.totalStreams++;
  }

  streamClosed(): void {
    this.activeStreams--;
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  get reconnects(): number {
    return this.reconnectCount;
  }

  get streamsTotal(): number {
    return this.totalStreams;
  }

  view(): ListenerStatusView {
    return {
      endpointId: this.endpointId,
      protocol: this.protocol,
      addr: this.addr,
      state: this.state,
      connectedAt: this.connectedAt?.toISOString() ?? null,
      reconnects: this.reconnectCount,
      lastDisconnect: this.lastDisconnect && { at: this.lastDisconnect.at.toISOString(), reason: this.lastDisconnect.reason },
      streams: { active: this.activeStreams, total: this.totalStreams },
    };
  }
}

/**
 * The agent's sessions as its server reports them: `GET /status` (JSON, AgentStatusView; Go
 * Piko's agent server has no status route, only /metrics) and, on /metrics, this build's
 * `piko_agent_sessions_connected{endpoint}` (1 while the listener's session is up),
 * `piko_agent_reconnects_total{endpoint}` and `piko_agent_streams_total{endpoint}` (HTTP requests
 * and TCP connections from Piko), read at scrape time from the listeners' plain counters.
 * Endpoint labels are the agent's own configured endpoints, a handful (as Go's agent metrics).
 */
export class AgentStatus {
  private readonly listeners: ListenerStatus[] = [];
  private readonly startedAt = new Date();
  private readonly connectUrl: string;

  constructor(
    registry: Registry,
    private readonly version: string,
    connectUrl: string,
  ) {
    this.connectUrl = withoutCredentials(connectUrl);
    const listeners = this.listeners;
    const registers = [registry];
    new Gauge({
      name: 'piko_agent_sessions_connected',
      help: "Whether the listener's session to Piko is connected (1) or not (0), by endpoint.",
      labelNames: ['endpoint'],
      registers,
      collect() {
        for (const l of listeners) this.set({ endpoint: l.endpointId }, l.isConnected ? 1 : 0);
      },
    });
    const perEndpointTotal = (name: string, help: string, read: (l: ListenerStatus) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['endpoint'],
        registers,
        collect() {
          this.reset();
          for (const l of listeners) this.inc({ endpoint: l.endpointId }, read(l));
        },
      });
    perEndpointTotal('piko_agent_reconnects_total', 'Times the session to Piko dropped and the listener reconnected, by endpoint.', (l) => l.reconnects);
    perEndpointTotal('piko_agent_streams_total', 'Streams from Piko (HTTP requests, TCP connections), by endpoint.', (l) => l.streamsTotal);
  }

  /** A listener's status object, listed from now on. */
  listener(endpointId: string, protocol: 'http' | 'tcp', addr: string): ListenerStatus {
    const status = new ListenerStatus(endpointId, protocol, addr);
    this.listeners.push(status);
    return status;
  }

  view(): AgentStatusView {
    return { version: this.version, startedAt: this.startedAt.toISOString(), connectUrl: this.connectUrl, listeners: this.listeners.map((l) => l.view()) };
  }
}

/** The URL without user info: a status page is no place for a password someone put in it. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** The events of a client Listener that ListenerStatus follows (structurally, @piko/client's Listener). */
interface ListenerEvents {
  on(event: 'connection', cb: (stream: { once(event: 'close', cb: () => void): unknown }) => void): unknown;
  on(event: 'connected' | 'close', cb: () => void): unknown;
  on(event: 'reconnecting', cb: (reason?: Error) => void): unknown;
}

/**
 * Keeps `status` current from a listener that has just connected (Upstream.listen resolved):
 * its reconnects, its close and every stream it hands over. Call in the same tick as the
 * listener's own 'connection' handler is added (the client flushes queued streams on the next tick).
 */
export function followListener(listener: ListenerEvents, status: ListenerStatus): void {
  status.connected();
  listener.on('connected', () => status.connected());
  listener.on('reconnecting', (reason?: Error) => status.reconnecting(reason));
  listener.on('close', () => status.closed());
  listener.on('connection', (stream) => {
    status.streamOpened();
    stream.once('close', () => status.streamClosed());
  });
}
