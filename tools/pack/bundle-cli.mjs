// Bundles the `piko` command into ONE CommonJS file with its npm dependencies inlined, for the
// installable tarball (tools/pack.mjs) and the single executable (tools/sea.mjs).
//
// Input is tsc's output in dist/out-tsc (from `npm run build`): esbuild cannot emit the decorator
// metadata Nest's dependency injection reads, tsc already has. Our @piko/* libs resolve through
// tsconfig's paths, as in tools/build.mjs.
//
// What stays out of the file:
//   - bufferutil, native (ws's fast WebSocket masking): `require`d at run time when
//     `nativeAddons: 'external'` (the tarball ships it as an optional dependency); replaced by a
//     module that throws when `nativeAddons: 'absent'` (a single executable can only `require`
//     Node's built-ins), so ws uses its JavaScript masking;
//   - packages that no piko command uses but libraries probe for inside try/catch: Nest's
//     microservices and socket.io adapters, ws's utf-8-validate (Node's buffer.isUtf8 does its
//     job), class-transformer's ESM storage path. Each is replaced by a module that throws "not in this build", which the probing
//     code treats as "not installed".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { pageAssetsDefine } from '../page/page-assets.mjs';

const NATIVE_ADDONS = ['bufferutil'];
// class-transformer/storage: @nestjs/mapped-types (under @nestjs/swagger) tries class-transformer/cjs/storage first, which is bundled.
const NOT_BUILT_IN = [
  'utf-8-validate',
  '@nestjs/microservices',
  '@nestjs/microservices/microservices-module',
  '@nestjs/platform-socket.io',
  'class-transformer/storage',
];

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** An esbuild plugin resolving each of `names` to a module whose evaluation throws. */
function absentModules(names) {
  const filter = new RegExp(`^(${names.map(escape).join('|')})$`);
  return {
    name: 'absent-modules',
    setup(build) {
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'absent-module' }));
      build.onLoad({ filter: /.*/, namespace: 'absent-module' }, (args) => ({
        contents: `throw Object.assign(new Error(${JSON.stringify(`${args.path} is not in this build of piko`)}), { code: 'MODULE_NOT_FOUND' });`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Writes the CLI bundle.
 * @param {{ root: string, outfile: string, nativeAddons: 'external' | 'absent' }} options
 *   root: the repository; nativeAddons: see above
 * @returns {Promise<import('esbuild').Metafile>} which input files went in (for license notices)
 * @throws Error if dist/out-tsc is missing or esbuild fails (an unresolvable import, say)
 */
export async function bundleCli({ root, outfile, nativeAddons }) {
  const outTsc = join(root, 'dist/out-tsc');
  const entry = join(outTsc, 'apps/cli/src/main.js');
  try {
    readFileSync(entry);
  } catch {
    throw new Error(`${entry} is missing: run \`npm run build\` first`);
  }
  const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
  const alias = Object.fromEntries(Object.entries(paths).map(([name, [source]]) => [name, join(outTsc, source.replace(/\.ts$/, '.js'))]));
  const absent = nativeAddons === 'absent' ? [...NOT_BUILT_IN, ...NATIVE_ADDONS] : NOT_BUILT_IN;
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    alias,
    external: nativeAddons === 'external' ? NATIVE_ADDONS : [],
    plugins: [absentModules(absent)],
    // Nest and our error messages use class names; keep them readable in stack traces too.
    keepNames: true,
    // `piko --version` and the admin status page, as tools/build.mjs sets them.
    define: { __PIKO_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version), ...(await pageAssetsDefine(root)) },
    banner: { js: '#!/usr/bin/env node' },
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}
