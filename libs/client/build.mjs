// Builds @piko/client as a standalone package in libs/client/dist:
//   dist/index.js  one CommonJS bundle of the SDK and the @piko/protocol code it uses (ws stays a
//                  dependency, so applications share their copy);
//   dist/types/    declarations from tsc (tsconfig.lib.json), with the workspace alias
//                  '@piko/protocol' rewritten to the relative path of its emitted declarations,
//                  and the entry point referencing Node's types (`/// <reference types="node" />`):
//                  the declarations use node:stream, node:net, ..., and TypeScript 6 no longer
//                  includes @types/* unless asked, so without it an application that has not
//                  listed "node" in its tsconfig's `types` could not compile against the SDK.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });

await esbuild.build({
  entryPoints: [join(here, 'src/index.ts')],
  outfile: join(dist, 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['ws', 'bufferutil', 'utf-8-validate'],
  alias: { '@piko/protocol': join(root, 'libs/protocol/src/index.ts') },
  sourcemap: true,
  logLevel: 'warning',
});

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(here, 'tsconfig.lib.json')], { stdio: 'inherit' });

const protocolTypes = join(dist, 'types/protocol/src/index');
const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
for (const file of walk(join(dist, 'types')).filter((f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  if (!text.includes("'@piko/protocol'")) continue;
  let rel = relative(dirname(file), protocolTypes);
  if (!rel.startsWith('.')) rel = `./${rel}`;
  writeFileSync(file, text.replaceAll("'@piko/protocol'", `'${rel}'`));
}
const entryTypes = join(here, JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).types);
writeFileSync(entryTypes, `/// <reference types="node" />\n${readFileSync(entryTypes, 'utf8')}`);
console.log('built libs/client/dist/index.js and libs/client/dist/types/');
