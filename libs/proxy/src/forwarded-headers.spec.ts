import type { IncomingMessage } from 'node:http';
import { compileTrustedProxies } from './client-address';
import { connectionNamedHeaders, forwardedRequestHeaders, forwardedResponseHeaders } from './forwarded-headers';

function request(rawHeaders: string[], remoteAddress = '127.0.0.1'): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i].toLowerCase()] = rawHeaders[i + 1];
  return { rawHeaders, headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

/** The forwarded headers as [name as sent, value] pairs. */
function fields(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
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
      request(['Host', 'h', 'Connection', 'X-Hop', 'X-Hop', '1', 'Keep-Alive', 'timeout=5', 'X-Kept', '2', 'Upgrade', 'foo']), { tls: false }, false);
    expect(names(out)).toEqual(['host', 'x-kept', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);
  });

  it('never lets Connection remove Host or Content-Length, as Go (they live outside its header map)', () => {
    const out = forwardedRequestHeaders(request(['Host', 'h', 'Connection', 'Host, Content-Length, X-Hop', 'Content-Length', '3', 'X-Hop', '1']), { tls: false }, false);
    expect(names(out)).toEqual(['host', 'content-length', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);
  });

  it('keeps TE: trailers, as Go does', () => {
    expect(forwardedRequestHeaders(request(['Host', 'h', 'TE', 'trailers, deflate']), { tls: false }, false)).toEqual(
      expect.arrayContaining(['TE', 'trailers']),
    );
    expect(names(forwardedRequestHeaders(request(['Host', 'h', 'TE', 'deflate']), { tls: false }, false))).not.toContain('te');
  });

  it('keeps Connection and Upgrade for an upgrade but drops other named headers', () => {
    const out = forwardedRequestHeaders(request(['Host', 'h', 'Connection', 'Upgrade, X-Hop', 'Upgrade', 'websocket', 'X-Hop', '1']), { tls: false }, true);
    expect(names(out)).toEqual(['host', 'connection', 'upgrade', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);
  });

  it('drops Connection-named headers from a response', () => {
    expect(forwardedResponseHeaders(['Connection', 'close, X-Internal', 'X-Internal', 'secret', 'Content-Length', '2', 'Transfer-Encoding', 'chunked'])).toEqual([
      'Content-Length',
      '2',
    ]);
  });
});

describe('forwarding headers in every spelling, and proxy.trusted_proxies', () => {
  const spoofed = [
    'X-Forwarded-For', '6.6.6.6',
    'X_Forwarded_For', '6.6.6.7',
    'x-forwarded_for', '6.6.6.8',
    'X-Forwarded-Proto', 'https',
    'X_Forwarded_Proto', 'https',
    'X-Forwarded_Host', 'evil.example',
    'X-Forwarded-Port', '443',
    'Forwarded', 'for=6.6.6.6',
    'X-Real-IP', '6.6.6.6',
    'X_Real_IP', '6.6.6.6',
    'X-Client-IP', '6.6.6.6',
    'True-Client-IP', '6.6.6.6',
    'CF-Connecting-IP', '6.6.6.6',
    'cf_connecting_ip', '6.6.6.9',
    'Fastly-Client-IP', '6.6.6.6',
    'X-Cluster-Client-IP', '6.6.6.6',
    'X-Original-Forwarded-For', '6.6.6.6',
    'X-Forwarded', 'for=6.6.6.6',
    'Client-IP', '6.6.6.6',
    'X_Piko_Forward', 'true',
    'X-Kept_Header', 'ok',
  ];

  it('from an untrusted peer: every spelling dropped, ours set from the socket; other underscore names pass', () => {
    const out = forwardedRequestHeaders(request(['Host', 'svc.example', ...spoofed], '203.0.113.7'), { tls: false }, false);
    expect(fields(out)).toEqual([
      ['Host', 'svc.example'],
      ['X-Kept_Header', 'ok'],
      ['X-Forwarded-For', '203.0.113.7'],
      ['X-Forwarded-Proto', 'http'],
      ['X-Forwarded-Host', 'svc.example'],
    ]);
  });

  it('from a trusted peer: its hyphenated headers kept, X-Forwarded-For appended, underscore spellings still dropped', () => {
    const trustedProxies = compileTrustedProxies(['10.0.0.0/8']);
    const out = forwardedRequestHeaders(request(['Host', 'svc.example', ...spoofed], '::ffff:10.1.2.3'), { tls: false, trustedProxies }, false);
    expect(fields(out)).toEqual([
      ['Host', 'svc.example'],
      ['X-Forwarded-Proto', 'https'],
      ['X-Forwarded-Port', '443'],
      ['Forwarded', 'for=6.6.6.6'],
      ['X-Real-IP', '6.6.6.6'],
      ['X-Client-IP', '6.6.6.6'],
      ['True-Client-IP', '6.6.6.6'],
      ['CF-Connecting-IP', '6.6.6.6'],
      ['Fastly-Client-IP', '6.6.6.6'],
      ['X-Cluster-Client-IP', '6.6.6.6'],
      ['X-Original-Forwarded-For', '6.6.6.6'],
      ['X-Forwarded', 'for=6.6.6.6'],
      ['Client-IP', '6.6.6.6'],
      ['X-Kept_Header', 'ok'],
      ['X-Forwarded-For', '6.6.6.6, 10.1.2.3'],
      ['X-Forwarded-Host', 'svc.example'],
    ]);
  });

  it('a peer outside the trusted CIDRs is untrusted (IPv6 too)', () => {
    const trustedProxies = compileTrustedProxies(['10.0.0.0/8', '2001:db8::/32']);
    const from = (peer: string): string[] =>
      forwardedRequestHeaders(request(['Host', 'h', 'X-Forwarded-For', '6.6.6.6'], peer), { tls: true, trustedProxies }, false);
    expect(fields(from('11.0.0.1'))).toContainEqual(['X-Forwarded-For', '11.0.0.1']);
    expect(fields(from('2001:db9::1'))).toContainEqual(['X-Forwarded-For', '2001:db9::1']);
    expect(fields(from('2001:db8::1'))).toContainEqual(['X-Forwarded-For', '6.6.6.6, 2001:db8::1']);
  });
});
