// Loads libs/cluster from tsc's output (dist/out-tsc) for the bench's client processes. tsc leaves
// the workspace's `@piko/*` imports as they are (esbuild resolves them only in the app bundles), so
// plain `require` cannot find them: they are resolved here with tsconfig.base.json's paths, pointed
// at dist/out-tsc as tools/build.mjs does.
import Module, { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** `require` of dist/out-tsc/libs/cluster/src/index.js (the path given), with @piko/* resolvable. */
export function loadClusterLib(clusterIndex) {
  const outTsc = clusterIndex.replace(/\/libs\/cluster\/src\/index\.js$/, '');
  const root = dirname(dirname(outTsc));
  const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
  const alias = Object.fromEntries(Object.entries(paths).map(([name, [source]]) => [name, join(outTsc, source.replace(/\.ts$/, '.js'))]));
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return resolve.call(this, alias[request] ?? request, ...rest);
  };
  return createRequire(import.meta.url)(clusterIndex);
}
