// Packs what a user installs on another machine without this repository (`npm run pack`):
//
//   dist/packages/piko-cli-<version>.tgz     the `piko` command: `npm install -g ./piko-cli-*.tgz`.
//       bin/piko.js is ONE CommonJS file with our code and its npm dependencies inlined by esbuild
//       (tools/pack/bundle-cli.mjs), from the node_modules `npm ci` installed at the lockfile's
//       versions. Its only dependency is bufferutil (native: ws's fast WebSocket masking), an
//       optional dependency pinned to the lockfile's version and shipped inside the tarball
//       (bundleDependencies). Installing needs neither the registry nor npm's cache.
//       THIRD-PARTY-NOTICES.md carries the inlined packages' licenses.
//   dist/packages/piko-client-<version>.tgz  the SDK, @piko/client (libs/client, built by
//       libs/client/build.mjs); its dependencies are ordinary ranges the installing project's
//       npm fetches.
//   dist/packages/client-deps/*.tgz           the SDK's dependencies at the lockfile's versions,
//       packed from node_modules, for a machine without the registry:
//       `npm install ./piko-client-*.tgz ./client-deps/*.tgz`.
//   and a `<tarball>.sha256` beside each of the two tarballs (`sha256sum -c` checks it).
//
// Why inline rather than declare the CLI's dependencies: npm installs a tarball's dependencies by
// fetching each one's full registry metadata, which `npm ci` does not leave in the cache (it
// fetches the abbreviated metadata), so even `--prefer-offline` goes to the network; npm does
// not read an npm-shrinkwrap.json inside a local tarball; and shipping the 136 installed packages
// instead (8,000 files) makes packing and installing take half a minute each. A machine behind NAT
// may not reach the registry at all.
//
// Usage: node tools/pack.mjs   (after `npm run build`; `npm run pack` does both)
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { assertDeclared } from './pack/bundle-requires.mjs';
import { bundleCli } from './pack/bundle-cli.mjs';
import { lockedVersion, readLockfile, runtimeClosure } from './pack/lockfile.mjs';
import { writeChecksum } from './pack/checksum.mjs';
import { thirdPartyNotices } from './pack/notices.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/packages');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Runs `npm pack` on directories into `destination`; returns the tarball paths, in order. */
function npmPack(dirs, destination) {
  mkdirSync(destination, { recursive: true });
  const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination, ...dirs], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(output).map((result) => join(destination, result.filename));
}

/** Copies one installed package (not its nested node_modules: those are copied on their own). */
function copyInstalledPackage(installPath, destinationRoot) {
  const from = join(root, installPath);
  const nested = join(from, 'node_modules');
  cpSync(from, join(destinationRoot, installPath), {
    recursive: true,
    filter: (source) => source !== nested && !source.startsWith(nested + sep),
  });
}

/**
 * Writes dist/packages/piko-cli-<version>.tgz (see the top of this file).
 * @returns {Promise<string>} the tarball's path
 * @throws Error if dist/out-tsc is missing, the bundle requires an undeclared package, or npm pack fails
 */
async function packCli(lock) {
  const rootManifest = readJson(join(root, 'package.json'));
  const cliManifest = readJson(join(root, 'apps/cli/package.json'));
  const dir = join(stage, 'cli');
  const bundle = join(dir, 'bin/piko.js');
  const metafile = await bundleCli({ root, outfile: bundle, nativeAddons: 'external' });
  chmodSync(bundle, 0o755);

  const native = ['bufferutil'];
  const manifest = {
    name: cliManifest.name,
    // The version `piko --version` prints (tools/build.mjs and bundle-cli.mjs read the same field).
    version: rootManifest.version,
    description: cliManifest.description,
    license: rootManifest.license,
    private: true,
    engines: rootManifest.engines,
    bin: { piko: 'bin/piko.js' },
    files: ['bin', 'README.md', 'THIRD-PARTY-NOTICES.md'],
    optionalDependencies: Object.fromEntries(native.map((name) => [name, lockedVersion(lock, name)])),
    bundleDependencies: native,
  };
  assertDeclared('the CLI bundle', readFileSync(bundle, 'utf8'), manifest);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(join(root, 'tools/pack/cli-README.md'), join(dir, 'README.md'));
  writeFileSync(join(dir, 'THIRD-PARTY-NOTICES.md'), thirdPartyNotices(root, metafile, `${manifest.name} ${manifest.version}`));
  for (const installPath of runtimeClosure(lock, native)) copyInstalledPackage(installPath, dir);

  const [tarball] = npmPack([dir], out);
  return tarball;
}

/**
 * Builds libs/client and writes dist/packages/piko-client-<version>.tgz and client-deps/.
 * @returns {{ tarball: string, deps: string[] }} the paths written
 * @throws Error if the bundle requires an undeclared package, the lockfile's version of a
 *   dependency is outside the range libs/client/package.json declares, or npm pack fails
 */
function packClient(lock) {
  const dir = join(root, 'libs/client');
  execFileSync(process.execPath, [join(dir, 'build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const manifest = readJson(join(dir, 'package.json'));
  assertDeclared('libs/client/dist/index.js', readFileSync(join(dir, manifest.main), 'utf8'), manifest);
  // The versions the repository builds and tests with must be ones the package accepts.
  const declared = { ...manifest.dependencies, ...manifest.optionalDependencies };
  for (const [name, range] of Object.entries(declared)) {
    const version = lockedVersion(lock, name);
    if (!semver.satisfies(version, range)) throw new Error(`libs/client/package.json wants ${name}@${range}, but package-lock.json has ${version}`);
  }
  const [tarball] = npmPack([dir], out);

  const depsDir = join(out, 'client-deps');
  rmSync(depsDir, { recursive: true, force: true });
  const closure = runtimeClosure(lock, Object.keys(declared));
  const nested = closure.filter((installPath) => installPath.split('node_modules/').length > 2);
  if (nested.length > 0) throw new Error(`client-deps cannot hold two versions of a package: ${nested.join(', ')}`);
  const deps = npmPack(
    closure.map((installPath) => join(root, installPath)),
    depsDir,
  );
  return { tarball, deps };
}

const lock = readLockfile(root);
// Packages are assembled in a temp folder, so a failed run leaves nothing half-made in dist/.
const stage = mkdtempSync(join(tmpdir(), 'piko-pack-'));
try {
  const cli = await packCli(lock);
  const client = packClient(lock);
  for (const file of [cli, client.tarball]) await writeChecksum(file);
  console.log(`packed ${cli}`);
  console.log(`packed ${client.tarball}, and its ${client.deps.length} dependencies in ${join(out, 'client-deps')}`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
