// A `<file>.sha256` beside each artifact, in sha256sum's format, so whoever copies a package to
// another machine can check it arrived intact: `sha256sum -c piko-linux-x64.sha256`.
import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Writes `${file}.sha256` holding `<hex digest>  <file name>\n`.
 * @returns {Promise<string>} the hex digest
 */
export async function writeChecksum(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  const digest = hash.digest('hex');
  writeFileSync(`${file}.sha256`, `${digest}  ${basename(file)}\n`);
  return digest;
}
