import { Inspector } from './inspector';
import { Replayer } from './replayer';

const OPTIONS = { endpoints: ['configured'], ringSize: 10, bodyBytes: 1024, maxMemoryBytes: 1 << 20, redactHeaders: [], omitContentTypes: [], replayTimeoutMs: 1000 };

describe('Replayer', () => {
  it('sends at most proxy.inspect.replay_burst replays at once and replay_rate a second, whoever asks', async () => {
    let now = 0;
    const inspector = new Inspector('node-1', { ...OPTIONS, replayRate: 2, replayBurst: 3 }, { clientAddress: () => '', errorOf: () => undefined });
    const replayer = new Replayer(inspector, () => undefined, () => now);
    // Counted before the capture is looked up, as the admin API counts: unknown ids spend tokens too.
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await replayer.replay('node-1.404', {}));
    expect(outcomes).toEqual([{ outcome: 'not_found' }, { outcome: 'not_found' }, { outcome: 'not_found' }, { outcome: 'rate_limited', retryAfterMs: 500 }]);
    now = 500;
    expect(await replayer.replay('node-1.404', {})).toEqual({ outcome: 'not_found' });
    expect(await replayer.replay('node-1.404', {})).toEqual({ outcome: 'rate_limited', retryAfterMs: 500 });
  });
});
