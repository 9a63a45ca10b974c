import { runMain } from './run-main';

describe('runMain', () => {
  it('ends the process at once with a non-zero code (a failed start-up may hold open ports)', async () => {
    const exit = jest.fn();
    await runMain(async () => 2, { exit });
    expect(exit).toHaveBeenCalledWith(2);
  });

  it('lets the process end by itself on 0', async () => {
    const exit = jest.fn();
    await runMain(async () => 0, { exit });
    expect(exit).not.toHaveBeenCalled();
  });

  it('prints an unexpected error with its stack and exits 1', async () => {
    const exit = jest.fn();
    const lines: string[] = [];
    await runMain(async () => Promise.reject(new Error('boom')), { exit, write: (t) => lines.push(t) });
    expect(exit).toHaveBeenCalledWith(1);
    expect(lines.join('')).toMatch(/^piko: Error: boom\n\s+at /);
  });
});
