// What an esbuild bundle still loads from node_modules at run time: esbuild writes every external
// import as a literal `require("name")`, so the bundle's text lists them all.
import { builtinModules } from 'node:module';

/** `@scope/name/sub/path` -> `@scope/name`, `name/sub` -> `name`. */
export function packageNameOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The npm package names a bundle requires (Node built-ins and relative paths left out).
 * @param {string} code the bundle's JavaScript
 * @returns {string[]} sorted, unique package names
 */
export function externalPackages(code) {
  const names = new Set();
  for (const [, specifier] of code.matchAll(/\brequire\("([^"]+)"\)/g)) {
    if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) continue;
    if (builtinModules.includes(specifier)) continue;
    names.add(packageNameOf(specifier));
  }
  return [...names].sort();
}

/**
 * Fails if a bundle requires a package its package.json does not declare: the installed package
 * would crash with "Cannot find module" on the first code path that reaches it.
 * @throws Error naming the undeclared packages
 */
export function assertDeclared(what, code, manifest) {
  const declared = new Set(Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies }));
  const missing = externalPackages(code).filter((name) => !declared.has(name));
  if (missing.length > 0) throw new Error(`${what} requires ${missing.join(', ')}, which its package.json does not declare`);
}
