import type { IncomingMessage } from 'node:http';
import { headerCountLimit, normaliseRequestTarget, refuseRequestHead } from './request-head';

function request(url: string, rawHeaders: string[], version = '1.1', method = 'GET'): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i].toLowerCase()] ??= rawHeaders[i + 1];
  const [major, minor] = version.split('.').map(Number);
  return { url, method, rawHeaders, headers, httpVersionMajor: major, httpVersionMinor: minor } as unknown as IncomingMessage;
}

describe('refuseRequestHead', () => {
  it('passes a request with one Host and no more header fields than the limit', () => {
    expect(refuseRequestHead(request('/', ['Host', 'a', 'X', '1']), 2)).toBeUndefined();
  });
  it('431 over the header count limit', () => {
    expect(refuseRequestHead(request('/', ['Host', 'a', 'X', '1', 'Y', '2']), 2)).toEqual({ status: 431, message: 'too many request headers' });
  });
  it('400 for two Host fields, whatever their case', () => {
    expect(refuseRequestHead(request('/', ['Host', 'a', 'HOST', 'b']), 10)).toEqual({ status: 400, message: 'too many host headers' });
  });
  it('400 for HTTP/1.1 without Host; HTTP/1.0 and CONNECT need none', () => {
    expect(refuseRequestHead(request('/', []), 10)).toEqual({ status: 400, message: 'missing required host header' });
    expect(refuseRequestHead(request('/', [], '1.0'), 10)).toBeUndefined();
    expect(refuseRequestHead(request('a:443', [], '1.1', 'CONNECT'), 10)).toBeUndefined();
  });
  it('501 for a Transfer-Encoding other than one field of exactly chunked (any case), as Go', () => {
    const unsupported = { status: 501, message: 'unsupported transfer encoding' };
    expect(refuseRequestHead(request('/', ['Host', 'a', 'Transfer-Encoding', 'chunked']), 10)).toBeUndefined();
    expect(refuseRequestHead(request('/', ['Host', 'a', 'transfer-encoding', 'Chunked']), 10)).toBeUndefined();
    expect(refuseRequestHead(request('/', ['Host', 'a', 'Transfer-Encoding', 'gzip, chunked']), 10)).toEqual(unsupported);
    expect(refuseRequestHead(request('/', ['Host', 'a', 'Transfer-Encoding', 'identity, chunked']), 10)).toEqual(unsupported);
    expect(refuseRequestHead(request('/', ['Host', 'a', 'Transfer-Encoding', 'gzip']), 10)).toEqual(unsupported);
    expect(refuseRequestHead(request('/', ['Host', 'a', 'Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked']), 10)).toEqual(unsupported);
  });
  it("Node's maxHeadersCount is one over the limit, so an over-limit head is seen as such", () => {
    expect(headerCountLimit(500)).toBe(501);
  });
});

describe('normaliseRequestTarget (RFC 9112 §3.2.2)', () => {
  it("absolute-form: the authority (less userinfo) replaces Host, parsed and raw; the target becomes origin-form", () => {
    const req = request('http://user:pw@a.example:8080/x?y=1', ['Host', 'b.example', 'X', '1']);
    normaliseRequestTarget(req);
    expect(req.url).toBe('/x?y=1');
    expect(req.headers.host).toBe('a.example:8080');
    expect(req.rawHeaders).toEqual(['Host', 'a.example:8080', 'X', '1']);
  });
  it('absolute-form without a path or Host (HTTP/1.0): "/" and a Host field added', () => {
    const req = request('https://a.example?q', [], '1.0');
    normaliseRequestTarget(req);
    expect(req.url).toBe('/?q');
    expect(req.rawHeaders).toEqual(['Host', 'a.example']);
  });
  it('an empty authority keeps the Host header', () => {
    const req = request('http:///x', ['Host', 'b']);
    normaliseRequestTarget(req);
    expect([req.url, req.headers.host]).toEqual(['/x', 'b']);
  });
  it('a reserved path is spelled normalised; others stay as sent', () => {
    const reserved = request('/%5fpiko/v1/tcp/e', ['Host', 'b']);
    normaliseRequestTarget(reserved);
    expect(reserved.url).toBe('/_piko/v1/tcp/e');
    const other = request('/a/./b', ['Host', 'b']);
    normaliseRequestTarget(other);
    expect(other.url).toBe('/a/./b');
  });
});
