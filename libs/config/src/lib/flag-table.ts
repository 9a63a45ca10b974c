import { flagName, optionsOf, sectionType, type OptionMeta, type SchemaClass } from './option-metadata';

export interface FlagSpec {
  /** Without the leading dashes: 'proxy.http.read-timeout'. */
  name: string;
  /** Snake-case key path used in messages: 'proxy.http.read_timeout'. */
  keyPath: string;
  /** Property names from the root: ['proxy', 'http', 'readTimeout']. */
  propertyPath: string[];
  meta: OptionMeta;
  /** The value a fresh schema instance holds (the default shown in help). */
  defaultValue: unknown;
  /**
   * For the boolean flag of a section an older Go Piko took as a boolean (`--proxy.access-log`):
   * applies the flag's value to the section instance at `propertyPath`.
   */
  applyToSection?: (section: never, value: boolean) => void;
}

/**
 * Every flag a schema accepts, derived from its metadata so flags, YAML keys and help text can
 * never disagree. Section lists are YAML-only (as in Go Piko) and so have no flags.
 */
export function buildFlagTable(schema: SchemaClass): FlagSpec[] {
  const out: FlagSpec[] = [];
  walk(schema, new schema() as Record<string, unknown>, [], [], [], out);
  return out;
}

function walk(
  schema: SchemaClass,
  instance: Record<string, unknown> | undefined,
  names: string[],
  keys: string[],
  props: string[],
  out: FlagSpec[],
): void {
  for (const meta of optionsOf(schema)) {
    const value = instance?.[meta.property];
    if (meta.kind === 'sectionList') continue;
    if (meta.kind === 'section') {
      const child = sectionType(meta);
      const childInstance = (value as Record<string, unknown> | undefined) ?? (new child() as Record<string, unknown>);
      if (meta.booleanForm) {
        out.push({
          name: [...names, flagName(meta.key)].join('.'),
          keyPath: [...keys, meta.key].join('.'),
          propertyPath: [...props, meta.property],
          meta: { ...meta, kind: 'bool' },
          defaultValue: undefined,
          applyToSection: meta.booleanForm,
        });
      }
      walk(child, childInstance, [...names, flagName(meta.key)], [...keys, meta.key], [...props, meta.property], out);
      continue;
    }
    out.push({
      name: [...names, flagName(meta.key)].join('.'),
      keyPath: [...keys, meta.key].join('.'),
      propertyPath: [...props, meta.property],
      meta,
      defaultValue: value,
    });
  }
}
