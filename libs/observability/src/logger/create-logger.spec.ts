import { Writable } from 'node:stream';
import { createLogger } from './create-logger';

function capture() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  const records = () =>
    text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { destination, text, records };
}

describe('createLogger', () => {
  it('writes one JSON line per record in Go Piko shape', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.destination });
    logger.info('server started', { port: 8000 });
    const [record] = out.records();
    expect(record).toMatchObject({ level: 'info', subsystem: 'main', msg: 'server started', port: 8000 });
    expect(typeof record.ts).toBe('string');
    expect(new Date(record.ts as string).toISOString()).toBe(record.ts);
    expect(record).not.toHaveProperty('pid');
    expect(record).not.toHaveProperty('hostname');
  });

  it('drops records below the level', () => {
    const out = capture();
    const logger = createLogger({ level: 'warn', destination: out.destination });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(out.records().map((r) => [r.level, r.msg])).toEqual([
      ['warn', 'w'],
      ['error', 'e'],
    ]);
  });

  it('names the subsystem of a child, replacing the parent subsystem and keeping other bindings', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.destination });
    const child = logger.child({ subsystem: 'proxy', node: 'n1' }).child({ subsystem: 'proxy.http', endpoint: 'e1' });
    child.info('request');
    const line = out.text().trim();
    expect(JSON.parse(line)).toMatchObject({ subsystem: 'proxy.http', node: 'n1', endpoint: 'e1', msg: 'request' });
    // The subsystem key appears once: a replaced binding is not written twice.
    expect(line.match(/"subsystem"/g)).toHaveLength(1);
  });

  it('writes a key bound by both a parent and its child once, with the child value in the parent place', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', destination: out.destination });
    const parent = logger.child({ nodeId: 'n1', role: 'gateway' });
    parent.child({ nodeId: 'n2', endpointId: 'e1' }).info('a');
    parent.info('b');
    const [a, b] = out.text().trim().split('\n');
    expect(a.match(/"nodeId"/g)).toHaveLength(1);
    expect(Object.keys(JSON.parse(a))).toEqual(['level', 'ts', 'nodeId', 'role', 'endpointId', 'subsystem', 'msg']);
    expect(JSON.parse(a)).toMatchObject({ nodeId: 'n2', role: 'gateway', endpointId: 'e1' });
    expect(JSON.parse(b)).toMatchObject({ nodeId: 'n1', role: 'gateway', msg: 'b' });
  });

  it('logs every level of enabled subsystems (and their children) whatever the level', () => {
    const out = capture();
    const logger = createLogger({ level: 'warn', subsystems: ['proxy'], destination: out.destination });
    logger.child({ subsystem: 'proxy' }).debug('a');
    logger.child({ subsystem: 'proxy.http' }).debug('b');
    logger.child({ subsystem: 'proxyx' }).debug('c');
    logger.child({ subsystem: 'upstream' }).info('d');
    logger.debug('e');
    logger.child({ subsystem: 'upstream' }).warn('f');
    expect(out.records().map((r) => r.msg)).toEqual(['a', 'b', 'f']);
  });

  it('serializes errors with message and stack', () => {
    const out = capture();
    createLogger({ level: 'info', destination: out.destination }).error('failed', { err: new Error('boom') });
    const [record] = out.records();
    expect(record.err).toMatchObject({ type: 'Error', message: 'boom' });
    expect((record.err as { stack: string }).stack).toContain('boom');
  });

  it('never writes a secret in fields, bindings or nested headers', () => {
    const secret = 'Bearer eyJhbGciOiJIUzI1NiJ9.s3cr3t-payload.sig';
    const out = capture();
    const logger = createLogger({ level: 'debug', destination: out.destination });
    logger.info('request', {
      headers: { Authorization: secret, 'X-Piko-Authorization': secret, cookie: `session=${secret}`, 'x-piko-endpoint': 'my-endpoint' },
      rawHeaders: ['Host', 'example.com', 'AUTHORIZATION', secret],
      response: { headers: { 'set-cookie': [`a=${secret}`, `b=${secret}`] } },
      connect: { token: secret },
      list: [{ deep: { deeper: { authorization: secret } } }],
    });
    logger.child({ subsystem: 'agent', token: secret }).warn('connecting');
    logger.child({ upstream: { headers: { authorization: secret } } }).error('bound');

    const text = out.text();
    expect(text).not.toContain('s3cr3t');
    const [request, connecting, bound] = out.records();
    expect(request.headers).toEqual({
      Authorization: '[REDACTED]',
      'X-Piko-Authorization': '[REDACTED]',
      cookie: '[REDACTED]',
      'x-piko-endpoint': 'my-endpoint',
    });
    expect(request.rawHeaders).toEqual(['Host', 'example.com', 'AUTHORIZATION', '[REDACTED]']);
    expect(request.response).toEqual({ headers: { 'set-cookie': '[REDACTED]' } });
    expect(request.connect).toEqual({ token: '[REDACTED]' });
    expect(connecting.token).toBe('[REDACTED]');
    expect(bound.upstream).toEqual({ headers: { authorization: '[REDACTED]' } });
  });

  it('does not modify the fields object it was given', () => {
    const out = capture();
    const headers = { authorization: 'secret' };
    createLogger({ level: 'info', destination: out.destination }).info('x', { headers });
    expect(headers.authorization).toBe('secret');
  });
});
