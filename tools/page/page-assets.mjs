// Builds the admin status page (libs/admin/page) into the three strings the admin port serves:
// index.html, app.js (the page's TypeScript and eventsource-parser, bundled by esbuild for
// browsers) and app.css. The app bundles receive them through esbuild's `define` as
// __PIKO_PAGE_ASSETS__ (libs/admin/src/page/page-assets.ts), so the page needs no files beside the
// bundle, works offline and travels inside the packed CLI and the single executable.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

/**
 * Type-checks the page's browser code (tsc, DOM types), which esbuild alone would not do.
 * @param {string} root the repository
 * @throws Error when tsc reports an error (printed on stderr)
 */
export function typeCheckPage(root) {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'libs/admin/page/tsconfig.json')], { stdio: 'inherit', cwd: root });
}

/**
 * @param {string} root the repository
 * @returns {Promise<Record<string, string>>} esbuild `define` entries: { __PIKO_PAGE_ASSETS__: JSON }
 * @throws Error when esbuild cannot bundle the page
 */
export async function pageAssetsDefine(root) {
  const dir = join(root, 'libs/admin/page');
  const result = await esbuild.build({
    entryPoints: [join(dir, 'src/main.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    // Browsers of the last few years; the page reads a fetch() response body as a stream.
    target: ['chrome100', 'firefox105', 'safari16'],
    minify: true,
    legalComments: 'inline',
    logLevel: 'warning',
  });
  const assets = {
    html: readFileSync(join(dir, 'index.html'), 'utf8'),
    js: result.outputFiles[0].text,
    css: readFileSync(join(dir, 'page.css'), 'utf8'),
  };
  return { __PIKO_PAGE_ASSETS__: JSON.stringify(assets) };
}
