// Builds everything `node` needs to run each app from dist/, as its container will:
//   1. tsc type-checks the whole workspace and emits JS (with the decorator metadata Nest's DI needs;
//      esbuild cannot emit that metadata itself, which is why tsc runs first);
//   2. esbuild bundles each app's entry point from that JS, resolving our @piko/* libs inline and
//      leaving npm packages external, so `node dist/apps/<app>/main.js` starts with plain node.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { pageAssetsDefine, typeCheckPage } from './page/page-assets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outTsc = join(root, 'dist/out-tsc');
// Every app with an entry point is bundled.
const apps = ['cli', 'proxy', 'upstream-gateway', 'admin'].filter((app) => existsSync(join(root, `apps/${app}/src/main.ts`)));

rmSync(outTsc, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
  cwd: root,
});

// The same @piko/* aliases as tsconfig's paths, pointed at tsc's output.
const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const alias = Object.fromEntries(
  Object.entries(paths).map(([name, [source]]) => [name, join(outTsc, source.replace(/\.ts$/, '.js'))]),
);

// `piko --version`: the version in package.json when this build ran.
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// The admin status page, built into the bundles (tools/page/page-assets.mjs).
typeCheckPage(root);
const pageAssets = await pageAssetsDefine(root);

await Promise.all(
  apps.map((app) =>
    esbuild.build({
      entryPoints: [join(outTsc, `apps/${app}/src/main.js`)],
      outfile: join(root, `dist/apps/${app}/main.js`),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      alias,
      sourcemap: true,
      define: { __PIKO_VERSION__: JSON.stringify(version), ...pageAssets },
      logLevel: 'warning',
    }),
  ),
);
// One non-ASCII character anywhere in a bundle makes V8 keep that whole script's source as two-byte
// text: twice the memory of every process, for the life of the process. esbuild escapes strings,
// not regular expression literals or kept comments, so those are checked here.
for (const app of apps) {
  const code = readFileSync(join(root, `dist/apps/${app}/main.js`), 'utf8');
  const at = code.search(/[^\x00-\x7f]/);
  if (at >= 0) {
    const line = code.slice(0, at).split('\n').length;
    throw new Error(`dist/apps/${app}/main.js:${line}: non-ASCII character ${JSON.stringify(code[at])}; write it as an escape (\\u${code.charCodeAt(at).toString(16).padStart(4, '0')})`);
  }
}
console.log(`built ${apps.map((a) => `dist/apps/${a}/main.js`).join(', ')}`);
