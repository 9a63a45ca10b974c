import type { EndpointSummary } from '../api';
import { endpointPage, type EndpointPageQuery, InvalidCursorError } from './endpoint-page';

const endpoint = (id: string, upstreams: number, requestsPerSecond = 0): EndpointSummary => ({
  id,
  upstreams,
  gatewayCount: 1,
  requestsPerSecond,
  errorsPerSecond: 0,
});

const all = [endpoint('b', 2, 5), endpoint('a', 1, 5), endpoint('team-x', 3), endpoint('team-y', 3), endpoint('c', 9, 1)];

function walk(items: EndpointSummary[], query: Omit<EndpointPageQuery, 'cursor'>): string[][] {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = endpointPage(items, { ...query, cursor });
    pages.push(page.endpoints.map((e) => e.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return pages;
}

describe('endpointPage', () => {
  it('pages through every endpoint once, in order, ties broken by ID', () => {
    expect(walk(all, { sort: 'id', order: 'asc', limit: 2 })).toEqual([['a', 'b'], ['c', 'team-x'], ['team-y']]);
    expect(walk(all, { sort: 'upstreams', order: 'desc', limit: 2 })).toEqual([['c', 'team-x'], ['team-y', 'b'], ['a']]);
    expect(walk(all, { sort: 'requests', order: 'desc', limit: 3 })).toEqual([['a', 'b', 'c'], ['team-x', 'team-y']]);
  });

  it('filters by prefix and counts the matches in total', () => {
    const page = endpointPage(all, { prefix: 'team-', sort: 'id', order: 'asc', limit: 1 });
    expect(page.endpoints.map((e) => e.id)).toEqual(['team-x']);
    expect(page.total).toBe(2);
    expect(page.nextCursor).not.toBeNull();
  });

  it('has no next cursor on the last page', () => {
    expect(endpointPage(all, { sort: 'id', order: 'asc', limit: 5 }).nextCursor).toBeNull();
  });

  it('does not shift the next page when an earlier endpoint goes away', () => {
    const first = endpointPage(all, { sort: 'id', order: 'asc', limit: 2 });
    const fewer = all.filter((e) => e.id !== 'a');
    const next = endpointPage(fewer, { sort: 'id', order: 'asc', limit: 2, cursor: first.nextCursor ?? undefined });
    expect(next.endpoints.map((e) => e.id)).toEqual(['c', 'team-x']);
  });

  it('refuses a cursor that is not one, or belongs to another query', () => {
    expect(() => endpointPage(all, { sort: 'id', order: 'asc', limit: 2, cursor: 'xyz' })).toThrow(InvalidCursorError);
    const { nextCursor } = endpointPage(all, { sort: 'id', order: 'asc', limit: 2 });
    expect(() => endpointPage(all, { sort: 'upstreams', order: 'asc', limit: 2, cursor: nextCursor ?? undefined })).toThrow(/another query/);
    expect(() => endpointPage(all, { prefix: 'team-', sort: 'id', order: 'asc', limit: 2, cursor: nextCursor ?? undefined })).toThrow(/another query/);
  });
});
