/** The kinds of value a config option holds; each has one YAML form, one flag form and one help form. */
export type OptionKind = 'string' | 'int' | 'float' | 'bool' | 'duration' | 'list' | 'enum' | 'section' | 'sectionList';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SchemaClass<T = any> = new () => T;

export interface OptionMeta {
  /** The TypeScript property name (camelCase). */
  property: string;
  /** The YAML key (snake_case); the flag name is this with '-' for '_'. */
  key: string;
  kind: OptionKind;
  description: string;
  /** For 'enum'. */
  values?: readonly string[];
  /** For 'section' and 'sectionList'. */
  type?: () => SchemaClass;
  /** Placeholder shown in help after the flag name, such as 'addr'. */
  placeholder?: string;
  /**
   * For a 'section' that an older Go Piko took as a boolean (`access_log: true`): how a boolean
   * applies to the section's instance. The section then also accepts `true`/`false` in YAML and
   * gets a boolean flag of its own name (`--proxy.access-log=false`), described by `description`.
   */
  booleanForm?: (target: never, value: boolean) => void;
}

const registry = new WeakMap<object, OptionMeta[]>();

export function addOption(ctor: object, meta: OptionMeta): void {
  const list = registry.get(ctor) ?? [];
  list.push(meta);
  registry.set(ctor, list);
}

/** The options of a schema class, in declaration order. */
export function optionsOf(schema: object): readonly OptionMeta[] {
  return registry.get(schema) ?? [];
}

export function snakeCase(property: string): string {
  return property.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

export function flagName(key: string): string {
  return key.replace(/_/g, '-');
}

/** The class of a 'section' or 'sectionList' option. */
export function sectionType(meta: OptionMeta): SchemaClass {
  if (!meta.type) throw new TypeError(`config option ${meta.property} is a ${meta.kind} without a type`);
  return meta.type();
}
