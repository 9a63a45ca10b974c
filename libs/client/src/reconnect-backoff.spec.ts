import { ReconnectBackoff } from './reconnect-backoff';

// Fake timers make Date.now() the test's clock; `random: () => 1` makes each delay its cap.
describe('ReconnectBackoff', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  const backoff = () => new ReconnectBackoff({ minMs: 100, maxMs: 15_000, random: () => 1 });

  /** Waits out each delay on the fake clock, as the listener does between failed attempts. */
  function fail(b: ReconnectBackoff, times: number): number[] {
    const delays: number[] = [];
    for (let i = 0; i < times; i++) {
      const delay = b.next();
      delays.push(delay);
      jest.advanceTimersByTime(delay);
    }
    return delays;
  }

  it('doubles the delay per failure, at most 1 s apart early in an outage, then up to the max', () => {
    const b = backoff();
    expect(fail(b, 6)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    jest.advanceTimersByTime(30_000);
    expect(fail(b, 2)).toEqual([6_400, 12_800]);
    expect(fail(b, 3)).toEqual([15_000, 15_000, 15_000]);
  });

  it('starts over once a session is established: the first retry after a go-away waits the initial backoff', () => {
    const b = backoff();
    fail(b, 12); // the server was down for a while: delays were 15 s apart
    b.connected();
    jest.advanceTimersByTime(1_000);
    b.disconnected(true);
    expect(b.attempt).toBe(0);
    expect(fail(b, 5)).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('starts over after a healthy session that dropped without a go-away', () => {
    const b = backoff();
    fail(b, 5);
    b.connected();
    jest.advanceTimersByTime(5_000);
    b.disconnected(false);
    expect(b.next()).toBe(100);
  });

  it('keeps growing when sessions die young without a go-away (a flapping server)', () => {
    const b = backoff();
    fail(b, 2); // 100, 200
    b.connected();
    jest.advanceTimersByTime(10);
    b.disconnected(false);
    expect(b.attempt).toBe(3);
    expect(b.next()).toBe(800);
    // The outage goes on from its start: past the early window, delays grow past 1 s.
    jest.advanceTimersByTime(30_000);
    b.connected();
    jest.advanceTimersByTime(10);
    b.disconnected(false);
    expect(b.next()).toBe(3_200);
  });

  it('a go-away is never a flap, however young the session', () => {
    const b = backoff();
    fail(b, 4);
    b.connected();
    b.disconnected(true);
    expect(b.next()).toBe(100);
  });

  it('never exceeds the max, even one below the early cap', () => {
    const b = new ReconnectBackoff({ minMs: 5, maxMs: 50, random: () => 1 });
    expect(fail(b, 6)).toEqual([5, 10, 20, 40, 50, 50]);
  });
});
