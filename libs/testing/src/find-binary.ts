import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Debian puts nats-server in /usr/sbin, which is not on every user's PATH. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin'];

export class MissingBinaryError extends Error {
  readonly code = 'ERR_MISSING_BINARY';

  constructor(name: string) {
    super(`${name} not found on PATH or in ${EXTRA_DIRS.join(', ')}: install it with \`apt-get install -y redis-server nats-server\``);
    this.name = 'MissingBinaryError';
  }
}

/** Absolute path of an executable, or MissingBinaryError (tests that need it must fail, not skip). */
export function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory: try the next
    }
  }
  throw new MissingBinaryError(name);
}
