import { FrameBudget } from './frame-budget';

describe('FrameBudget', () => {
  it('allows the burst at once, then the rate', () => {
    let now = 0;
    const budget = new FrameBudget(100, 10, () => now);
    for (let i = 0; i < 10; i++) expect(budget.take()).toBe(true);
    expect(budget.take()).toBe(false);
    now += 50; // 5 frames earned (the failed take above spent one)
    budget.refill();
    for (let i = 0; i < 4; i++) expect(budget.take()).toBe(true);
    expect(budget.take()).toBe(false);
  });

  it('never saves more than the burst', () => {
    let now = 0;
    const budget = new FrameBudget(1000, 3, () => now);
    now += 60_000;
    budget.refill();
    expect([budget.take(), budget.take(), budget.take(), budget.take()]).toEqual([true, true, true, false]);
  });

  it('rate 0 means disabled', () => {
    expect(new FrameBudget(0, 0).enabled).toBe(false);
  });
});
