// The license notices a bundle must carry: the MIT, ISC, BSD and Apache licenses of the npm
// packages inlined into it require their copyright and license text to travel with copies.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `node_modules/a/node_modules/@s/b/lib/x.js` -> `node_modules/a/node_modules/@s/b`. */
function packageDirOf(input) {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const rest = input.slice(at + 'node_modules/'.length).split('/');
  return input.slice(0, at) + ['node_modules', ...rest.slice(0, rest[0].startsWith('@') ? 2 : 1)].join('/');
}

/**
 * THIRD-PARTY-NOTICES.md text for every npm package with a file in the bundle: name, version,
 * declared license, and the text of its LICENSE/LICENCE/COPYING/NOTICE files.
 * @param {string} root the repository (metafile input paths are relative to it)
 * @param {import('esbuild').Metafile} metafile from the bundle's build
 * @param {string} product what the notices are for, for the heading
 * @throws Error if an inlined package has neither a license file nor a `license` field
 */
export function thirdPartyNotices(root, metafile, product) {
  const dirs = [...new Set(Object.keys(metafile.inputs).map(packageDirOf).filter(Boolean))];
  const entries = dirs
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
      const files = readdirSync(join(root, dir))
        .filter((f) => /^(licen[cs]e|copying|notice)/i.test(f))
        .sort();
      if (files.length === 0 && !manifest.license) throw new Error(`${dir} has no license file or field`);
      return { name: manifest.name, version: manifest.version, license: manifest.license ?? '(see text)', files: files.map((f) => join(root, dir, f)) };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  const sections = entries.map(({ name, version, license, files }) => {
    const texts = files.filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8').trim());
    const bodies = texts.length > 0 ? texts.map((t) => `\`\`\`\n${t}\n\`\`\``) : ['(no license file in the package)'];
    return [`## ${name}@${version} (${license})`, ...bodies].join('\n\n');
  });
  return `${[`# Third-party notices for ${product}`, `${product} includes the following npm packages.`, ...sections].join('\n\n')}\n`;
}
