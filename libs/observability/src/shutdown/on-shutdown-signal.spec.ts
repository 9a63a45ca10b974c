import { EventEmitter } from 'node:events';
import type { LogFields, Logger } from '../logger/logger';
import { onShutdownSignal } from './on-shutdown-signal';

function recordingLogger(lines: string[]): Logger {
  const log = (level: string) => (msg: string, fields?: LogFields) => {
    lines.push(`${level} ${msg}${fields?.signal ? ` ${String(fields.signal)}` : ''}`);
  };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger };
  return logger;
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('onShutdownSignal', () => {
  it('runs the handler once on the first signal and exits on the second', async () => {
    const source = new EventEmitter();
    const lines: string[] = [];
    const exits: number[] = [];
    const signals: string[] = [];
    onShutdownSignal((signal) => void signals.push(signal), recordingLogger(lines), { source, exit: (code) => exits.push(code) });

    source.emit('SIGTERM', 'SIGTERM');
    await flush();
    expect(signals).toEqual(['SIGTERM']);
    expect(exits).toEqual([]);

    source.emit('SIGINT', 'SIGINT');
    expect(signals).toEqual(['SIGTERM']);
    expect(exits).toEqual([1]);
    expect(lines).toEqual(['info received signal; shutting down SIGTERM', 'warn received second signal; exiting immediately SIGINT']);
  });

  it('logs a failed shutdown and exits with 1', async () => {
    const source = new EventEmitter();
    const lines: string[] = [];
    const exits: number[] = [];
    onShutdownSignal(() => Promise.reject(new Error('stuck')), recordingLogger(lines), { source, exit: (code) => exits.push(code) });
    source.emit('SIGTERM', 'SIGTERM');
    await flush();
    expect(exits).toEqual([1]);
    expect(lines).toContain('error shutdown failed');
  });

  it('stops listening once disposed', () => {
    const source = new EventEmitter();
    const dispose = onShutdownSignal(() => undefined, recordingLogger([]), { source, exit: () => undefined });
    expect(source.listenerCount('SIGTERM')).toBe(1);
    dispose();
    expect(source.listenerCount('SIGTERM')).toBe(0);
    expect(source.listenerCount('SIGINT')).toBe(0);
  });
});
