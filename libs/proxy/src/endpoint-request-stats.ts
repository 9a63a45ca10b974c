import type { ServerResponse } from 'node:http';
import type { RequestStatsReply } from '@piko/cluster';

interface Counts {
  requests: number;
  errors: number;
  /** Changed since the last snapshot. */
  touched: boolean;
}

/**
 * Per-endpoint request and error counters for the admin API's rates (`request-stats` over
 * ClusterRpc). Cheap on the data path: one map lookup and two increments per request. Only
 * endpoints that had an upstream to dial are counted (a client cannot grow the map with made-up
 * endpoint IDs), and an endpoint idle between two snapshots is dropped after the second, so the
 * map holds the endpoints in recent use. Counters are cumulative; a reader takes rates from two
 * snapshots and treats a decrease as a restart from 0.
 */
export class EndpointRequestStats {
  private readonly counts = new Map<string, Counts>();

  /** Counts a request when its response is over: an error when it is a 5xx or none began (status 0). */
  watch(endpointId: string, res: ServerResponse): void {
    res.once('close', () => {
      const status = res.headersSent ? res.statusCode : 0;
      this.record(endpointId, status === 0 || status >= 500);
    });
  }

  /** Counts one request (or upgrade, or TCP connection). */
  record(endpointId: string, error: boolean): void {
    let counts = this.counts.get(endpointId);
    if (!counts) {
      counts = { requests: 0, errors: 0, touched: true };
      this.counts.set(endpointId, counts);
    }
    counts.requests++;
    if (error) counts.errors++;
    counts.touched = true;
  }

  /** The counters now; forgets endpoints that had no request since the previous snapshot. */
  snapshot(): RequestStatsReply {
    const endpoints: RequestStatsReply['endpoints'] = {};
    for (const [id, counts] of this.counts) {
      endpoints[id] = [counts.requests, counts.errors];
      if (!counts.touched) this.counts.delete(id);
      counts.touched = false;
    }
    return { at: Date.now(), endpoints };
  }
}
