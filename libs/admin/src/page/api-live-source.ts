import type { ClusterActions } from '../service/cluster-actions';
import type { ClusterReader } from '../service/cluster-reader';
import type { LiveReading, LiveSource } from './live-source';

/**
 * The live channel's reading through the admin API's own services, so the page shows what
 * `GET /api/v1/nodes`, `/api/v1/endpoints` and `/api/v1/upstreams` return: nodes and endpoints
 * from the registry with the request rates the admin node polls from proxies, and the upstream
 * sessions asked of every gateway over the bus (those that do not answer are in `unreachable`).
 */
export class ApiLiveSource implements LiveSource {
  constructor(
    private readonly reader: ClusterReader,
    private readonly actions: ClusterActions,
  ) {}

  async read(): Promise<LiveReading> {
    const [nodes, endpoints, sessions] = await Promise.all([this.reader.nodes(), this.reader.endpoints(), this.actions.upstreams({})]);
    endpoints.sort((a, b) => a.id.localeCompare(b.id));
    // Rates are measured once some node that proxies has two samples (null until then).
    const ratesKnown = nodes.some((n) => n.rates !== null);
    return { nodes, endpoints, upstreams: sessions.upstreams, unreachable: sessions.unreachable, ratesKnown };
  }
}
