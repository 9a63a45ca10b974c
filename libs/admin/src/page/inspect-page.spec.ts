// The status page's request inspector: its pure parts (filters, body decoding, the response
// diff, the replay form's header lines), run in Node with records of the inspection API's shape.
// The DOM that shows them is tested in Chromium (tests/system/inspect-page.test.ts).
import { base64Bytes, bodyView, bytesBase64, describeBody, hexDump, utf8Text } from '../../page/src/body-format';
import type { ExchangeRecord, ExchangeSummary } from '../../page/src/exchange-types';
import { headersToText, textToHeaders } from '../../page/src/header-lines';
import { filterQuery, matchesFilter, newestFirst, NO_FILTER } from '../../page/src/request-filter';
import { diffHeaders, diffResponses } from '../../page/src/response-diff';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

function summary(over: Partial<ExchangeSummary> = {}): ExchangeSummary {
  return {
    id: 'proxy-a.1',
    endpoint_id: 'web',
    proxy_node: 'proxy-a',
    gateway_node: 'gateway-a',
    kind: 'http',
    started_at: '2026-11-30T16:00:00.000Z',
    client_addr: '127.0.0.1:50000',
    method: 'GET',
    target: '/api/items?x=1',
    status: 200,
    ttfb_ms: 1.5,
    total_ms: 2,
    bytes_in: 0,
    bytes_out: 10,
    replayable: true,
    ...over,
  };
}

function record(response: { status: number; headers: Array<[string, string]>; body: string | Buffer; truncated?: boolean }, id = 'proxy-a.1'): ExchangeRecord {
  return {
    ...summary({ id, status: response.status }),
    http_version: '1.1',
    request: { headers: [['host', 'x']], body: { size: 0, kept: '', truncated: false } },
    response: { reason: 'OK', headers: response.headers, body: { size: Buffer.from(response.body).length + (response.truncated ? 100 : 0), kept: b64(response.body), truncated: !!response.truncated } },
  };
}

describe('request filters (the same test as the API applies, for live captures)', () => {
  it('matches an exact status, a status class, a method and a target prefix', () => {
    const s = summary({ status: 502, method: 'POST', target: '/api/x' });
    expect(matchesFilter(s, NO_FILTER)).toBe(true);
    expect(matchesFilter(s, { ...NO_FILTER, status: '502' })).toBe(true);
    expect(matchesFilter(s, { ...NO_FILTER, status: '503' })).toBe(false);
    expect(matchesFilter(s, { ...NO_FILTER, status: '5xx' })).toBe(true);
    expect(matchesFilter(s, { ...NO_FILTER, status: '4xx' })).toBe(false);
    expect(matchesFilter(s, { ...NO_FILTER, method: 'POST' })).toBe(true);
    expect(matchesFilter(s, { ...NO_FILTER, method: 'GET' })).toBe(false);
    expect(matchesFilter(s, { ...NO_FILTER, pathPrefix: '/api/' })).toBe(true);
    expect(matchesFilter(s, { ...NO_FILTER, pathPrefix: '/web/' })).toBe(false);
    // The prefix is of the path: the query is not part of it.
    expect(matchesFilter(summary({ target: '/a?b=1' }), { ...NO_FILTER, pathPrefix: '/a?' })).toBe(false);
  });

  it('sends only the filters given, in the API spelling', () => {
    expect(filterQuery({ status: '5xx', method: '', pathPrefix: '/a b' }, 50)).toBe('status=5xx&path_prefix=%2Fa+b&limit=50');
  });

  it('orders newest first, and by sequence within one millisecond', () => {
    const list = [summary({ id: 'p.9' }), summary({ id: 'p.10' }), summary({ id: 'p.1', started_at: '2026-11-30T16:00:01.000Z' })];
    expect(list.sort(newestFirst).map((s) => s.id)).toEqual(['p.1', 'p.10', 'p.9']);
  });
});

describe('bodies', () => {
  it('round-trips bytes through base64, every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base64Bytes(bytesBase64(all))).toEqual(all);
    expect(bytesBase64(new TextEncoder().encode('héllo'))).toBe(b64('héllo'));
  });

  it('says the size, and where it was cut, in bytes', () => {
    expect(describeBody({ size: 10240, kept: b64('x'.repeat(1024)), truncated: true }, 1024)).toBe('10,240 bytes; cut: only the first 1,024 bytes were kept');
    expect(describeBody({ size: 5, kept: b64('hello'), truncated: false }, 5)).toBe('5 bytes (all kept)');
    expect(describeBody({ size: 0, kept: '', truncated: false }, 0)).toBe('no body');
    expect(describeBody({ size: 300, kept: '', truncated: true, omitted: 'content_type' }, 0)).toMatch(/^300 bytes; not kept: its content type is never stored/);
    expect(describeBody({ size: 70, kept: '', truncated: true, omitted: 'stream' }, 0)).toMatch(/a stream is recorded as a connection/);
  });

  it('prefers pretty JSON, then text, then hex', () => {
    const json = bodyView({ size: 13, kept: b64('{"a":[1,"<b>"]}'), truncated: false }, 'application/json');
    expect(json.preferred).toBe('json');
    expect(json.json).toBe('{\n  "a": [\n    1,\n    "<b>"\n  ]\n}');
    const text = bodyView({ size: 5, kept: b64('hello'), truncated: false });
    expect([text.preferred, text.text, text.json]).toEqual(['text', 'hello', undefined]);
    const binary = bodyView({ size: 4, kept: b64(Buffer.from([0, 1, 0xff, 0x41])), truncated: false });
    expect([binary.preferred, binary.text]).toEqual(['hex', undefined]);
  });

  it('reads a UTF-8 body cut inside a character as text, but not a whole body with a broken one', () => {
    const cut = Buffer.from('aé').subarray(0, 2); // 'a' and the first byte of 'é'
    expect(utf8Text(cut, true)).toBe('a');
    expect(utf8Text(cut, false)).toBeUndefined();
  });

  it('dumps hex as xxd does', () => {
    expect(hexDump(new TextEncoder().encode('Hello, world!\n\x00\x01ABC'))).toBe(
      '00000000: 4865 6c6c 6f2c 2077 6f72 6c64 210a 0001  Hello, world!...\n00000010: 4142 43                                  ABC',
    );
  });
});

describe('the response diff', () => {
  it('compares headers by lower-cased name, each name once, in the original order then the new ones', () => {
    expect(
      diffHeaders(
        [['Content-Type', 'text/plain'], ['Set-Cookie', 'a'], ['Set-Cookie', 'b'], ['X-Old', '1']],
        [['content-type', 'text/plain'], ['set-cookie', 'a'], ['X-New', '2']],
      ),
    ).toEqual([
      { name: 'Content-Type', before: ['text/plain'], after: ['text/plain'], change: 'same' },
      { name: 'Set-Cookie', before: ['a', 'b'], after: ['a'], change: 'changed' },
      { name: 'X-Old', before: ['1'], after: [], change: 'removed' },
      { name: 'X-New', before: [], after: ['2'], change: 'added' },
    ]);
  });

  it('diffs JSON bodies as pretty JSON, line by line, and says the status changed', () => {
    const d = diffResponses(
      record({ status: 200, headers: [['content-type', 'application/json']], body: '{"count":1,"name":"a"}' }),
      record({ status: 500, headers: [['content-type', 'application/json']], body: '{"count":2,"name":"a"}' }, 'proxy-a.2'),
    );
    expect(d.status).toEqual({ before: 200, after: 500 });
    expect(d.bodySame).toBe(false);
    expect(d.bodyNote).toBe('compared as JSON');
    expect(d.body).toEqual([
      { change: 'same', text: '{\n' },
      { change: 'removed', text: '  "count": 1,\n' },
      { change: 'added', text: '  "count": 2,\n' },
      { change: 'same', text: '  "name": "a"\n}\n' },
    ]);
  });

  it('diffs binary bodies as hex dumps, and says when a cut limits the comparison', () => {
    const d = diffResponses(
      record({ status: 200, headers: [], body: Buffer.from([0, 1, 2]), truncated: true }),
      record({ status: 200, headers: [], body: Buffer.from([0, 1, 2]) }, 'proxy-a.2'),
    );
    expect(d.bodySame).toBe(true);
    expect(d.bodyNote).toBe('compared as hex; the original was cut: only the kept bytes are compared');
    expect(d.body?.every((p) => p.change === 'same')).toBe(true);
  });

  it('compares a missing response (a 502 Piko made) as no status and no body', () => {
    const failed: ExchangeRecord = { ...record({ status: 0, headers: [], body: '' }), response: null, error: { status: 502, cause: 'upstream unreachable' } };
    const d = diffResponses(failed, record({ status: 200, headers: [['x', '1']], body: 'ok' }, 'p.2'));
    expect(d.status).toEqual({ before: 0, after: 200 });
    expect(d.headers).toEqual([{ name: 'x', before: [], after: ['1'], change: 'added' }]);
    expect(d.body).toEqual([{ change: 'added', text: 'ok\n' }]);
  });
});

describe('the replay form’s header lines', () => {
  it('round-trips headers, and names the first line that is not one', () => {
    const headers: Array<[string, string]> = [['Host', 'web'], ['X-A', 'b: c']];
    expect(textToHeaders(headersToText(headers))).toEqual(headers);
    expect(textToHeaders('A: 1\n\n  \nB:2  ')).toEqual([['A', '1'], ['B', '2']]);
    expect(() => textToHeaders('A: 1\nnot a header')).toThrow('line 2 is not "Name: value": not a header');
    expect(() => textToHeaders('Bad Name: x')).toThrow(/line 1/);
  });
});
