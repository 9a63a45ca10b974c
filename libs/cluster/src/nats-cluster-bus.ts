import { EventEmitter } from 'node:events';
import { connect, ErrorCode, type Msg, type NatsConnection, type NatsError, RequestStrategy, type Subscription } from 'nats';
import type { ClusterBus, ClusterEventHandler } from './cluster-bus';
import { type ClusterEvent, parseClusterEvent } from './cluster-event';
import { answerRpc, type RpcHandler, RpcError, unwrapRpcReply } from './cluster-rpc';
import type { ConnectionStatus } from './connection-status';
import { BusUnavailableError } from './errors';
import { EventDispatcher } from './event-dispatcher';
import { type NatsAuthOptions, natsConnectOptions } from './nats-credentials';
import { ReplyAssembler, replyMessages } from './nats-reply-parts';
import { describeClientError, redactUrl } from './redact-url';
import { type Logger, noopLogger } from '@piko/observability';
import { RateLimitedLog } from '@piko/protocol';

export interface NatsClusterBusOptions {
  /**
   * One or more `nats://host:port` (or `tls://`) URLs, a comma-separated string is split; with
   * credentials `nats://user:pass@host:4222` or a token `nats://token@host:4222` (the same on each).
   */
  servers: string | string[];
  /** An NKey seed and TLS options: see natsConnectOptions. */
  auth?: NatsAuthOptions;
  /** Subjects are `<prefix>.endpoint` and `<prefix>.node` (default `piko.events`). */
  subjectPrefix?: string;
  /** Delay between connection attempts, first connect and reconnects alike (default 250 ms). */
  reconnectTimeWaitMs?: number;
  /** Longest wait for close() to flush and drain a live connection before closing it (default 2000 ms). */
  drainTimeoutMs?: number;
  /** Connection name shown by the NATS server (e.g. the node ID). */
  name?: string;
  logger?: Logger;
}

/**
 * ClusterBus on core NATS (at-most-once, which the per-node seq makes safe). The bus connects in
 * the background and keeps trying forever, so a node starts even when NATS is down; publishing
 * while the connection is lost is buffered by the client, before the first connect it rejects.
 */
export class NatsClusterBus extends EventEmitter implements ClusterBus {
  readonly subjects: { endpoint: string; node: string; all: string };
  private readonly servers: string[];
  /** The servers as logs and errors show them: passwords and tokens redacted. */
  private readonly displayUrl: string;
  private readonly connectOptions: ReturnType<typeof natsConnectOptions>;
  private lastError: string | undefined;
  private readonly reconnectTimeWaitMs: number;
  private readonly drainTimeoutMs: number;
  private readonly logger: Logger;
  /**
   * Warnings anyone on the bus can trigger per message (a malformed event, a request whose reply
   * is too large, asked every second by an open status page): a few, then a summary per 10 s.
   */
  private readonly peerWarnings: RateLimitedLog;
  private readonly dispatcher: EventDispatcher;
  private connection: NatsConnection | undefined;
  private currentStatus: ConnectionStatus = 'disconnected';
  private closing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Served RPC subjects and their live subscriptions (made again on each new connection). */
  private readonly served = new Map<string, { handler: RpcHandler; subscription?: Subscription }>();
  private connectedOnce!: () => void;
  /** Resolves at the first successful connection (tests and start-up ordering use it). */
  readonly connected: Promise<void> = new Promise((resolve) => (this.connectedOnce = resolve));

  constructor(private readonly options: NatsClusterBusOptions) {
    super();
    const prefix = options.subjectPrefix ?? 'piko.events';
    this.subjects = { endpoint: `${prefix}.endpoint`, node: `${prefix}.node`, all: `${prefix}.*` };
    this.servers = (Array.isArray(options.servers) ? options.servers : options.servers.split(',')).map((s) => s.trim()).filter(Boolean);
    this.displayUrl = this.servers.map(redactUrl).join(',');
    // Checked now: a credentials mismatch is a configuration error, not something to retry.
    this.connectOptions = natsConnectOptions(this.servers, options.auth);
    this.reconnectTimeWaitMs = options.reconnectTimeWaitMs ?? 250;
    this.drainTimeoutMs = options.drainTimeoutMs ?? 2_000;
    this.logger = (options.logger ?? noopLogger).child({ component: 'nats-bus' });
    this.peerWarnings = new RateLimitedLog(this.logger);
    this.dispatcher = new EventDispatcher(this.logger);
    void this.connectLoop();
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  async publish(event: ClusterEvent): Promise<void> {
    const connection = this.connection;
    if (!connection || connection.isClosed()) {
      throw new BusUnavailableError(`nats ${this.displayUrl}: not connected${this.lastError ? ` (${this.lastError})` : ''}`);
    }
    const subject = event.type === 'endpoint' ? this.subjects.endpoint : this.subjects.node;
    try {
      connection.publish(subject, JSON.stringify(event));
    } catch (err) {
      throw new BusUnavailableError(`publish on ${subject} failed`, { cause: err });
    }
  }

  subscribe(handler: ClusterEventHandler): () => void {
    return this.dispatcher.add(handler);
  }

  serve(subject: string, handler: RpcHandler): () => void {
    const entry: { handler: RpcHandler; subscription?: Subscription } = { handler };
    this.served.get(subject)?.subscription?.unsubscribe();
    this.served.set(subject, entry);
    if (this.connection && !this.connection.isClosed()) entry.subscription = this.subscribeRpc(this.connection, subject, handler);
    return () => {
      if (this.served.get(subject) !== entry) return;
      this.served.delete(subject);
      entry.subscription?.unsubscribe();
    };
  }

  async request(subject: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const connection = this.connection;
    if (!connection || connection.isClosed() || this.currentStatus !== 'connected') throw new RpcError('nats not connected');
    const body = await this.collectReply(connection, subject, JSON.stringify(payload ?? null), timeoutMs);
    let reply: unknown;
    try {
      reply = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RpcError('malformed reply');
    }
    return unwrapRpcReply(reply);
  }

  /** The reply's bytes: one message, or every part of a split one (nats-reply-parts.ts), within `timeoutMs`. */
  private async collectReply(connection: NatsConnection, subject: string, data: string, timeoutMs: number): Promise<Buffer> {
    const assembler = new ReplyAssembler(connection.info?.max_payload ?? 1024 * 1024);
    try {
      const messages = await connection.requestMany(subject, data, { maxWait: timeoutMs, strategy: RequestStrategy.Timer });
      for await (const msg of messages) {
        const whole = assembler.add(msg);
        // Leaving the loop ends the request (its inbox entry and timer).
        if (whole) return whole;
      }
    } catch (err) {
      if (err instanceof RpcError) throw err;
      if ((err as NatsError).code === ErrorCode.NoResponders) throw new RpcError('no responder');
      throw new RpcError(describeClientError(err));
    }
    throw new RpcError(`timeout after ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.retryTimer);
    this.peerWarnings.flush();
    this.dispatcher.clear();
    const connection = this.connection;
    if (connection && !connection.isClosed()) {
      // drain() flushes what was published and lets in-flight deliveries finish, but only on a
      // live connection: while NATS is away its flush never completes, and nats.js swallows that
      // failure without closing, leaving its reconnect and ping timers to hold the process open
      // after shutdown. So drain only when connected, bounded by drainTimeoutMs, then always close().
      if (this.currentStatus === 'connected') {
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.drainTimeoutMs)));
        await Promise.race([connection.drain(), bound])
          .catch((err: unknown) => this.logger.warn('nats drain failed; closing', { err: (err as Error).message }))
          .finally(() => clearTimeout(timer));
      }
      await connection.close().catch(() => undefined);
    }
    this.setStatus('disconnected');
  }

  private async connectLoop(): Promise<void> {
    while (!this.closing) {
      try {
        const connection = await connect({
          ...this.connectOptions,
          name: this.options.name,
          maxReconnectAttempts: -1,
          reconnectTimeWait: this.reconnectTimeWaitMs,
          waitOnFirstConnect: false,
        });
        if (this.closing) {
          await connection.close();
          return;
        }
        this.attach(connection);
        return;
      } catch (err) {
        // Retried every reconnectTimeWaitMs: a new cause is logged with the URL, its repeats at debug.
        const cause = describeClientError(err);
        const repeat = cause === this.lastError;
        this.lastError = cause;
        if (repeat) this.logger.debug('nats connect failed; retrying', { url: this.displayUrl, err: cause });
        else this.logger.warn('cannot reach nats; retrying', { url: this.displayUrl, err: cause });
        await new Promise<void>((resolve) => (this.retryTimer = setTimeout(resolve, this.reconnectTimeWaitMs)));
      }
    }
  }

  private attach(connection: NatsConnection): void {
    this.connection = connection;
    connection.subscribe(this.subjects.all, { callback: (err, msg) => this.receive(err, msg) });
    for (const [subject, entry] of this.served) entry.subscription = this.subscribeRpc(connection, subject, entry.handler);
    this.setStatus('connected');
    this.connectedOnce();
    void this.watchStatus(connection);
    void connection.closed().then((err) => {
      if (this.closing) return;
      // With unlimited reconnects this only happens on fatal errors (e.g. authorization):
      // start over rather than stay silent forever.
      this.lastError = err ? describeClientError(err) : undefined;
      this.logger.error('nats connection closed; connecting again', { url: this.displayUrl, err: this.lastError });
      this.connection = undefined;
      this.setStatus('reconnecting');
      void this.connectLoop();
    });
  }

  private async watchStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (this.closing) return;
      if (status.type === 'disconnect' || status.type === 'reconnecting') this.setStatus('reconnecting');
      else if (status.type === 'reconnect') this.setStatus('connected');
      else if (status.type === 'error') this.logger.warn('nats async error', { url: this.displayUrl, err: String(status.data) });
    }
  }

  private subscribeRpc(connection: NatsConnection, subject: string, handler: RpcHandler): Subscription {
    return connection.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return this.logger.warn('nats rpc subscription error', { subject, err: err.message });
        let payload: unknown;
        try {
          payload = JSON.parse(msg.string() || 'null');
        } catch {
          this.respond(connection, msg, subject, { error: 'malformed request' });
          return;
        }
        void answerRpc(handler, payload).then((reply) => this.respond(connection, msg, subject, reply));
      },
    });
  }

  /**
   * Answers an RPC, never throwing (nats.js throws from respond(), for instance for a message over
   * the server's max_payload; thrown here it escaped a promise callback and ended the process). A
   * reply over max_payload goes in parts (nats-reply-parts.ts): a gateway with ~6,000 upstreams
   * died on `GET /api/v1/upstreams` before.
   */
  private respond(connection: NatsConnection, msg: Msg, subject: string, reply: unknown): void {
    // The requester may have given up, or the connection closed meanwhile: nothing to answer.
    if (connection.isClosed()) return;
    const body = Buffer.from(JSON.stringify(reply));
    try {
      for (const { data, headers } of replyMessages(body, connection.info?.max_payload ?? Infinity)) msg.respond(data, { headers });
    } catch (err) {
      this.peerWarnings.warn('nats rpc reply failed', { subject, bytes: body.length, err: describeClientError(err) });
    }
  }

  private receive(err: NatsError | null, msg: Msg): void {
    if (err) {
      this.logger.warn('nats subscription error', { err: err.message });
      return;
    }
    let event: ClusterEvent;
    try {
      event = parseClusterEvent(JSON.parse(msg.string()));
      const expected = event.type === 'endpoint' ? this.subjects.endpoint : this.subjects.node;
      if (msg.subject !== expected) throw new Error(`a ${event.type} event on ${msg.subject}`);
    } catch (parseError) {
      this.peerWarnings.warn('dropping malformed cluster event', { subject: msg.subject, err: (parseError as Error).message });
      return;
    }
    this.dispatcher.dispatch(event);
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    if (status === 'connected') {
      this.lastError = undefined;
      this.logger.info('nats connected', { url: this.displayUrl });
    } else if (status === 'reconnecting') this.logger.warn('nats connection lost; reconnecting', { url: this.displayUrl });
    else this.logger.info('nats disconnected');
    this.emit('status', status);
  }
}
