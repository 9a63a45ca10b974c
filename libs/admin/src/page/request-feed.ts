import type { ClusterRpc } from '@piko/cluster';
import { type ExchangeSummary, INSPECT_RPC_VERBS, type InspectChangesReply, MAX_CHANGES_PER_ANSWER } from '@piko/inspect';
import type { Logger } from '@piko/observability';
import { rpcFanout } from '../service/rpc-fanout';

/** Answers a catch-up reads from one proxy at most (each up to MAX_CHANGES_PER_ANSWER summaries). */
const MAX_CATCH_UP_ANSWERS = 8;

/** How often the proxies are asked for new captures while a live stream is open (ms). */
export const REQUEST_FEED_INTERVAL_MS = 500;

export type RequestListener = (summary: ExchangeSummary) => void;
/**
 * Takes one catch-up summary: true to go on, false to stop (the stream is gone), or a promise of
 * that while the stream cannot take more yet (the next one waits for it).
 */
export type CatchUpListener = (summary: ExchangeSummary) => boolean | Promise<boolean>;

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
  /** Called when the poll running (or the next one) has handed its changes out. */
  private afterPoll: Array<() => void> = [];

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
    for (const done of this.afterPoll.splice(0)) done();
  }

  /**
   * For a listener just subscribed with a list's `cursor` (proxy → version): hands it every
   * capture of `endpoint` added or changed on each proxy after that version, so nothing made
   * between the list and the subscription is missed (a proxy missing from the cursor: all it
   * holds). It first waits for a poll to have handed out its changes: the listener then has
   * every change after that poll's versions, and the catch-up, asked afterwards, reaches at least
   * as far. A summary may come twice (catch-up and live); the later one is never the older state.
   *
   * Paced by the listener: the proxies are asked one at a time, one answer (up to
   * MAX_CHANGES_PER_ANSWER summaries) at a time, and while the listener's promise is pending
   * (its stream is backed up) neither the next summary is handed over nor the next answer asked
   * for. So a stream that does not read holds one answer in memory, not the 8 × 2048 summaries
   * per proxy a cursor from 0 can reach. Ends when the listener answers false or `signal` aborts
   * (the stream closed).
   */
  async catchUp(cursor: ReadonlyMap<string, number>, listener: CatchUpListener, endpoint?: string, signal?: AbortSignal): Promise<void> {
    if (this.timer) await new Promise<void>((resolve) => this.afterPoll.push(resolve));
    if (signal?.aborted) return;
    const nodes = await this.options.proxies();
    for (const node of nodes) {
      let since = cursor.get(node) ?? 0;
      for (let answers = 0; answers < MAX_CATCH_UP_ANSWERS; answers++) {
        if (signal?.aborted) return;
        const { replies } = await rpcFanout<InspectChangesReply>(this.options.rpc, [node], INSPECT_RPC_VERBS.changes, { since, endpointId: endpoint }, this.options.timeoutMs);
        const reply = replies.get(node);
        if (!reply || typeof reply.version !== 'number' || !Array.isArray(reply.changes)) break;
        for (const summary of reply.changes) {
          // Synchronous while the stream takes them, so no live event lands inside an answer.
          const more = listener(summary);
          if (!(typeof more === 'boolean' ? more : await more)) return;
        }
        if (reply.changes.length < MAX_CHANGES_PER_ANSWER) break;
        since = reply.version;
      }
    }
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
      for (const done of this.afterPoll.splice(0)) done();
    }
  }
}
