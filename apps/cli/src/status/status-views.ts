import type {
  ClusterResponse,
  EndpointDetailResponse,
  EndpointListResponse,
  GoEndpointCounts,
  GoNode,
  GoNodeMetadata,
  NodeDetailResponse,
  NodeListResponse,
  UnreachableNode,
  UpstreamListResponse,
} from '@piko/admin';
import type { StatusConfig } from '@piko/config';
import type { AdminClient } from './admin-client';
import { age, bytes, rate, renderTable } from './render-table';
import { requestsView, requestView } from './request-views';

/**
 * One thing `piko status` shows: how to fetch it from the admin API (the answer is what `-o
 * json|yaml` prints), how to draw it as a table, and which gateways did not answer.
 */
export interface StatusView<T = unknown> {
  fetch(client: AdminClient): Promise<T>;
  table(data: T): string;
  unreachable?(data: T): UnreachableNode[];
  /** Lines for stderr that explain what the view shows (e.g. why a list is empty). */
  warnings?(data: T, client: AdminClient): Promise<string[]>;
}

/** `piko status <what> [id]`: the view, or a message saying what is wrong with the arguments. */
export function statusView(what: string, id: string | undefined, config: StatusConfig): StatusView | string {
  switch (what) {
    case 'cluster':
      return id === undefined ? clusterView : 'status cluster takes no ID';
    case 'nodes':
    case 'node':
      return id === undefined ? nodesView(config.status) : nodeView(id);
    case 'endpoints':
    case 'endpoint':
      return id === undefined ? endpointsView(config) : endpointView(id);
    case 'upstreams':
      return id === undefined ? upstreamsView(config) : 'status upstreams takes no ID (filter with --endpoint and --node)';
    case 'requests':
      return id === undefined ? 'status requests needs the endpoint ID: piko status requests <endpoint>' : requestsView(id, config);
    case 'request':
      return id === undefined ? 'status request needs a request ID (from piko status requests <endpoint>)' : requestView(id);
    default:
      return `unknown view ${JSON.stringify(what)}; want one of: cluster, nodes, endpoints, upstreams, requests, request`;
  }
}

const clusterView: StatusView<ClusterResponse> = {
  fetch: (client) => client.get<ClusterResponse>('/api/v1/cluster'),
  table(data) {
    const roles = (['proxy', 'gateway', 'admin'] as const).map((role) => {
      const c = data.nodes.byRole[role];
      return [role, String(c.active), String(c.draining), String(c.left)];
    });
    const totals = renderTable(
      ['NODES', 'ENDPOINTS', 'UPSTREAMS', 'REQUESTS/S', 'ERRORS/S'],
      [[String(data.nodes.total), String(data.endpoints), String(data.upstreams), rate(data.rates.requestsPerSecond), rate(data.rates.errorsPerSecond)]],
    );
    return `${totals}\n${renderTable(['ROLE', 'ACTIVE', 'DRAINING', 'LEFT'], roles)}`;
  },
  unreachable: (data) => data.unreachable,
};

function nodesView(state: string): StatusView<NodeListResponse> {
  return {
    async fetch(client) {
      const list = await client.get<NodeListResponse>('/api/v1/nodes');
      return state ? { ...list, nodes: list.nodes.filter((n) => n.state === state) } : list;
    },
    table: (data) =>
      renderTable(
        ['ID', 'ROLE', 'STATE', 'VERSION', 'AGE', 'HEARTBEAT', 'ENDPOINTS', 'UPSTREAMS', 'REQUESTS/S', 'ADDRESSES'],
        data.nodes.map((n) => [
          n.id,
          n.role,
          n.state,
          n.version ?? '-',
          age(n.startedAt),
          n.lastHeartbeatAt ? `${age(n.lastHeartbeatAt)} ago` : '-',
          String(n.counts.endpoints),
          String(n.counts.upstreams),
          n.rates ? rate(n.rates.requestsPerSecond) : '-',
          Object.entries(n.addresses)
            .map(([kind, addr]) => `${kind}=${addr}`)
            .join(',') || '-',
        ]),
      ),
  };
}

function nodeView(id: string): StatusView<NodeDetailResponse> {
  return {
    fetch: (client) => client.get<NodeDetailResponse>(`/api/v1/nodes/${encodeURIComponent(id)}`),
    table(n) {
      const head = nodesView('').table({ nodes: [n] });
      const endpoints = Object.entries(n.endpoints).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return endpoints.length === 0 ? head : `${head}\n${renderTable(['ENDPOINT', 'UPSTREAMS'], endpoints.map(([e, c]) => [e, String(c)]))}`;
    },
  };
}

const endpointColumns = ['ID', 'UPSTREAMS', 'GATEWAYS', 'REQUESTS/S', 'ERRORS/S'];

function endpointsView(config: StatusConfig): StatusView<EndpointListResponse> {
  return {
    // The API pages (at most 1000 a page): follow nextCursor until --limit endpoints are in.
    async fetch(client) {
      const endpoints: EndpointListResponse['endpoints'] = [];
      let page: EndpointListResponse | undefined;
      let cursor: string | undefined;
      do {
        page = await client.get<EndpointListResponse>('/api/v1/endpoints', {
          prefix: config.prefix,
          sort: config.sort,
          limit: Math.min(1000, config.limit - endpoints.length),
          cursor,
        });
        endpoints.push(...page.endpoints);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && endpoints.length < config.limit);
      return { endpoints, nextCursor: page.nextCursor, total: page.total };
    },
    table: (data) =>
      renderTable(
        endpointColumns,
        data.endpoints.map((e) => [e.id, String(e.upstreams), String(e.gatewayCount), rate(e.requestsPerSecond), rate(e.errorsPerSecond)]),
      ) + (data.endpoints.length < data.total ? `(${data.endpoints.length} of ${data.total}; raise --limit for more)\n` : ''),
  };
}

function endpointView(id: string): StatusView<EndpointDetailResponse> {
  return {
    fetch: (client) => client.get<EndpointDetailResponse>(`/api/v1/endpoints/${encodeURIComponent(id)}`),
    table: (e) =>
      `${renderTable(endpointColumns, [[e.id, String(e.upstreams), String(e.gatewayCount), rate(e.requestsPerSecond), rate(e.errorsPerSecond)]])}\n${renderTable(
        ['GATEWAY', 'STATE', 'UPSTREAMS'],
        e.gateways.map((g) => [g.node, g.state, String(g.upstreams)]),
      )}`,
  };
}

function upstreamsView(config: StatusConfig): StatusView<UpstreamListResponse> {
  return {
    fetch: (client) => client.get<UpstreamListResponse>('/api/v1/upstreams', { endpoint: config.endpoint, node: config.node }),
    table: (data) =>
      renderTable(
        ['ID', 'ENDPOINT', 'GATEWAY', 'REMOTE', 'AGENT', 'AGE', 'STREAMS', 'REQUESTS', 'IN', 'OUT', 'RETIRING'],
        data.upstreams.map((u) => [
          u.id,
          u.endpointId,
          u.node,
          u.remoteAddr,
          u.agentVersion ? `piko ${u.agentVersion}` : (u.userAgent ?? '-'),
          age(u.connectedAt),
          String(u.openStreams),
          String(u.requests),
          bytes(u.bytesIn),
          bytes(u.bytesOut),
          u.retiring ? 'yes' : 'no',
        ]),
      ),
    unreachable: (data) => data.unreachable,
  };
}

/**
 * Go Piko's `piko server status …` (cli/server/status): the same paths and YAML as Go prints
 * (`cluster nodes` as `nodes: [...]` sorted by ID and filtered by `--status`; `cluster node <id>`;
 * `upstream endpoints`). A message when the arguments are not one of those.
 */
export function goStatusView(args: string[], config: StatusConfig): StatusView | string {
  const [group, what, id, ...extra] = args;
  if (group === 'gossip') return "'status gossip' has no counterpart: NATS and Redis replace Go Piko's gossip (see 'piko status nodes')";
  if (extra.length > 0) return `unexpected arguments: ${extra.join(' ')}`;
  if (group === 'cluster' && what === 'nodes' && id === undefined) {
    return {
      async fetch(client) {
        const nodes = await client.get<GoNodeMetadata[]>('/status/cluster/nodes');
        const filtered = nodes.filter((n) => !config.status || n.status === config.status).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        return { nodes: filtered };
      },
      table: (data: { nodes: GoNodeMetadata[] }) =>
        renderTable(
          ['ID', 'STATUS', 'PROXY ADDR', 'ADMIN ADDR', 'ENDPOINTS', 'UPSTREAMS'],
          data.nodes.map((n) => [n.id, n.status, n.proxy_addr || '-', n.admin_addr || '-', String(n.endpoints), String(n.upstreams)]),
        ),
    } as StatusView<{ nodes: GoNodeMetadata[] }> as StatusView;
  }
  if (group === 'cluster' && what === 'node' && id !== undefined) {
    return {
      fetch: (client) => client.get<GoNode>(`/status/cluster/nodes/${encodeURIComponent(id)}`),
      table: (n: GoNode) =>
        renderTable(['ID', 'STATUS', 'PROXY ADDR', 'ADMIN ADDR'], [[n.id, n.status, n.proxy_addr || '-', n.admin_addr || '-']]) +
        `\n${renderTable(['ENDPOINT', 'UPSTREAMS'], Object.entries(n.endpoints ?? {}).map(([e, c]) => [e, String(c)]))}`,
    } as StatusView<GoNode> as StatusView;
  }
  if (group === 'upstream' && what === 'endpoints' && id === undefined) {
    return {
      fetch: (client) => client.get<GoEndpointCounts>('/status/upstream/endpoints'),
      table: (counts: GoEndpointCounts) => renderTable(['ENDPOINT', 'UPSTREAMS'], Object.entries(counts).map(([e, c]) => [e, String(c)])),
    } as StatusView<GoEndpointCounts> as StatusView;
  }
  return `unknown status command ${JSON.stringify(args.join(' '))}; want one of: cluster nodes, cluster node <id>, upstream endpoints`;
}
