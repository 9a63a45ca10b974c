/** The status page's files, served from memory. */
export interface PageAssets {
  html: string;
  js: string;
  css: string;
}

// Set by esbuild's `define` in tools/build.mjs and tools/pack/bundle-cli.mjs (tools/page/page-assets.mjs
// builds the page), so the page travels inside every bundle, the single executable included, and
// works offline. Absent when the code runs from source (unit tests).
declare const __PIKO_PAGE_ASSETS__: PageAssets | undefined;

/** The page built into this bundle, or undefined when running from source. */
export function bundledPageAssets(): PageAssets | undefined {
  return typeof __PIKO_PAGE_ASSETS__ === 'object' ? __PIKO_PAGE_ASSETS__ : undefined;
}

export const PAGE_ASSETS = Symbol('PAGE_ASSETS');

/** Paths that serve the page itself: open without a token even under admin.auth (they hold no data). */
export const PAGE_PATHS: readonly string[] = ['/', '/page/app.js', '/page/app.css'];
