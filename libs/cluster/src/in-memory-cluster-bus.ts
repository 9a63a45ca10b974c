import { EventEmitter } from 'node:events';
import type { ClusterBus, ClusterEventHandler } from './cluster-bus';
import type { ClusterEvent } from './cluster-event';
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

  async close(): Promise<void> {
    if (this.currentStatus === 'disconnected') return;
    this.dispatcher.clear();
    this.currentStatus = 'disconnected';
    this.emit('status', this.currentStatus);
  }
}
