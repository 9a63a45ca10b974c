import type { ValidationError } from 'class-validator';
import { optionsOf, type SchemaClass } from './option-metadata';

/** Turns class-validator's error tree into one line per failed check, named by YAML key path. */
export function validationProblems(errors: readonly ValidationError[], schema: SchemaClass, path = ''): string[] {
  const out: string[] = [];
  const byProperty = new Map(optionsOf(schema).map((meta) => [meta.property, meta]));
  for (const error of errors) {
    const meta = byProperty.get(error.property);
    const key = meta?.key ?? error.property;
    const keyPath = path ? `${path}.${key}` : key;
    for (const message of Object.values(error.constraints ?? {})) {
      out.push(`${keyPath}: ${stripProperty(message, error.property)}`);
    }
    const children = error.children ?? [];
    if (children.length === 0 || !meta?.type) continue;
    const child = meta.type();
    if (meta.kind === 'sectionList') {
      for (const item of children) out.push(...validationProblems(item.children ?? [], child, `${keyPath}[${item.property}]`));
    } else {
      out.push(...validationProblems(children, child, keyPath));
    }
  }
  return out;
}

// class-validator's built-in messages start with the camelCase property name; the key path
// already names it, in the user's spelling.
function stripProperty(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}
