import { randomBytes } from 'node:crypto';

/** A fresh key/subject prefix per test, so tests sharing a server never see each other's data. */
export function uniquePrefix(name: string): string {
  return `${name}-${randomBytes(3).toString('hex')}`;
}
