import { EventEmitter } from 'node:events';
import type { EndpointCountSource } from './node-registration';

/** A settable EndpointCountSource, for tests, benchmarks and callers that count elsewhere. */
export class EndpointCountMap extends EventEmitter implements EndpointCountSource {
  private readonly map = new Map<string, number>();

  set(endpointId: string, count: number): void {
    if ((this.map.get(endpointId) ?? 0) === count) return;
    if (count > 0) this.map.set(endpointId, count);
    else this.map.delete(endpointId);
    this.emit('change', endpointId, count);
  }

  counts(): Map<string, number> {
    return new Map(this.map);
  }
}
