import { type ClusterRpc, type EndpointRegistry, type NodeInfo, type RequestStatsReply, RPC_VERBS } from '@piko/cluster';
import type { Logger } from '@piko/observability';
import type { RequestRates, UnreachableNode } from '../api';
import type { NodeHistory } from './node-history';
import { rpcFanout } from './rpc-fanout';

export interface RequestRatesOptions {
  registry: EndpointRegistry;
  rpc: ClusterRpc;
  history: NodeHistory;
  /** How often every proxy's counters are read (ms; `admin.api.stats_interval`). */
  intervalMs: number;
  /** Per-proxy answer timeout (ms; `admin.api.request_timeout`). */
  timeoutMs: number;
  logger: Logger;
}

interface ProxyRates {
  sample: RequestStatsReply;
  /** Endpoint ID → rates over the last interval; undefined until a second sample. */
  endpoints?: Map<string, RequestRates>;
}

const ZERO: RequestRates = { requestsPerSecond: 0, errorsPerSecond: 0 };

/** Nodes that proxy and so count requests: proxies, and `piko server`'s node (it has a proxy address). */
export function proxiesRequests(node: NodeInfo): boolean {
  return node.role === 'proxy' || node.proxyAddr !== undefined;
}

/**
 * Request and error rates per proxy and endpoint. Every `intervalMs` it asks each proxy for its
 * cumulative counters (`request-stats`, RequestStatsReply) and takes the difference from that
 * proxy's previous sample over the time between them; a counter that went down (a restart, or an
 * idle endpoint forgotten and counted again) counts from 0. Proxies that do not answer are listed
 * by `unreachable()` and keep no rates until they answer twice again.
 */
export class RequestRatesPoller {
  private readonly proxies = new Map<string, ProxyRates>();
  private lastUnreachable: UnreachableNode[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly options: RequestRatesOptions) {}

  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  /** One round; overlapping calls share the round in flight. */
  tick(): Promise<void> {
    this.ticking ??= this.poll().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** A node's rates summed over its endpoints; null for a node that does not proxy or has one sample. */
  nodeRates(nodeId: string): RequestRates | null {
    const endpoints = this.proxies.get(nodeId)?.endpoints;
    return endpoints ? sum(endpoints.values()) : null;
  }

  /** An endpoint's rates summed over the proxies. */
  endpointRates(endpointId: string): RequestRates {
    return sum([...this.proxies.values()].flatMap((p) => p.endpoints?.get(endpointId) ?? []));
  }

  totalRates(): RequestRates {
    return sum([...this.proxies.values()].flatMap((p) => [...(p.endpoints?.values() ?? [])]));
  }

  unreachable(): UnreachableNode[] {
    return this.lastUnreachable;
  }

  private async poll(): Promise<void> {
    const { registry, rpc, history, timeoutMs, logger } = this.options;
    let nodes: string[];
    try {
      const snapshot = await registry.snapshot();
      history.observe(snapshot);
      nodes = [...snapshot.nodes.values()].filter(proxiesRequests).map((n) => n.id);
    } catch (err) {
      logger.debug('request rates: registry unavailable', { err: (err as Error).message });
      return;
    }
    const { replies, unreachable } = await rpcFanout<RequestStatsReply>(rpc, nodes, RPC_VERBS.requestStats, {}, timeoutMs);
    for (const id of this.proxies.keys()) if (!replies.has(id)) this.proxies.delete(id);
    for (const [id, sample] of replies) {
      if (!isStatsReply(sample)) {
        unreachable.push({ node: id, reason: 'malformed reply' });
        this.proxies.delete(id);
        continue;
      }
      const previous = this.proxies.get(id)?.sample;
      this.proxies.set(id, { sample, endpoints: previous && sample.at > previous.at ? rates(previous, sample) : undefined });
    }
    this.lastUnreachable = unreachable;
  }
}

function rates(previous: RequestStatsReply, current: RequestStatsReply): Map<string, RequestRates> {
  const seconds = (current.at - previous.at) / 1000;
  const out = new Map<string, RequestRates>();
  for (const [endpointId, [requests, errors]] of Object.entries(current.endpoints)) {
    const [lastRequests, lastErrors] = previous.endpoints[endpointId] ?? [0, 0];
    const restarted = requests < lastRequests || errors < lastErrors;
    out.set(endpointId, {
      requestsPerSecond: round((restarted ? requests : requests - lastRequests) / seconds),
      errorsPerSecond: round((restarted ? errors : errors - lastErrors) / seconds),
    });
  }
  return out;
}

function sum(items: Iterable<RequestRates>): RequestRates {
  const total = { ...ZERO };
  for (const r of items) {
    total.requestsPerSecond += r.requestsPerSecond;
    total.errorsPerSecond += r.errorsPerSecond;
  }
  return { requestsPerSecond: round(total.requestsPerSecond), errorsPerSecond: round(total.errorsPerSecond) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function isStatsReply(value: unknown): value is RequestStatsReply {
  if (typeof value !== 'object' || value === null) return false;
  const { at, endpoints } = value as Partial<RequestStatsReply>;
  if (typeof at !== 'number' || typeof endpoints !== 'object' || endpoints === null) return false;
  return Object.values(endpoints).every((v) => Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number' && n >= 0));
}
