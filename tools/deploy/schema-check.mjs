// Validates rendered Kubernetes objects against the API schemas bundled by npm kubernetes-models,
// @kubernetes-models/gateway-api and @kubernetes-models/cert-manager, in two passes:
//   1. each model's validate() (the OpenAPI schema compiled with ajv: types, enums, required);
//   2. unknown fields, which those schemas let through (no additionalProperties: false): every
//      object is written as a typed TypeScript object literal (`const o: IDeployment = {...}`) and
//      type-checked, so TypeScript's excess-property check rejects a key the API does not have,
//      at any depth (a typo'd `readinesProbe`, `containerPorts`, a field of a newer API version).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(root, 'package.json'));

/** The npm module that models one apiVersion's group (core: ''). */
const GROUP_MODULES = {
  '': 'kubernetes-models',
  apps: 'kubernetes-models',
  policy: 'kubernetes-models',
  autoscaling: 'kubernetes-models',
  'networking.k8s.io': 'kubernetes-models',
  'gateway.networking.k8s.io': '@kubernetes-models/gateway-api',
  'cert-manager.io': '@kubernetes-models/cert-manager',
};

/**
 * Module path of an object's model, e.g. `kubernetes-models/apps/v1/Deployment`.
 * @param {{ apiVersion?: string, kind?: string }} o
 * @returns {string | undefined} undefined for an apiVersion no model package covers
 */
function modelPath(o) {
  const [group, version] = String(o.apiVersion ?? '').includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const pkg = GROUP_MODULES[group];
  if (!pkg || !version || !/^[A-Z][A-Za-z]+$/.test(o.kind ?? '')) return undefined;
  return group === '' ? `${pkg}/${version}/${o.kind}` : `${pkg}/${group}/${version}/${o.kind}`;
}

/**
 * Checks objects against the Kubernetes API schemas.
 * @param {{ object: Record<string, any>, where: string }[]} items objects with a label for messages
 * @returns {string[]} problems, each `<where>: <message>`; empty when every object is valid
 */
export function schemaProblems(items) {
  const problems = [];
  const typed = [];
  for (const { object, where } of items) {
    const path = modelPath(object);
    let Model;
    try {
      Model = path && require(path)[object.kind];
    } catch {
      Model = undefined;
    }
    if (!Model) {
      problems.push(`${where}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (err) {
      problems.push(`${where}: ${err.message.replace(/\s+/g, ' ')}`);
    }
    typed.push({ object, where, path });
  }
  problems.push(...unknownFieldProblems(typed));
  return problems;
}

/**
 * The excess-property pass: one .ts file, one `const` per object, type-checked in process.
 * @param {{ object: Record<string, any>, where: string, path: string }[]} items
 * @returns {string[]}
 */
function unknownFieldProblems(items) {
  if (items.length === 0) return [];
  const ts = require('typescript');
  // Inside the repository, so the model packages resolve from its node_modules.
  const cache = join(root, 'node_modules/.cache/piko-deploy');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'schema-'));
  try {
    const lines = [];
    const owners = []; // line index → item
    items.forEach((item, i) => {
      lines.push(`import type { I${item.object.kind} as T${i} } from ${JSON.stringify(item.path)};`);
      owners.push(undefined);
    });
    items.forEach((item, i) => {
      const body = `export const o${i}: T${i} = ${JSON.stringify(item.object, null, 2)};`.split('\n');
      for (const l of body) {
        lines.push(l);
        owners.push(item);
      }
    });
    const file = join(dir, 'objects.ts');
    writeFileSync(file, lines.join('\n'));
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      typeRoots: [],
      types: [],
    });
    const source = program.getSourceFile(file);
    return ts.getPreEmitDiagnostics(program, source).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      if (d.file !== source || d.start === undefined) return `schema check: ${text}`;
      const { line } = source.getLineAndCharacterOfPosition(d.start);
      const owner = owners[line];
      const key = /^\s*"([^"]+)"/.exec(lines[line])?.[1];
      return `${owner?.where ?? 'schema check'}: ${key ? `field '${key}': ` : ''}${text}`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
