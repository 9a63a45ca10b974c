import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('doubles the cap per attempt and stays within [cap/2, cap]', () => {
    expect(backoffDelay(0, 100, 15_000, () => 0)).toBe(50);
    expect(backoffDelay(0, 100, 15_000, () => 1)).toBe(100);
    expect(backoffDelay(3, 100, 15_000, () => 0)).toBe(400);
    expect(backoffDelay(3, 100, 15_000, () => 1)).toBe(800);
  });

  it('is capped at max however many attempts failed', () => {
    expect(backoffDelay(8, 100, 15_000, () => 1)).toBe(15_000);
    expect(backoffDelay(10_000, 100, 15_000, () => 0.5)).toBe(11_250);
  });

  it('is uniform between the bounds', () => {
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(2, 100, 15_000);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});
