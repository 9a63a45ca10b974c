import type { IncomingMessage } from 'node:http';
import { connectionNamedHeaders, forwardedRequestHeaders, forwardedResponseHeaders } from './forwarded-headers';

function request(rawHeaders: string[]): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i].toLowerCase()] = rawHeaders[i + 1];
  return { rawHeaders, headers, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
}

function names(raw: string[]): string[] {
  return raw.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
}

describe('hop-by-hop headers (RFC 9110 §7.6.1)', () => {
  it('collects the names every Connection header lists, trimmed and lower-cased', () => {
    expect([...connectionNamedHeaders(['Connection', 'keep-alive, X-A ,', 'connection', 'x-b', 'X-A', '1'])]).toEqual(['keep-alive', 'x-a', 'x-b']);
  });

  it('drops the fixed list and every Connection-named header from a request', () => {
    const out = forwardedRequestHeaders(
      request(['Host', 'h', 'Connection', 'X-Hop', 'X-Hop', '1', 'Keep-Alive', 'timeout=5', 'X-Kept', '2', 'Upgrade', 'foo']),
      false,
      false,
    );
    expect(names(out)).toEqual(['host', 'x-kept', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);
  });

  it('keeps TE: trailers, as Go does', () => {
    expect(forwardedRequestHeaders(request(['Host', 'h', 'TE', 'trailers, deflate']), false, false)).toEqual(
      expect.arrayContaining(['TE', 'trailers']),
    );
    expect(names(forwardedRequestHeaders(request(['Host', 'h', 'TE', 'deflate']), false, false))).not.toContain('te');
  });

  it('keeps Connection and Upgrade for an upgrade but drops other named headers', () => {
    const out = forwardedRequestHeaders(request(['Host', 'h', 'Connection', 'Upgrade, X-Hop', 'Upgrade', 'websocket', 'X-Hop', '1']), false, true);
    expect(names(out)).toEqual(['host', 'connection', 'upgrade', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);
  });

  it('drops Connection-named headers from a response', () => {
    expect(forwardedResponseHeaders(['Connection', 'close, X-Internal', 'X-Internal', 'secret', 'Content-Length', '2', 'Transfer-Encoding', 'chunked'])).toEqual([
      'Content-Length',
      '2',
    ]);
  });
});
