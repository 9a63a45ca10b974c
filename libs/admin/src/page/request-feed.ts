import type { ClusterRpc } from '@piko/cluster';
import { type ExchangeSummary, INSPECT_RPC_VERBS, type InspectChangesReply } from '@piko/inspect';
import type { Logger } from '@piko/observability';
import { rpcFanout } from '../service/rpc-fanout';

/** How often the proxies are asked for new captures while a live stream is open (ms). */
export const REQUEST_FEED_INTERVAL_MS = 500;

export type RequestListener = (summary: ExchangeSummary) => void;

export interface RequestFeedOptions {
  rpc: ClusterRpc;
  /** The proxies to ask now (node IDs). */
  proxies(): Promise<string[]>;
  /** Per-proxy answer timeout (ms; admin.api.request_timeout). */
  timeoutMs: number;
  intervalMs?: number;
  logger: Logger;
}

/**
 * Traffic inspection's part of the live channel (`event: request`): while at least one stream
 * listens, asks every proxy every `intervalMs` for the captures added or changed since its last
 * answer (`inspect-changes`, one cursor per proxy) and hands each to the listeners, filtered by
 * endpoint. Nobody listening: nobody is asked. A poll still running when the next is due is skipped.
 */
export class RequestFeed {
  private readonly listeners = new Set<{ endpoint?: string; listener: RequestListener }>();
  private readonly cursors = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(private readonly options: RequestFeedOptions) {}

  /** Adds a listener for every endpoint's captures, or `endpoint`'s only; returns the function that removes it. */
  subscribe(listener: RequestListener, endpoint?: string): () => void {
    const entry = { endpoint, listener };
    this.listeners.add(entry);
    if (!this.timer) {
      this.cursors.clear();
      this.timer = setInterval(() => void this.poll(), this.options.intervalMs ?? REQUEST_FEED_INTERVAL_MS);
      void this.poll();
    }
    return () => {
      this.listeners.delete(entry);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const nodes = await this.options.proxies();
      const asked = nodes.map((node) => [node, this.cursors.get(node) ?? -1] as const);
      const results = await Promise.all(
        asked.map(async ([node, since]) => {
          const { replies } = await rpcFanout<InspectChangesReply>(this.options.rpc, [node], INSPECT_RPC_VERBS.changes, { since }, this.options.timeoutMs);
          return [node, replies.get(node)] as const;
        }),
      );
      for (const node of [...this.cursors.keys()]) if (!nodes.includes(node)) this.cursors.delete(node);
      for (const [node, reply] of results) {
        if (!reply || typeof reply.version !== 'number' || !Array.isArray(reply.changes)) continue;
        this.cursors.set(node, reply.version);
        for (const summary of reply.changes) {
          for (const { endpoint, listener } of this.listeners) if (endpoint === undefined || endpoint === summary.endpoint_id) listener(summary);
        }
      }
    } catch (err) {
      this.options.logger.debug('request feed: proxies not asked', { err: (err as Error).message });
    } finally {
      this.polling = false;
    }
  }
}
