import { authHeaders } from './admin-token';
import type { ExchangeListResponse, ExchangeRecord, InspectState, ReplayEdits, ReplayResponse } from './exchange-types';
import { filterQuery, type RequestFilter } from './request-filter';

/** An answer of the admin API: its data, or why not (the API's `error`, or the network's). */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; status?: number; message: string };

/**
 * One call to the admin API with the page's token; never throws (a network failure is a result
 * too). A non-2xx answer's message is the API's `{"error": "..."}` (docs/admin-api.md).
 */
export async function callApi<T>(method: 'GET' | 'POST' | 'PUT', path: string, token: string, body?: unknown): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...authHeaders(token) },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const e = parsed as { error?: unknown } | undefined;
    return { ok: false, status: res.status, message: `${res.status} ${typeof e?.error === 'string' ? e.error : text.slice(0, 200) || res.statusText}` };
  }
  if (parsed === undefined) return { ok: false, status: res.status, message: 'the answer is not JSON' };
  return { ok: true, data: parsed as T };
}

const enc = encodeURIComponent;

/** `GET /api/v1/endpoints/:id/requests`: the endpoint's captures, newest first, from every proxy. */
export const listRequests = (endpoint: string, filter: RequestFilter, limit: number, token: string) =>
  callApi<ExchangeListResponse>('GET', `/api/v1/endpoints/${enc(endpoint)}/requests?${filterQuery(filter, limit)}`, token);

/** `GET /api/v1/requests/:id`: one exchange with heads and kept bodies. */
export const getRequest = (id: string, token: string) => callApi<ExchangeRecord>('GET', `/api/v1/requests/${enc(id)}`, token);

/** `POST /api/v1/requests/:id/replay`: sends it again (with edits), answers the new exchange. */
export const replayRequest = (id: string, edits: ReplayEdits, token: string) => callApi<ReplayResponse>('POST', `/api/v1/requests/${enc(id)}/replay`, token, edits);

/** `GET /api/v1/endpoints/:id/inspect`: whether captures are on for the endpoint. */
export const getInspect = (endpoint: string, token: string) => callApi<InspectState>('GET', `/api/v1/endpoints/${enc(endpoint)}/inspect`, token);

/** `PUT /api/v1/endpoints/:id/inspect`: turns captures on or off at run time, on every proxy. */
export const setInspect = (endpoint: string, enabled: boolean, token: string) =>
  callApi<InspectState>('PUT', `/api/v1/endpoints/${enc(endpoint)}/inspect`, token, { enabled });
