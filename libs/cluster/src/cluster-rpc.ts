import { ClusterError } from './errors';

/**
 * Answers one request. The value it returns (or resolves to) is the reply, as JSON; a throw is
 * sent back as a remote error. It gets the request's JSON-decoded payload.
 */
export type RpcHandler = (payload: unknown) => unknown;

/**
 * Request/reply between nodes (NATS request/reply, or in-process for `piko server`). The admin
 * API uses it to ask gateways for their sessions and to send them commands, and proxies for their
 * request counters: one subject per node and verb (`rpcSubject`), so a node that does not answer
 * is known by name rather than missing from a scatter-gather.
 */
export interface ClusterRpc {
  /** Answers requests on `subject` until the returned function is called (or the bus closes). */
  serve(subject: string, handler: RpcHandler): () => void;
  /**
   * Sends `payload` (JSON) and resolves with the reply. Rejects with RpcError: `timeout after
   * N ms`, `no responder` (nobody serves the subject), `not connected`, or the handler's error.
   */
  request(subject: string, payload: unknown, timeoutMs: number): Promise<unknown>;
}

/** A request that got no usable reply; `reason` is short and fit for an API answer. */
export class RpcError extends ClusterError {
  constructor(readonly reason: string) {
    super(reason, 'ERR_RPC');
  }
}

/** The reply envelope on the wire: `{ok: value}` or `{error: message}`. */
export type RpcReply = { ok: unknown } | { error: string };

/** Runs a handler and wraps its outcome in the reply envelope (never throws). */
export async function answerRpc(handler: RpcHandler, payload: unknown): Promise<RpcReply> {
  try {
    return { ok: (await handler(payload)) ?? null };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Unwraps a reply envelope; a remote error or a malformed reply becomes an RpcError. */
export function unwrapRpcReply(reply: unknown): unknown {
  if (typeof reply === 'object' && reply !== null) {
    if ('ok' in reply) return (reply as { ok: unknown }).ok;
    if ('error' in reply && typeof (reply as { error: unknown }).error === 'string') throw new RpcError(`remote error: ${(reply as { error: string }).error}`);
  }
  throw new RpcError('malformed reply');
}

const SAFE_TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * The subject of a node's RPC verb: `piko.rpc.<node>.<verb>`. Node IDs come from config and may
 * hold characters NATS subjects cannot (`.`, `*`, `>`, spaces), so an unsafe ID is hex-encoded
 * behind a `~`, a character safe IDs never contain (no two IDs share a subject).
 */
export function rpcSubject(nodeId: string, verb: string): string {
  const token = SAFE_TOKEN.test(nodeId) ? nodeId : `~${Buffer.from(nodeId, 'utf8').toString('hex')}`;
  return `piko.rpc.${token}.${verb}`;
}
