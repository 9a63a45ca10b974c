import type { Duplex } from 'node:stream';
import { TcpToHttpEndpointError } from '@piko/protocol';
import type { PoolDialOptions, UpstreamPool } from './upstream-pool';

/** Dials upstreams connected to this process's own gateway: the single-process (`piko server`) path. */
export class LocalUpstreamDialer {
  constructor(private readonly pool: UpstreamPool) {}

  /**
   * A stream to an upstream of the endpoint, or undefined when none is connected. Rejects with
   * TcpToHttpEndpointError for a raw TCP stream (`options.rawTcp`) to an endpoint whose
   * upstreams all declared HTTP.
   */
  async dial(endpointId: string, options: PoolDialOptions = {}): Promise<Duplex | undefined> {
    const stream = this.pool.dial(endpointId, options);
    if (!stream && options.rawTcp && this.pool.servesOnlyHttp(endpointId)) throw new TcpToHttpEndpointError(endpointId);
    return stream;
  }
}
