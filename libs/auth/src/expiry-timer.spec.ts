import { atTime } from './expiry-timer';

describe('atTime', () => {
  afterEach(() => jest.useRealTimers());

  it('fires at the time, never synchronously, and re-arms past the 24.8-day setTimeout limit', () => {
    jest.useFakeTimers({ now: 0 });
    const fired: number[] = [];
    atTime(-5, () => fired.push(Date.now()));
    expect(fired).toEqual([]); // a past time fires on the next tick, not inside atTime
    jest.advanceTimersByTime(0);
    expect(fired).toEqual([0]);

    const farAway = 40 * 24 * 3600 * 1000;
    atTime(farAway, () => fired.push(Date.now()));
    jest.advanceTimersByTime(2 ** 31 - 1);
    expect(fired).toEqual([0]);
    jest.advanceTimersByTime(farAway - (2 ** 31 - 1));
    expect(fired).toEqual([0, farAway]);
  });

  it('can be cancelled', () => {
    jest.useFakeTimers({ now: 0 });
    const onExpiry = jest.fn();
    const cancel = atTime(1_000, onExpiry);
    cancel();
    jest.advanceTimersByTime(5_000);
    expect(onExpiry).not.toHaveBeenCalled();
  });
});
