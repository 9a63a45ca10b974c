import { convertYaml } from './convert-value';
import { optionsOf, sectionType, type SchemaClass } from './option-metadata';
import { isEmptyValue, refusedKeyFor, refusedProblem } from './refused-keys';
import { suggest } from './suggest';

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Copies a parsed YAML document onto a schema instance, converting each value to its option's
 * type. Every unknown key and bad value is added to `problems` (as Go Piko's KnownFields(true)
 * rejects unknown keys), and the walk goes on so the user sees all of them at once.
 */
export function applyYaml(
  target: Record<string, unknown>,
  schema: SchemaClass,
  doc: unknown,
  path: string,
  problems: string[],
  root: SchemaClass = schema,
): void {
  if (!isMapping(doc)) {
    problems.push(`${path || '(root)'}: must be a mapping (got ${JSON.stringify(doc)})`);
    return;
  }
  const options = new Map(optionsOf(schema).map((meta) => [meta.key, meta]));
  for (const [key, raw] of Object.entries(doc)) {
    const keyPath = path ? `${path}.${key}` : key;
    const meta = options.get(key);
    if (!meta) {
      const refused = refusedKeyFor(root, keyPath);
      if (refused) {
        if (!(refused.allowEmpty && isEmptyValue(raw))) problems.push(refusedProblem(keyPath, refused));
        continue;
      }
      const near = suggest(key, [...options.keys()]);
      problems.push(`unknown key ${keyPath}${near ? `; did you mean ${path ? `${path}.` : ''}${near}?` : ''}`);
      continue;
    }
    // A key left empty in YAML (`tls:`) keeps the default, as it does for Go's decoder.
    if (raw === null || raw === undefined) continue;

    if (meta.kind === 'section') {
      const child = sectionType(meta);
      const current = target[meta.property];
      const instance = isMapping(current) ? current : (new child() as Record<string, unknown>);
      target[meta.property] = instance;
      // The boolean an older Go Piko took here (`access_log: false`).
      if (meta.booleanForm && typeof raw === 'boolean') meta.booleanForm(instance as never, raw);
      else if (meta.booleanForm && !isMapping(raw)) problems.push(`${keyPath}: must be true or false, or a mapping (got ${JSON.stringify(raw)})`);
      else applyYaml(instance, child, raw, keyPath, problems, root);
      continue;
    }
    if (meta.kind === 'sectionList') {
      if (!Array.isArray(raw)) {
        problems.push(`${keyPath}: must be a list (got ${JSON.stringify(raw)})`);
        continue;
      }
      const child = sectionType(meta);
      target[meta.property] = raw.map((item, index) => {
        const instance = new child() as Record<string, unknown>;
        applyYaml(instance, child, item, `${keyPath}[${index}]`, problems, root);
        return instance;
      });
      continue;
    }

    const converted = convertYaml(meta, raw);
    if (converted.ok) target[meta.property] = converted.value;
    else problems.push(`${keyPath}: ${converted.problem}`);
  }
}
