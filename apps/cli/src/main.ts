import 'reflect-metadata';
import { runMain } from '@piko/observability';
import { runCli } from './cli';

// A reader that closed our stdout (`piko status --help | head`) is done with us: exit quietly,
// as Unix tools do, instead of an unhandled EPIPE stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

void runMain(() => runCli(process.argv.slice(2), process.env));
