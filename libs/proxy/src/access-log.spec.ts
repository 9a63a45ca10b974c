import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LogFields, Logger, LogLevel } from '@piko/observability';
import { type AccessLogOptions, ProxyAccessLog } from './access-log';

interface Line {
  level: LogLevel;
  msg: string;
  fields: LogFields;
}

function recorder(lines: Line[]): Logger {
  const at = (level: LogLevel) => (msg: string, fields: LogFields = {}) => void lines.push({ level, msg, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

const DEFAULTS: AccessLogOptions = {
  disable: false,
  level: 'info',
  requestHeaders: { allowList: [], blockList: [] },
  responseHeaders: { allowList: [], blockList: [] },
  query: 'strip',
  redactQueryParams: ['token'],
};

/** Serves one request with `handler` through a real HTTP server, logging it as the proxy does. */
async function serveOnce(options: AccessLogOptions, path: string, headers: Record<string, string>, handler: (res: ServerResponse, log: ProxyAccessLog) => void): Promise<Line[]> {
  const lines: Line[] = [];
  const log = new ProxyAccessLog(options, recorder(lines));
  const logged = new Promise<void>((resolve) => {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      res.once('close', () => {
        log.request(req, res, 1.234);
        server.close();
        resolve();
      });
      handler(res, log);
    });
    server.listen(0, '127.0.0.1', () => {
      const req = request({ port: (server.address() as AddressInfo).port, path, headers }, (res) => res.resume());
      req.end();
    });
  });
  await logged;
  return lines;
}

describe('ProxyAccessLog', () => {
  it('logs method, host, the path without its query, status, and filtered headers given to writeHead as a raw list', async () => {
    const lines = await serveOnce(
      { ...DEFAULTS, requestHeaders: { allowList: [], blockList: ['x-drop'] } },
      '/a/b?token=secret',
      { 'x-request-id': 'r1', 'x-drop': 'no', authorization: 'Bearer secret' },
      (res, log) => {
        // As the forwarder does: the raw list is noted for the record, then written.
        const raw = ['Content-Type', 'text/plain', 'Set-Cookie', 's=secret'];
        log.noteResponseHeaders(res, raw);
        res.writeHead(201, 'Created', raw).end('ok');
      },
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'request', fields: { method: 'GET', path: '/a/b', status: 201, proto: 'HTTP/1.1' } });
    expect(lines[0].fields.requestHeaders).toMatchObject({ 'X-Request-Id': ['r1'], Authorization: ['[REDACTED]'] });
    expect(lines[0].fields.requestHeaders).not.toHaveProperty('X-Drop');
    expect(lines[0].fields.responseHeaders).toEqual({ 'Content-Type': ['text/plain'], 'Set-Cookie': ['[REDACTED]'] });
    expect(JSON.stringify(lines)).not.toContain('secret"');
  });

  it('logs a 5xx at warn at least, and honours level', async () => {
    const warn = await serveOnce({ ...DEFAULTS, level: 'debug' }, '/', {}, (res) => res.writeHead(502).end());
    expect(warn[0].level).toBe('warn');
    const debug = await serveOnce({ ...DEFAULTS, level: 'debug' }, '/', {}, (res) => res.end());
    expect(debug[0].level).toBe('debug');
  });

  it('writes nothing when disabled, for /_piko/ paths, or below the process level', async () => {
    expect(await serveOnce({ ...DEFAULTS, disable: true }, '/', {}, (res) => res.writeHead(500).end())).toEqual([]);
    expect(await serveOnce(DEFAULTS, '/_piko/x', {}, (res) => res.end())).toEqual([]);
    expect(await serveOnce({ ...DEFAULTS, level: 'debug', processLevel: 'info' }, '/', {}, (res) => res.end())).toEqual([]);
    const fiveHundred = await serveOnce({ ...DEFAULTS, level: 'debug', processLevel: 'info' }, '/', {}, (res) => res.writeHead(503).end());
    expect(fiveHundred.map((l) => l.level)).toEqual(['warn']);
  });
});

describe('proxy access log query strings (proxy.access_log.query)', () => {
  it('strips the query string by default, so a token in it is never logged', async () => {
    const lines = await serveOnce(DEFAULTS, '/p?token=secret-1&a=1', {}, (res) => res.end('ok'));
    expect(lines[0].fields.path).toBe('/p');
    expect(JSON.stringify(lines)).not.toContain('secret-1');
  });

  it('redacts the listed parameters with query: redact', async () => {
    const lines = await serveOnce({ ...DEFAULTS, query: 'redact' }, '/p?token=secret-2&a=1', {}, (res) => res.end('ok'));
    expect(lines[0].fields.path).toBe('/p?token=[REDACTED]&a=1');
    expect(JSON.stringify(lines)).not.toContain('secret-2');
  });
});
