import type { ClusterEventHandler } from './cluster-bus';
import type { ClusterEvent } from './cluster-event';
import type { Logger } from '@piko/observability';

/** The handler list both buses share; one handler that throws must not starve the others. */
export class EventDispatcher {
  private readonly handlers = new Set<ClusterEventHandler>();

  constructor(private readonly logger: Logger) {}

  add(handler: ClusterEventHandler): () => void {
    // A wrapper per subscription, so subscribing the same function twice yields two deliveries
    // and each unsubscribe removes only its own.
    const entry: ClusterEventHandler = (event) => handler(event);
    this.handlers.add(entry);
    return () => {
      this.handlers.delete(entry);
    };
  }

  dispatch(event: ClusterEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (err) {
        this.logger.error('cluster event handler threw', { err: (err as Error).message, type: event.type, nodeId: event.nodeId });
      }
    }
  }

  clear(): void {
    this.handlers.clear();
  }
}
