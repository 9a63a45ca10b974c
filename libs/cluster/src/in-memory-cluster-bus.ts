import { EventEmitter } from 'node:events';
import type { ClusterBus, ClusterEventHandler } from './cluster-bus';
import type { ClusterEvent } from './cluster-event';
import { answerRpc, type RpcHandler, RpcError, unwrapRpcReply } from './cluster-rpc';
import type { ConnectionStatus } from './connection-status';
import { ClusterClosedError } from './errors';
import { EventDispatcher } from './event-dispatcher';
import { type Logger, noopLogger } from '@piko/observability';

/**
 * The single-process twin of NatsClusterBus. Delivery is asynchronous (a microtask later), as
 * over the network, so code that works here does not depend on re-entrant delivery.
 */
export class InMemoryClusterBus extends EventEmitter implements ClusterBus {
  private readonly dispatcher: EventDispatcher;
  private currentStatus: ConnectionStatus = 'connected';
  private readonly handlers = new Map<string, RpcHandler>();

  constructor(logger: Logger = noopLogger) {
    super();
    this.dispatcher = new EventDispatcher(logger);
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  async publish(event: ClusterEvent): Promise<void> {
    if (this.currentStatus === 'disconnected') throw new ClusterClosedError('bus');
    // A copy, so a receiver never shares an object with the publisher (as after JSON transport).
    const copy = structuredClone(event);
    queueMicrotask(() => this.dispatcher.dispatch(copy));
  }

  subscribe(handler: ClusterEventHandler): () => void {
    return this.dispatcher.add(handler);
  }

  serve(subject: string, handler: RpcHandler): () => void {
    this.handlers.set(subject, handler);
    return () => {
      if (this.handlers.get(subject) === handler) this.handlers.delete(subject);
    };
  }

  /** As over NATS: payload and reply pass through JSON, and the timeout applies. */
  async request(subject: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    if (this.currentStatus === 'disconnected') throw new RpcError('not connected');
    const handler = this.handlers.get(subject);
    if (!handler) throw new RpcError('no responder');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new RpcError(`timeout after ${timeoutMs} ms`)), timeoutMs);
    });
    const reply = answerRpc(handler, JSON.parse(JSON.stringify(payload ?? null)));
    try {
      return unwrapRpcReply(JSON.parse(JSON.stringify(await Promise.race([reply, timeout]))));
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.currentStatus === 'disconnected') return;
    this.handlers.clear();
    this.dispatcher.clear();
    this.currentStatus = 'disconnected';
    this.emit('status', this.currentStatus);
  }
}
