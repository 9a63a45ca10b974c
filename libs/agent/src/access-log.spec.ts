import { AgentAccessLog, DEFAULT_ACCESS_LOG } from './access-log';
import { RecordingLogger } from './testing/stub-gateway';

const entry = (status: number) => ({ method: 'GET', path: '/a', status, durationMs: 1.23456, bytesIn: 10, bytesOut: 20 });

describe('AgentAccessLog', () => {
  it('writes HTTP records at the configured level, a 5xx at warn at least (Go: pkg/middleware/logger.go)', () => {
    const logger = new RecordingLogger();
    const log = new AgentAccessLog({ ...DEFAULT_ACCESS_LOG, level: 'debug' });
    log.request(logger, entry(200));
    log.request(logger, entry(503));
    new AgentAccessLog({ ...DEFAULT_ACCESS_LOG, level: 'error' }).request(logger, entry(502));
    expect(logger.lines.map((l) => [l.level, l.fields.status])).toEqual([
      ['debug', 200],
      ['warn', 503],
      ['error', 502],
    ]);
    expect(logger.lines[0].fields.durationMs).toBe(1.235);
  });

  it('writes no HTTP record at all when disabled, even for a 5xx', () => {
    const logger = new RecordingLogger();
    const log = new AgentAccessLog({ ...DEFAULT_ACCESS_LOG, disable: true });
    log.request(logger, entry(200), [['Authorization', 'x']]);
    log.request(logger, entry(500));
    expect(logger.lines).toEqual([]);
    expect(log.wantsHeaders).toBe(false);
  });

  it('builds no record below the process log level, and collects no headers when no record could be written', () => {
    const logger = new RecordingLogger();
    const filtered: string[] = [];
    // Headers are read only when a record is built: a getter on the iterable notices a build.
    const headers = (tag: string): Iterable<[string, string]> => ({
      *[Symbol.iterator]() {
        filtered.push(tag);
        yield ['Accept', '*/*'];
      },
    });
    const quiet = new AgentAccessLog({ ...DEFAULT_ACCESS_LOG, level: 'debug', processLevel: 'warn' });
    quiet.request(logger, entry(200), headers('200'));
    quiet.request(logger, entry(503), headers('503'));
    expect(logger.lines.map((l) => [l.level, l.fields.status])).toEqual([['warn', 503]]);
    expect(filtered).toEqual(['503']);
    // A 5xx is still written at warn, so heads are still collected for it.
    expect(quiet.wantsHeaders).toBe(true);
    expect(new AgentAccessLog({ ...DEFAULT_ACCESS_LOG, level: 'debug', processLevel: 'error' }).wantsHeaders).toBe(false);
    expect(new AgentAccessLog({ ...DEFAULT_ACCESS_LOG, level: 'info' }).wantsHeaders).toBe(true);
  });

  it('writes TCP connection records at the level, or at debug when disabled (Go: agent/tcpproxy)', () => {
    const logger = new RecordingLogger();
    new AgentAccessLog({ ...DEFAULT_ACCESS_LOG, level: 'warn' }).connection(logger, { bytesIn: 1 });
    new AgentAccessLog({ ...DEFAULT_ACCESS_LOG, disable: true }).connection(logger, { bytesIn: 2 });
    expect(logger.lines.map((l) => [l.level, l.msg, l.fields.bytesIn])).toEqual([
      ['warn', 'connection', 1],
      ['debug', 'connection', 2],
    ]);
  });

  it('filters and redacts headers', () => {
    const logger = new RecordingLogger();
    const log = new AgentAccessLog({ ...DEFAULT_ACCESS_LOG, requestHeaders: { allowList: [], blockList: ['user-agent'] } });
    log.request(logger, entry(200), [['User-Agent', 'curl'], ['Cookie', 'a=b'], ['Accept', '*/*']], [['Set-Cookie', 's=1']]);
    expect(logger.lines[0].fields.requestHeaders).toEqual({ Cookie: ['[REDACTED]'], Accept: ['*/*'] });
    expect(logger.lines[0].fields.responseHeaders).toEqual({ 'Set-Cookie': ['[REDACTED]'] });
  });
});
