// Builds the `piko` command as ONE executable file, like Go Piko's binary: a copy of the node
// binary with the CLI bundle injected, using Node's single executable applications (SEA,
// https://nodejs.org/api/single-executable-applications.html) and postject (`npm run pack:sea`):
//
//   1. tools/pack/bundle-cli.mjs bundles the CLI and its npm dependencies into one CommonJS file,
//      with no native addon (a SEA's `require` loads only Node's built-ins): ws masks WebSocket
//      frames in JavaScript instead of with bufferutil;
//   2. `node --experimental-sea-config` turns it into a blob (with V8's code cache, so the
//      executable starts without compiling the 6 MB script);
//   3. postject injects the blob into a copy of the node binary and flips its SEA fuse.
//
// Output: dist/packages/piko-<platform>-<arch>, its .THIRD-PARTY-NOTICES.md and .sha256. The executable runs
// on machines of the same platform and architecture with the same C library as the node binary it
// copies (glibc for the Debian/NodeSource builds); it needs nothing else installed.
//
// Usage: node tools/sea.mjs [--node /path/to/node]   (after `npm run build`)
//   --node: the Node.js binary to build from (default: the one running this script); it both
//   writes the blob and becomes the executable, as Node requires (a blob is version-specific).
// Linux only: macOS and Windows also need the copy's code signature removed and re-applied.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { inject } from 'postject';
import { bundleCli } from './pack/bundle-cli.mjs';
import { writeChecksum } from './pack/checksum.mjs';
import { thirdPartyNotices } from './pack/notices.mjs';

// Node's fixed sentinel: the binary holds `<fuse>:0`, which postject turns into `<fuse>:1`.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/packages');
const { values } = parseArgs({ options: { node: { type: 'string', default: process.execPath } } });
const nodeBinary = values.node;

if (process.platform !== 'linux') {
  throw new Error(`tools/sea.mjs builds Linux executables only (this is ${process.platform}): macOS and Windows also need code signing steps`);
}
if (!readFileSync(nodeBinary).includes(`${SEA_FUSE}:0`)) {
  throw new Error(`${nodeBinary} has no single-executable fuse (a Node.js built without SEA support?); pass --node with an official Node.js 20+ binary`);
}
const nodeVersion = execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' }).trim();

const stage = mkdtempSync(join(tmpdir(), 'piko-sea-'));
try {
  const script = join(stage, 'piko.js');
  const metafile = await bundleCli({ root, outfile: script, nativeAddons: 'absent' });

  const blob = join(stage, 'piko.blob');
  writeFileSync(
    join(stage, 'sea-config.json'),
    JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }, null, 2),
  );
  execFileSync(nodeBinary, ['--experimental-sea-config', join(stage, 'sea-config.json')], { stdio: ['ignore', 'ignore', 'inherit'] });

  // Injected into a copy in the temp folder, then moved: dist/ never holds a half-made executable.
  const executable = join(out, `piko-${process.platform}-${process.arch}`);
  const copy = join(stage, 'piko');
  copyFileSync(nodeBinary, copy);
  chmodSync(copy, 0o755);
  await inject(copy, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
  mkdirSync(out, { recursive: true });
  try {
    renameSync(copy, executable);
  } catch (err) {
    if (err.code !== 'EXDEV') throw err;
    // The temp folder is on another file system: copy beside the target, then rename there.
    copyFileSync(copy, `${executable}.partial`);
    chmodSync(`${executable}.partial`, 0o755);
    renameSync(`${executable}.partial`, executable);
  }

  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const notices = thirdPartyNotices(root, metafile, `piko ${version} (single executable)`).replace(
    '\n\n',
    `\n\nThe executable is Node.js ${nodeVersion} (MIT License, https://github.com/nodejs/node/blob/${nodeVersion}/LICENSE, which also lists the libraries Node.js includes) with the piko program embedded.\n\n`,
  );
  writeFileSync(`${executable}.THIRD-PARTY-NOTICES.md`, notices);
  await writeChecksum(executable);
  console.log(`built ${executable} (Node.js ${nodeVersion})`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
