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
  /**
   * The upstream for one HTTP request (UpstreamPool.pick), keyed by its session's ID, for the
   * proxy's stream reuse; undefined when the endpoint has none here.
   */
  choose(endpointId: string): { key: string; open(): Promise<Duplex | undefined> } | undefined {
    const connection = this.pool.pick(endpointId);
    if (!connection) return undefined;
    const pool = this.pool;
    return { key: connection.id, open: async () => pool.openOn(connection) };
  }

  async dial(endpointId: string, options: PoolDialOptions = {}): Promise<Duplex | undefined> {
    const stream = this.pool.dial(endpointId, options);
    if (!stream && options.rawTcp && this.pool.servesOnlyHttp(endpointId)) throw new TcpToHttpEndpointError(endpointId);
    return stream;
  }
}
