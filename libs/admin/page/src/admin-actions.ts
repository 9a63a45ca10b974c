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
    const error = typeof body === 'object' && body !== null && 'error' in body ? (body as { error: unknown }).error : undefined;
    const message = typeof error === 'string' ? error : typeof error === 'object' && error !== null && 'message' in error ? String((error as { message: unknown }).message) : text || res.statusText;
    return { ok: false, message: `${action.label} failed (${res.status}): ${message}` };
  }
  return { ok: true, message: `${action.label}: ${summarise(body)}` };
}

/** A short description of an action's response (which gateways acted), whatever its exact shape. */
function summarise(body: unknown): string {
  if (typeof body !== 'object' || body === null) return 'done';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (Array.isArray(value)) parts.push(`${key}: ${value.map((v) => (typeof v === 'object' && v !== null && 'node' in v ? String((v as { node: unknown }).node) : typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ') || 'none'}`);
    else if (typeof value !== 'object') parts.push(`${key}: ${String(value)}`);
  }
  return parts.join('; ') || 'done';
}
