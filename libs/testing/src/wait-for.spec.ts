import { ManagedProcess } from './managed-process';
import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first defined value, treating a throwing check as not yet', async () => {
    let polls = 0;
    const value = await waitFor('third poll', () => {
      polls++;
      if (polls === 1) throw new Error('not up');
      return polls === 3 ? 'up' : undefined;
    });
    expect(value).toBe('up');
    expect(polls).toBe(3);
  });

  it('names the last error when the time runs out', async () => {
    await expect(waitFor('never', () => { throw new Error('refused'); }, 100)).rejects.toThrow('timed out waiting for never: Error: refused');
  });

  // Without giveUp this wait would run 60 s, past Jest's 5 s limit for the test.
  it("ends at once with giveUp's error when the process it waits for has exited", async () => {
    const child = ManagedProcess.start('exits', process.execPath, ['-e', 'console.log("bind failed"); process.exit(3)']);
    await child.exited;
    await expect(waitFor('ready', () => undefined, 60_000, () => child.exitedBefore('ready'))).rejects.toThrow(/exits exited \(code 3\) before ready:\nbind failed/);
  });
});
