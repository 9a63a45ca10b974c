import { RateLimitedLog } from './rate-limited-log';
import { LogRecord, recordingLogger } from './testing/connection-pairs';

describe('RateLimitedLog', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('logs the first N, then one summary per interval with the suppressed count', () => {
    const logs: LogRecord[] = [];
    const log = new RateLimitedLog(recordingLogger(logs), { first: 3, intervalMs: 1000 });
    for (let i = 0; i < 100; i++) log.warn('refused', { i });
    expect(logs.map((l) => l.fields?.i)).toEqual([0, 1, 2]);
    jest.advanceTimersByTime(1000);
    expect(logs).toHaveLength(4);
    expect(logs[3]).toEqual({ level: 'warn', msg: 'refused (97 more suppressed)', fields: { i: 99, suppressed: 97 } });
    for (let i = 0; i < 10; i++) log.warn('refused', { i });
    jest.advanceTimersByTime(1000);
    expect(logs).toHaveLength(5); // still flooding: only the next summary
    expect(logs[4].fields?.suppressed).toBe(10);
  });

  it('a quiet interval resets the message; messages are counted apart', () => {
    const logs: LogRecord[] = [];
    const log = new RateLimitedLog(recordingLogger(logs), { first: 1, intervalMs: 1000 });
    log.warn('a');
    log.warn('b');
    log.warn('a');
    expect(logs.map((l) => l.msg)).toEqual(['a', 'b']);
    jest.advanceTimersByTime(1000); // summary for a
    jest.advanceTimersByTime(1000); // quiet: a forgotten
    log.warn('a');
    expect(logs.map((l) => l.msg)).toEqual(['a', 'b', 'a (1 more suppressed)', 'a']);
  });

  it('flush() writes a pending summary at once', () => {
    const logs: LogRecord[] = [];
    const log = new RateLimitedLog(recordingLogger(logs), { first: 1, intervalMs: 60_000 });
    log.debug('dropped');
    log.debug('dropped');
    log.flush();
    expect(logs).toEqual([
      { level: 'debug', msg: 'dropped', fields: undefined },
      { level: 'debug', msg: 'dropped (1 more suppressed)', fields: { suppressed: 1 } },
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
