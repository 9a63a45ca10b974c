import { Http1Framer } from './http1-framer';

/** Feeds `bytes` in pieces of `size` and records what the framer reports. */
function run(mode: 'request' | 'response', bytes: string, size: number, options: { rewrite?: boolean; methods?: string[] } = {}) {
  const events: string[] = [];
  const forwarded: Buffer[] = [];
  const methods = [...(options.methods ?? [])];
  const framer: Http1Framer = new Http1Framer(
    mode,
    1024,
    {
      startLine: (line, position) => {
        events.push(`start ${line.toString('latin1')} @${position}`);
        return options.rewrite ? Buffer.from(line.toString('latin1').replace(' /', ' /p/'), 'latin1') : undefined;
      },
      headEnd: () => undefined,
      interim: (status) => events.push(`interim ${status}`),
      messageEnd: (position) => {
        events.push(`end @${position}`);
        if (mode === 'response') methods.shift();
      },
      data: (b) => forwarded.push(Buffer.from(b)),
      lost: (reason) => events.push(`lost ${reason}`),
    },
    () => methods[0] ?? 'GET',
  );
  const buffer = Buffer.from(bytes, 'latin1');
  for (let i = 0; i < buffer.length; i += size) framer.push(buffer.subarray(i, i + size));
  return { events, forwarded: Buffer.concat(forwarded).toString('latin1'), framer };
}

const REQUESTS =
  'GET /a HTTP/1.1\r\nHost: h\r\n\r\n' +
  'POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello' +
  'PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\none,\r\n3\r\ntwo\r\n0\r\nX-Trailer: t\r\n\r\n' +
  'GET /d HTTP/1.1\n\n';

describe('Http1Framer', () => {
  it.each([1, 2, 7, 1000])('finds every request and forwards every byte, in pieces of %i', (size) => {
    const { events, forwarded } = run('request', REQUESTS, size);
    expect(events).toEqual(['start GET /a HTTP/1.1 @0', 'end @28', 'start POST /b HTTP/1.1 @28', 'end @72', 'start PUT /c HTTP/1.1 @72', 'end @161', 'start GET /d HTTP/1.1 @161', 'end @178']);
    expect(forwarded).toBe(REQUESTS);
  });

  it.each([1, 3, 1000])('rewrites every request line, keeping each line end, in pieces of %i', (size) => {
    const { forwarded } = run('request', REQUESTS, size, { rewrite: true });
    expect(forwarded).toBe(REQUESTS.replace(/(GET|POST|PUT) \//g, '$1 /p/'));
  });

  it.each([1, 5, 1000])('frames responses: HEAD, 204, 304, interim 1xx, chunked, then one until close (pieces of %i)', (size) => {
    const responses =
      'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n' + // HEAD: no body despite the length
      'HTTP/1.1 204 No Content\r\n\r\n' +
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' +
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n' +
      'HTTP/1.0 200 OK\r\n\r\nuntil close';
    const { events, framer } = run('response', responses, size, { methods: ['HEAD', 'GET', 'POST', 'GET', 'GET', 'GET'] });
    expect(events.filter((e) => !e.startsWith('start'))).toEqual(['end @39', 'end @66', 'interim 100', 'interim 103', 'end @168', 'end @216', 'end @281']);
    expect(framer.untilClose).toBe(true);
    framer.end();
    expect(events[events.length - 1]).toBe(`end @${responses.length}`);
    expect(framer.atMessageBoundary).toBe(true);
  });

  it('turns into a tunnel after a 101 and after a 2xx to CONNECT', () => {
    const upgraded = run('response', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi', 4);
    expect(upgraded.events).toEqual(['start HTTP/1.1 101 Switching Protocols @0', 'end @56']);
    expect(upgraded.framer.tunnel).toBe(true);
    expect(run('response', 'HTTP/1.1 200 OK\r\n\r\nraw', 100, { methods: ['CONNECT'] }).framer.tunnel).toBe(true);
  });

  it('gives up on framing it cannot follow, passing the rest through', () => {
    const bad = 'POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello';
    const { events, forwarded, framer } = run('request', bad, 1000);
    expect(events).toContain('lost bad Content-Length');
    expect(framer.tunnel).toBe(true);
    expect(forwarded).toBe(bad);
    expect(run('request', 'POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 1000).events).toContain('lost request Transfer-Encoding does not end in chunked');
    expect(run('request', 'PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 1000).events).toContain('lost bad chunk size');
    expect(run('request', `GET /${'a'.repeat(2000)}`, 100).events).toEqual(['lost line longer than 1024 bytes']);
  });
});
