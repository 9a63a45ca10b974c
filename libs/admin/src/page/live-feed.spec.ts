import type { Logger } from '@piko/observability';
import type { EndpointSummary } from '../api';
import { type LiveEvent, LiveFeed } from './live-feed';
import type { LiveReading, LiveSource } from './live-source';

/** A source whose readings the test sets, counting how often it is read. */
class ScriptedSource implements LiveSource {
  reads = 0;
  failure?: Error;
  endpoints: EndpointSummary[] = [];
  ratesKnown = true;

  async read(): Promise<LiveReading> {
    this.reads++;
    if (this.failure) throw this.failure;
    return { nodes: [], endpoints: this.endpoints, unreachable: [], ratesKnown: this.ratesKnown };
  }
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = {
    lines,
    debug: () => undefined,
    info: (msg: string) => void lines.push(`info ${msg}`),
    warn: (msg: string) => void lines.push(`warn ${msg}`),
    error: (msg: string) => void lines.push(`error ${msg}`),
    child: () => logger,
  };
  return logger as unknown as Logger & { lines: string[] };
}

const options = { intervalMs: 1_000, historyMs: 60_000, chartEndpoints: 8, maxStreams: 2, maxStreamsPerClient: 0, stalledStreamTimeoutMs: 60_000 };

describe('LiveFeed', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('reads once per interval however many pages listen, and not at all once none does', async () => {
    const source = new ScriptedSource();
    const feed = new LiveFeed(source, options, recordingLogger());
    const a: LiveEvent[] = [];
    const b: LiveEvent[] = [];
    const offA = feed.subscribe((e) => a.push(e));
    await jest.advanceTimersByTimeAsync(0);
    const offB = feed.subscribe((e) => b.push(e));
    await jest.advanceTimersByTimeAsync(3_000);
    // One read for each subscription (each new page gets a snapshot at once) plus one per interval.
    expect(source.reads).toBe(2 + 3);
    expect(a.filter((e) => e.name === 'snapshot')).toHaveLength(5);
    expect(b.filter((e) => e.name === 'snapshot')).toHaveLength(4);
    offA?.();
    offB?.();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(source.reads).toBe(5);
  });

  it('refuses a stream beyond maxStreams', () => {
    const feed = new LiveFeed(new ScriptedSource(), options, recordingLogger());
    expect(feed.subscribe(() => undefined)).toBeDefined();
    expect(feed.subscribe(() => undefined)).toBeDefined();
    expect(feed.subscribe(() => undefined)).toBeUndefined();
    feed.stop();
  });

  it('adds a chart point only when the rates were measured, and hands the history to new pages', async () => {
    const source = new ScriptedSource();
    source.endpoints = [{ id: 'a', upstreams: 1, gatewayCount: 1, requestsPerSecond: 4, errorsPerSecond: 1 }];
    source.ratesKnown = false;
    const feed = new LiveFeed(source, options, recordingLogger());
    const events: LiveEvent[] = [];
    const off = feed.subscribe((e) => events.push(e));
    await jest.advanceTimersByTimeAsync(0);
    expect(events[0]).toMatchObject({ name: 'snapshot' });
    expect(events[0].name === 'snapshot' && events[0].data.point).toBeUndefined();
    source.ratesKnown = true;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(events[1].name === 'snapshot' && events[1].data.point?.rates).toEqual({ a: { requests: 4, errors: 1 } });
    expect(feed.hello().points).toHaveLength(1);
    off?.();
  });

  it('sends a problem event every time the source fails but logs each distinct failure once, and its recovery', async () => {
    const source = new ScriptedSource();
    source.failure = new Error('redis down');
    const logger = recordingLogger();
    const feed = new LiveFeed(source, options, logger);
    const events: LiveEvent[] = [];
    const off = feed.subscribe((e) => events.push(e));
    await jest.advanceTimersByTimeAsync(2_000);
    expect(events.map((e) => e.name)).toEqual(['problem', 'problem', 'problem']);
    expect(events[0].name === 'problem' && events[0].data.error).toBe('redis down');
    source.failure = undefined;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(events[3].name).toBe('snapshot');
    expect(logger.lines).toEqual(['warn live status feed cannot read the cluster', 'info live status feed recovered']);
    off?.();
  });
});
