import { FinalStatusProbe, RequestLine, hasPathPrefix, parseStatus } from './request-line';

describe('RequestLine', () => {
  it('waits for the end of the line, then splits it (CRLF or bare LF)', () => {
    expect(RequestLine.parse(Buffer.from('GET /a?b=1 HTTP/1.1'))).toBeUndefined();
    const line = RequestLine.parse(Buffer.from('GET /a?b=1 HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(line).toMatchObject({ method: 'GET', target: '/a?b=1', version: 'HTTP/1.1', length: 19 });
    expect(RequestLine.parse(Buffer.from('PUT /x HTTP/1.0\nHost: h\n\n'))).toMatchObject({ method: 'PUT', target: '/x', length: 15 });
  });

  it('rewrites the origin-form target only, keeping every other byte', () => {
    const target = new URL('http://h/api');
    const head = Buffer.from('GET /users?x=1 HTTP/1.1\r\nX-A: /users\r\n\r\n\xff', 'latin1');
    const line = RequestLine.parse(head) as RequestLine;
    expect(line.rewrite(head, target).toString('latin1')).toBe('GET /api/users?x=1 HTTP/1.1\r\nX-A: /users\r\n\r\n\xff');
    const star = Buffer.from('OPTIONS * HTTP/1.1\r\n\r\n');
    expect((RequestLine.parse(star) as RequestLine).rewrite(star, target)).toBe(star);
  });
});

describe('hasPathPrefix', () => {
  it('is true only for a target with a path or a query', () => {
    expect(hasPathPrefix(new URL('http://localhost:3000'))).toBe(false);
    expect(hasPathPrefix(new URL('http://localhost:3000/'))).toBe(false);
    expect(hasPathPrefix(new URL('http://localhost:3000/api'))).toBe(true);
    expect(hasPathPrefix(new URL('http://localhost:3000/?k=v'))).toBe(true);
  });
});

describe('parseStatus', () => {
  it('reads the status code once 12 bytes are in', () => {
    expect(parseStatus(Buffer.from('HTTP/1.1 20'))).toBeUndefined();
    expect(parseStatus(Buffer.from('HTTP/1.1 204 No Content\r\n'))).toBe(204);
    expect(parseStatus(Buffer.from('SSH-2.0-OpenSSH_9'))).toBe(0);
  });
});

describe('FinalStatusProbe', () => {
  it('skips interim responses, however the bytes are split', () => {
    const bytes = Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n');
    for (const size of [1, 5, 13, bytes.length]) {
      const probe = new FinalStatusProbe();
      let status: number | undefined;
      for (let i = 0; i < bytes.length; i += size) status = probe.feed(bytes.subarray(i, i + size));
      expect(status).toBe(404);
    }
  });

  it('takes 101 as final, and a non-HTTP start as 0', () => {
    expect(new FinalStatusProbe().feed(Buffer.from('HTTP/1.1 101 Switching Protocols\r\n\r\n'))).toBe(101);
    expect(new FinalStatusProbe().feed(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'))).toBe(0);
  });
});
