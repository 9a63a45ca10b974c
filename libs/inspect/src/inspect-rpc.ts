import { type ClusterRpc, rpcSubject } from '@piko/cluster';
import type { ExchangeRecord, ExchangeSummary, InspectStateResponse } from './exchange-record';
import { checkFilter } from './exchange-filter';
import type { ExchangeChanges } from './exchange-store';
import type { Inspector } from './inspector';
import type { ReplayEdits, Replayer, ReplayResult } from './replayer';

/**
 * What the admin API asks each proxy about its captures over ClusterRpc
 * (`piko.rpc.<node>.<verb>`, as libs/cluster/src/rpc-messages.ts):
 *
 * | verb | request | reply |
 * |---|---|---|
 * | `inspect-list` | `{endpointId, filter: ExchangeFilter}` | `InspectListReply` |
 * | `inspect-get` | `{id}` | `ExchangeRecord \| null` |
 * | `inspect-replay` | `{id, edits: ReplayEdits}` | `ReplayResult` |
 * | `inspect-state` | `{endpointId, enabled?}` (enabled: switch it) | `InspectStateResponse` |
 * | `inspect-changes` | `{since, endpointId?}` | `ExchangeChanges` |
 * | `inspect-switches` | `{}` | `InspectSwitchesReply` |
 */
export const INSPECT_RPC_VERBS = {
  list: 'inspect-list',
  get: 'inspect-get',
  replay: 'inspect-replay',
  state: 'inspect-state',
  changes: 'inspect-changes',
  switches: 'inspect-switches',
} as const;

/** `inspect-switches` (`{}`): the runtime switches a proxy holds, for a proxy that starts later (learnSwitches). */
export interface InspectSwitchesReply {
  switches: Array<[string, boolean]>;
}

export interface InspectListReply {
  requests: ExchangeSummary[];
  /** The store's change counter when the list was made (the list's `cursor` for the live feed). */
  version: number;
}

export type InspectGetReply = ExchangeRecord | null;
export type InspectReplayReply = ReplayResult;
export type InspectStateReply = InspectStateResponse;
export type InspectChangesReply = ExchangeChanges;

/** Answers the admin API's inspection requests for this proxy. Returns the function that stops answering. */
export function serveInspect(rpc: ClusterRpc, nodeId: string, inspector: Inspector, replayer: Replayer): () => void {
  const stops = [
    rpc.serve(rpcSubject(nodeId, INSPECT_RPC_VERBS.list), (payload): InspectListReply => {
      const endpointId = requiredString(payload, 'endpointId');
      const filter = checkFilter(field(payload, 'filter'));
      return { requests: inspector.store.list(endpointId, filter).map((e) => e.summary()), version: inspector.store.currentVersion };
    }),
    rpc.serve(rpcSubject(nodeId, INSPECT_RPC_VERBS.get), (payload): InspectGetReply => inspector.store.get(requiredString(payload, 'id'))?.record() ?? null),
    rpc.serve(rpcSubject(nodeId, INSPECT_RPC_VERBS.replay), (payload): Promise<InspectReplayReply> => {
      const edits = field(payload, 'edits');
      return replayer.replay(requiredString(payload, 'id'), typeof edits === 'object' && edits !== null ? (edits as ReplayEdits) : {});
    }),
    rpc.serve(rpcSubject(nodeId, INSPECT_RPC_VERBS.state), (payload): InspectStateReply => {
      const endpointId = requiredString(payload, 'endpointId');
      const enabled = field(payload, 'enabled');
      if (enabled === undefined || enabled === null) return inspector.state(endpointId);
      if (typeof enabled !== 'boolean') throw new Error('enabled must be a boolean');
      return inspector.setEnabled(endpointId, enabled);
    }),
    rpc.serve(rpcSubject(nodeId, INSPECT_RPC_VERBS.changes), (payload): InspectChangesReply => {
      const since = field(payload, 'since');
      if (typeof since !== 'number' || !Number.isInteger(since) || since < -1) throw new Error('since must be an integer >= -1');
      const endpointId = field(payload, 'endpointId');
      return inspector.store.changesSince(since, typeof endpointId === 'string' ? endpointId : undefined);
    }),
    rpc.serve(rpcSubject(nodeId, INSPECT_RPC_VERBS.switches), (): InspectSwitchesReply => ({ switches: inspector.runtimeSwitches() })),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}

/**
 * At a proxy's start: asks the other proxies (`peers`, node IDs) for the runtime switches they hold
 * (PUT /api/v1/endpoints/:id/inspect reaches only the proxies running then) and adopts each one
 * every peer that answered agrees on; a switch the peers disagree on is left to this proxy's
 * config. Peers that do not answer within `timeoutMs` are skipped. Returns how many it adopted.
 */
export async function learnSwitches(rpc: ClusterRpc, peers: readonly string[], inspector: Inspector, timeoutMs: number): Promise<number> {
  const answers = await Promise.all(
    peers.map((peer) => rpc.request(rpcSubject(peer, INSPECT_RPC_VERBS.switches), {}, timeoutMs).then((reply) => (reply as InspectSwitchesReply | undefined)?.switches, () => undefined)),
  );
  const agreed = new Map<string, boolean | 'disagree'>();
  for (const switches of answers) {
    if (!Array.isArray(switches)) continue;
    for (const entry of switches) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'boolean') continue;
      const [endpoint, enabled] = entry;
      const known = agreed.get(endpoint);
      agreed.set(endpoint, known === undefined || known === enabled ? enabled : 'disagree');
    }
  }
  let adopted = 0;
  for (const [endpoint, enabled] of agreed) {
    if (enabled === 'disagree') continue;
    try {
      inspector.setEnabled(endpoint, enabled);
      adopted++;
    } catch {
      break; // MAX_RUNTIME_SWITCHES reached
    }
  }
  return adopted;
}

function field(payload: unknown, name: string): unknown {
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[name] : undefined;
}

function requiredString(payload: unknown, name: string): string {
  const value = field(payload, name);
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${name} is required`);
  return value;
}
