import type { ActionResponse, ApiErrorBody } from '../../src/api';
import { authHeaders } from './admin-token';

/** One action of the admin API: its method and path (IDs escaped). */
export interface AdminAction {
  label: string;
  method: 'POST' | 'DELETE';
  path: string;
}

export const drainNode = (id: string): AdminAction => ({ label: `drain node ${id}`, method: 'POST', path: `/api/v1/nodes/${encodeURIComponent(id)}/drain` });
export const disconnectEndpoint = (id: string): AdminAction => ({ label: `disconnect endpoint ${id}`, method: 'POST', path: `/api/v1/endpoints/${encodeURIComponent(id)}/disconnect` });
export const disconnectUpstream = (id: string): AdminAction => ({ label: `disconnect upstream ${id}`, method: 'DELETE', path: `/api/v1/upstreams/${encodeURIComponent(id)}` });

/** The outcome told to the user: ok, and a one-line message (the API's `error`, or what acted). */
export interface ActionOutcome {
  ok: boolean;
  message: string;
  /** The HTTP status, when a response came (401: a token is needed). */
  status?: number;
}

/** Runs an action with the token; never throws (a network failure is an outcome too). */
export async function runAction(action: AdminAction, token: string): Promise<ActionOutcome> {
  let res: Response;
  try {
    res = await fetch(action.path, { method: action.method, headers: authHeaders(token) });
  } catch (err) {
    return { ok: false, message: `${action.label}: ${err instanceof Error ? err.message : String(err)}` };
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    // The API's error body (ApiErrorBody): {"error": "...", "code": "...", "details": [...]}.
    const e = body as Partial<ApiErrorBody> | undefined;
    const message = typeof e?.error === 'string' ? [e.error, ...(e.details ?? [])].join('; ') : text || res.statusText;
    return { ok: false, message: `${action.label} failed (${res.status}): ${message}`, status: res.status };
  }
  return { ok: true, message: `${action.label}: ${summarise(body)}`, status: res.status };
}

/**
 * One line saying what happened: which gateways acted and how many sessions each told go-away,
 * and which did not answer (their part may not have happened).
 */
export function summarise(body: unknown): string {
  const r = body as Partial<ActionResponse> | undefined;
  if (!r || !Array.isArray(r.gateways)) return 'done';
  const acted = r.gateways.filter((g) => g.acted).map((g) => `${g.node} (${g.sessions} session${g.sessions === 1 ? '' : 's'} told go-away)`);
  const parts = [acted.length ? `acted: ${acted.join(', ')}` : 'no gateway had anything to do'];
  if (r.unreachable?.length) parts.push(`not answering: ${r.unreachable.map((u) => `${u.node} (${u.reason})`).join(', ')}`);
  return parts.join('; ');
}
