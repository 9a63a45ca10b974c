// Replaced by the build (tools/build.mjs, tools/pack/bundle-cli.mjs) with package.json's version;
// absent when run from source.
declare const __PIKO_VERSION__: string | undefined;

/** This build's version, from package.json at build time ('dev' when not built). */
export function pikoVersion(): string {
  return typeof __PIKO_VERSION__ === 'string' ? __PIKO_VERSION__ : 'dev';
}
