import type { IncomingMessage, ServerResponse } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Inspector, MAX_RUNTIME_SWITCHES } from './inspector';

const OPTIONS = { endpoints: ['configured'], ringSize: 10, bodyBytes: 1024, maxMemoryBytes: 1 << 20, redactHeaders: [], omitContentTypes: [], replayTimeoutMs: 1000 };

function inspector(endpoints: string[] = ['configured']): Inspector {
  return new Inspector('node-1', { ...OPTIONS, endpoints }, { clientAddress: () => '203.0.113.9', errorOf: () => undefined });
}

function request(remoteAddress = '198.51.100.7', remotePort = 40000): IncomingMessage {
  return { method: 'GET', url: '/x', httpVersion: '1.1', headers: {}, rawHeaders: ['Host', 'h'], socket: { remoteAddress, remotePort } } as unknown as IncomingMessage;
}

const response = () => ({ on: () => undefined }) as unknown as ServerResponse;

describe('Inspector', () => {
  it('captures only the configured endpoints, or every one with *', () => {
    const some = inspector();
    expect(some.http(request(), response(), 'configured')).not.toBeNull();
    expect(some.http(request(), response(), 'other')).toBeNull();
    expect(some.connection(request(), 'other', 'websocket')).toBeNull();
    expect(inspector(['*']).http(request(), response(), 'anything')).not.toBeNull();
    expect(inspector([]).http(request(), response(), 'configured')).toBeNull();
  });

  it('switches endpoints at run time; off forgets their captures', () => {
    const i = inspector([]);
    expect(i.state('e')).toEqual({ endpoint_id: 'e', enabled: false, source: 'config' });
    expect(i.setEnabled('e', true)).toEqual({ endpoint_id: 'e', enabled: true, source: 'runtime' });
    const capture = i.http(request(), response(), 'e');
    expect(capture?.exchange.id).toBe('node-1.1');
    expect(i.store.size).toBe(1);
    i.setEnabled('e', false);
    expect(i.store.size).toBe(0);
    expect(i.http(request(), response(), 'e')).toBeNull();
    expect(i.setEnabled('configured', false).enabled).toBe(false);
    expect(i.http(request(), response(), 'configured')).toBeNull();
  });

  it('keeps neither the response nor its request alive with the record (max_memory counts what is kept)', async () => {
    // The claim closure used to share the constructor's context with the 'close' listener, which
    // holds the capture: a kept record kept its ServerResponse and IncomingMessage (~4.4 KB each
    // where ~0.9 KB was counted; an exhaustion trial's 32 MiB of records held ~150 MB of heap).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const i = inspector();
    const refs = ((): Array<WeakRef<object>> => {
      const listeners = new Map<string, () => void>();
      const req = { ...request(), headers: { 'content-length': '3' } } as unknown as IncomingMessage;
      const res = { req, on: (event: string, listener: () => void) => listeners.set(event, listener), headersSent: true, statusCode: 200, statusMessage: 'OK', getHeaders: () => ({}) } as unknown as ServerResponse;
      const capture = i.http(req, res, 'configured');
      capture?.exchange.requestBody?.add(Buffer.from('abc'));
      listeners.get('close')?.();
      return [new WeakRef(res), new WeakRef(req)];
    })();
    for (let n = 0; n < 10 && refs.some((ref) => ref.deref() !== undefined); n++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(i.store.size).toBe(1);
    expect(i.store.get('node-1.1')?.requestBody?.kept).toBe(3);
    expect(refs.map((ref) => ref.deref())).toEqual([undefined, undefined]);
  });

  it('bounds the runtime switches', () => {
    const i = inspector([]);
    for (let n = 0; n < MAX_RUNTIME_SWITCHES; n++) i.setEnabled(`e${n}`, false);
    expect(() => i.setEnabled('one-more', true)).toThrow(/at most/);
    expect(i.setEnabled('e0', true).enabled).toBe(true);
  });

  it('knows a replay by the exact loopback address and port it comes from, and no other connection', () => {
    const i = inspector([]);
    const forget = i.expectReplay('127.0.0.1', 5000, { originalId: 'node-1.7', endpointId: 'e', done: () => undefined });
    expect(i.isReplay(request('127.0.0.1', 5000))).toBe(true);
    expect(i.isReplay(request('::ffff:127.0.0.1', 5000))).toBe(true);
    expect(i.isReplay(request('127.0.0.2', 5000))).toBe(false);
    expect(i.isReplay(request('127.0.0.1', 5001))).toBe(false);
    expect(i.isReplay(request('198.51.100.7', 5000))).toBe(false);
    // A replay is captured whatever the endpoint's switch, marked as such.
    expect(i.http(request('127.0.0.1', 5000), response(), 'not-inspected')?.exchange.replayOf).toBe('node-1.7');
    // It may reach only its original's endpoint; another connection is no replay at all.
    expect(i.replayElsewhere(request('127.0.0.1', 5000), 'e')).toBe(false);
    expect(i.replayElsewhere(request('127.0.0.1', 5000), 'other')).toBe(true);
    expect(i.replayElsewhere(request('127.0.0.1', 5001), 'other')).toBe(false);
    forget();
    expect(i.isReplay(request('127.0.0.1', 5000))).toBe(false);
  });

  it('knows a replay over IPv6 loopback (a proxy bound to :: or ::1, as the default :8000)', () => {
    const i = inspector([]);
    const forget = i.expectReplay('::1', 5000, { originalId: 'node-1.8', endpointId: 'e', done: () => undefined });
    expect(i.isReplay(request('::1', 5000))).toBe(true);
    expect(i.isReplay(request('::1', 5001))).toBe(false);
    expect(i.isReplay(request('::2', 5000))).toBe(false);
    expect(i.http(request('::1', 5000), response(), 'not-inspected')?.exchange.replayOf).toBe('node-1.8');
    expect(i.replayElsewhere(request('::1', 5000), 'other')).toBe(true);
    forget();
    expect(i.isReplay(request('::1', 5000))).toBe(false);
  });

  it('redacts the request head as it records it', () => {
    const i = inspector();
    const req = { ...request(), rawHeaders: ['Host', 'h', 'Authorization', 'Bearer secret', 'X-Api-Key', 'k'] } as unknown as IncomingMessage;
    const record = i.http(req, response(), 'configured')?.exchange.record();
    expect(record?.request.headers).toEqual([['Host', 'h'], ['Authorization', '[redacted]'], ['X-Api-Key', '[redacted]']]);
    expect(record?.client_addr).toBe('203.0.113.9');
  });

  it('keeps no body of an omitted content type (type or family), and counts it; such a request is not replayable', () => {
    const i = new Inspector('node-1', { ...OPTIONS, omitContentTypes: ['multipart/form-data', 'image/*'] }, { clientAddress: () => '', errorOf: () => undefined });
    const upload = (type: string) =>
      ({ ...request(), method: 'POST', headers: { 'content-type': type, 'content-length': '3' }, rawHeaders: ['Content-Type', type] }) as unknown as IncomingMessage;
    for (const type of ['multipart/form-data; boundary=x', 'IMAGE/png']) {
      const exchange = i.http(upload(type), response(), 'configured')!.exchange;
      exchange.requestBody?.add(Buffer.from('abc'));
      exchange.requestBody!.complete = true;
      expect(exchange.record().request.body).toEqual({ size: 3, kept: '', truncated: true, omitted: 'content_type' });
      expect(exchange.replayable).toBe(false);
    }
    const kept = i.http(upload('text/plain'), response(), 'configured')!.exchange;
    kept.requestBody?.add(Buffer.from('abc'));
    kept.requestBody!.complete = true;
    expect(kept.record().request.body).toEqual({ size: 3, kept: Buffer.from('abc').toString('base64'), truncated: false });
    expect(kept.replayable).toBe(true);
  });
});
