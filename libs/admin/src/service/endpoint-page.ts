import type { EndpointListResponse, EndpointSortKey, EndpointSummary } from '../api';

export interface EndpointPageQuery {
  prefix?: string;
  sort: EndpointSortKey;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

/** The cursor's content: the query it belongs to and the last item's sort value and ID. */
interface Cursor {
  s: EndpointSortKey;
  o: 'asc' | 'desc';
  p: string;
  v: string | number;
  id: string;
}

/** A cursor that is not one of ours, or belongs to another sort, order or prefix (→ 400). */
export class InvalidCursorError extends Error {}

function sortValue(endpoint: EndpointSummary, key: EndpointSortKey): string | number {
  switch (key) {
    case 'id':
      return endpoint.id;
    case 'upstreams':
      return endpoint.upstreams;
    case 'gateways':
      return endpoint.gatewayCount;
    case 'requests':
      return endpoint.requestsPerSecond;
    case 'errors':
      return endpoint.errorsPerSecond;
  }
}

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Strict code-unit order, so paging matches what a cursor compares (localeCompare would not). */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function decodeCursor(text: string, query: EndpointPageQuery): Cursor {
  let cursor: Partial<Cursor>;
  try {
    cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch {
    throw new InvalidCursorError('cursor is not valid: pass back a nextCursor as it was given');
  }
  if (typeof cursor !== 'object' || cursor === null || typeof cursor.id !== 'string' || (typeof cursor.v !== 'string' && typeof cursor.v !== 'number')) {
    throw new InvalidCursorError('cursor is not valid: pass back a nextCursor as it was given');
  }
  if (cursor.s !== query.sort || cursor.o !== query.order || cursor.p !== (query.prefix ?? '')) {
    throw new InvalidCursorError('cursor belongs to another query: use the same prefix, sort and order as the page that gave it');
  }
  return cursor as Cursor;
}

/**
 * One page of endpoints (keyset pagination): filtered by ID prefix, sorted by `sort` then ID
 * (ties always ascending by ID, so the order is total), starting after the cursor's item. An
 * endpoint added or removed between two pages does not shift the others.
 *
 * @throws InvalidCursorError for a cursor that is not ours or belongs to another query.
 */
export function endpointPage(all: EndpointSummary[], query: EndpointPageQuery): EndpointListResponse {
  const prefix = query.prefix ?? '';
  const direction = query.order === 'asc' ? 1 : -1;
  const compare = (a: EndpointSummary, b: EndpointSummary): number =>
    direction * compareValues(sortValue(a, query.sort), sortValue(b, query.sort)) || compareIds(a.id, b.id);
  const matching = all.filter((e) => e.id.startsWith(prefix)).sort(compare);
  let start = 0;
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor, query);
    const after = (e: EndpointSummary): boolean => (direction * compareValues(sortValue(e, query.sort), cursor.v) || compareIds(e.id, cursor.id)) > 0;
    start = matching.findIndex(after);
    if (start < 0) start = matching.length;
  }
  const endpoints = matching.slice(start, start + query.limit);
  const last = endpoints.at(-1);
  const more = start + query.limit < matching.length;
  const nextCursor =
    more && last
      ? Buffer.from(JSON.stringify({ s: query.sort, o: query.order, p: prefix, v: sortValue(last, query.sort), id: last.id } satisfies Cursor)).toString('base64url')
      : null;
  return { endpoints, nextCursor, total: matching.length };
}
