import { windowUpdateDelta } from './flow-window';

describe('windowUpdateDelta', () => {
  const max = 256 * 1024;
  it('waits until at least half the window can be handed back', () => {
    expect(windowUpdateDelta(max, 0, max)).toBe(0);
    expect(windowUpdateDelta(max, 0, max / 2 + 1)).toBe(0);
    expect(windowUpdateDelta(max, 0, max / 2)).toBe(max / 2);
  });
  it('does not hand back window for bytes the application has not read', () => {
    expect(windowUpdateDelta(max, max / 2, 0)).toBe(max / 2);
    expect(windowUpdateDelta(max, max, 0)).toBe(0);
    expect(windowUpdateDelta(max, max - 10, 0, true)).toBe(10);
  });
});
