import { ManagedProcess } from '@piko/testing';

// Runs after every system test file (jest.config.js setupFilesAfterEnv): whatever the file started
// and did not stop, because a test failed before its cleanup, is killed here and named, so one
// failure stays one failure instead of a run that never exits.
afterAll(async () => {
  const leftovers = await ManagedProcess.killAll();
  if (leftovers.length > 0) process.stderr.write(`killed processes the test file left running: ${leftovers.join(', ')}\n`);
});
