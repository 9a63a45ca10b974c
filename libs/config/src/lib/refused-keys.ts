import type { SchemaClass } from './option-metadata';

/** Where a user migrating from Go Piko finds every key's replacement. */
export const MIGRATION_DOC = 'docs/migrating-from-go-piko.md';

/**
 * A Go Piko v0.9 key that means nothing here (gossip membership, node-to-node TLS, ...). Unlike an
 * unknown key (a typo), it gets a message saying what replaces it.
 */
export interface RefusedKey {
  /** Snake-case YAML path; `[]` stands for any list index. Refuses the key and everything under it. */
  path: string;
  /** Why, and what to use instead. */
  reason: string;
  /** Whether its flag takes a value (`--cluster.join x`) rather than being a boolean. Default true. */
  flagTakesValue?: boolean;
  /** Accept it silently when it is empty ('', false, [], {}, null): it then asks for nothing. */
  allowEmpty?: boolean;
  /** The doc the message points at (repository path); default MIGRATION_DOC. */
  doc?: string;
}

const registry = new WeakMap<object, RefusedKey[]>();

/** Registers a schema's refused keys; the loader consults them for keys and flags it does not know. */
export function refuseKeys(schema: SchemaClass, keys: RefusedKey[]): void {
  registry.set(schema, [...(registry.get(schema) ?? []), ...keys]);
}

/** The refused key covering `keyPath` ('listeners[2].server' matches 'listeners[].server'), if any. */
export function refusedKeyFor(schema: SchemaClass, keyPath: string): RefusedKey | undefined {
  const normalized = keyPath.replace(/\[\d+\]/g, '[]');
  return (registry.get(schema) ?? []).find((k) => normalized === k.path || normalized.startsWith(`${k.path}.`));
}

/** The problem line for a refused key (`where` is the key path or the flag as the user wrote it). */
export function refusedProblem(where: string, key: RefusedKey): string {
  return `${where}: ${key.reason} (see ${key.doc ?? MIGRATION_DOC})`;
}

/** Whether a YAML value asks for nothing: '', false, null, [], {} (recursively), as an `allowEmpty` key may be. */
export function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined || value === '' || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).every(isEmptyValue);
  return false;
}
