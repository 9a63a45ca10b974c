import { PassThrough } from 'node:stream';
import { watchBodyIdle } from './body-idle-timer';

describe('watchBodyIdle', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  /** A flowing body, as a piped request body is. */
  function flowingBody(): PassThrough {
    const body = new PassThrough();
    body.on('data', () => undefined);
    return body;
  }

  it('fires after the idle time without a chunk; each chunk restarts the clock', () => {
    const body = flowingBody();
    const onIdle = jest.fn();
    watchBodyIdle(body, 1_000, onIdle);
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(900);
      body.write('x');
    }
    expect(onIdle).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  /** Readable emits 'resume' on the next tick. */
  const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

  it('does not count time while the body is paused (the proxy holding back)', async () => {
    const body = flowingBody();
    const onIdle = jest.fn();
    watchBodyIdle(body, 1_000, onIdle);
    await nextTick();
    body.pause();
    jest.advanceTimersByTime(5_000);
    expect(onIdle).not.toHaveBeenCalled();
    body.resume();
    await nextTick();
    jest.advanceTimersByTime(999);
    expect(onIdle).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('stops at the body end, or when told', async () => {
    const ended = flowingBody();
    const onIdle = jest.fn();
    watchBodyIdle(ended, 1_000, onIdle);
    ended.end();
    await nextTick();
    await nextTick();
    jest.advanceTimersByTime(5_000);
    const stopped = flowingBody();
    watchBodyIdle(stopped, 1_000, onIdle)();
    await nextTick();
    jest.advanceTimersByTime(5_000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
