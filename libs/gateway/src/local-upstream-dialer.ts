import type { Duplex } from 'node:stream';
import type { UpstreamPool } from './upstream-pool';

/** Dials upstreams connected to this process's own gateway: the single-process (`piko server`) path. */
export class LocalUpstreamDialer {
  constructor(private readonly pool: UpstreamPool) {}

  async dial(endpointId: string): Promise<Duplex | undefined> {
    return this.pool.dial(endpointId);
  }
}
