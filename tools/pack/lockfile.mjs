// Reads the repository's package-lock.json (lockfileVersion 3) to answer what the packages we
// ship need at run time: the exact versions `npm ci` installed, and the set of installed
// packages a list of dependencies pulls in. Resolution follows Node's (and npm's) rule: a
// dependency of `node_modules/a` is `node_modules/a/node_modules/b` if that exists, else the
// same name one level up, up to the top-level `node_modules/b`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The lockfile's `packages` map, keyed by install path (`node_modules/ws`,
 * `node_modules/a/node_modules/b`; `''` is the repository itself).
 * @param {string} root the repository root
 * @returns {Record<string, {version?: string, dependencies?: Record<string,string>, optionalDependencies?: Record<string,string>, peerDependencies?: Record<string,string>, peerDependenciesMeta?: Record<string,{optional?: boolean}>, link?: boolean}>}
 */
export function readLockfile(root) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  if (lock.lockfileVersion !== 3 && lock.lockfileVersion !== 2) {
    throw new Error(`package-lock.json has lockfileVersion ${lock.lockfileVersion}; tools/pack reads versions 2 and 3`);
  }
  return lock.packages;
}

/**
 * The install path `name` resolves to when required from the package at `from` (`''` for the
 * repository root), or undefined if it is not installed.
 */
export function resolveInstallPath(packages, from, name) {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
}

/**
 * The exact version of a top-level dependency, as installed by `npm ci`.
 * @throws Error if `name` is not in the lockfile's top-level node_modules.
 */
export function lockedVersion(packages, name) {
  const entry = packages[`node_modules/${name}`];
  if (!entry?.version) throw new Error(`${name} is not in package-lock.json's node_modules; run npm install`);
  return entry.version;
}

/**
 * Every install path the given top-level dependencies need at run time: their dependencies,
 * optional dependencies and peer dependencies, transitively. A missing optional (or optional
 * peer) dependency is skipped, as npm skips it; a missing required one is an error.
 * @param {string[]} names top-level dependency names
 * @returns {string[]} sorted install paths, e.g. ['node_modules/ws', ...]
 * @throws Error naming the package and the dependency the lockfile lacks
 */
export function runtimeClosure(packages, names) {
  const seen = new Set();
  const queue = names.map((name) => {
    const path = resolveInstallPath(packages, '', name);
    if (!path) throw new Error(`${name} is not installed (package-lock.json has no node_modules/${name})`);
    return path;
  });
  while (queue.length > 0) {
    const path = queue.pop();
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = packages[path];
    const optional = new Set([
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.entries(entry.peerDependenciesMeta ?? {})
        .filter(([, meta]) => meta.optional)
        .map(([name]) => name),
    ]);
    const wanted = { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies };
    for (const name of Object.keys(wanted)) {
      const resolved = resolveInstallPath(packages, path, name);
      if (resolved) queue.push(resolved);
      else if (!optional.has(name)) throw new Error(`${path} needs ${name}, which package-lock.json does not have`);
    }
  }
  return [...seen].sort();
}
