import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsString,
  Max,
  Min,
  ValidateNested,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { formatDuration, MAX_TIMER_MS } from './duration';
import { addOption, snakeCase, type OptionKind, type OptionMeta, type SchemaClass } from './option-metadata';

// Each decorator records what the loader and the help text need (key, kind, description), and
// applies the class-validator checks that the kind implies, so a schema states each option once.
// No class-transformer @Type: the loader builds nested instances from this metadata itself, and
// @Type would need reflect-metadata loaded before any schema, which the agent CLI does not do.

interface OptionExtras {
  /** The YAML key when it is not the snake_case of the property (Go Piko has a few). */
  key?: string;
  placeholder?: string;
}

function option(kind: OptionKind, description: string, extras: OptionExtras & Partial<OptionMeta>, checks: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => {
    const name = String(property);
    const meta: OptionMeta = {
      ...extras,
      property: name,
      key: extras.key ?? snakeCase(name),
      kind,
      description: description.trim(),
    };
    addOption(target.constructor, meta);
    for (const check of checks) check(target, property);
  };
}

// Every message shows the offending value, so a user can find it in a long file.
const msg = (message: string): ValidationOptions => ({
  message: (args: ValidationArguments) => `${message} (got ${JSON.stringify(args.value)})`,
});

export function StringOption(description: string, extras: OptionExtras = {}): PropertyDecorator {
  return option('string', description, { placeholder: 'string', ...extras }, [IsString(msg('must be a string'))]);
}

export function IntOption(description: string, extras: OptionExtras & { min?: number } = {}): PropertyDecorator {
  const { min, ...rest } = extras;
  const checks = [IsInt(msg('must be an integer'))];
  if (min !== undefined) checks.push(Min(min, msg(`must be at least ${min}`)));
  return option('int', description, { placeholder: 'int', ...rest }, checks);
}

export function FloatOption(description: string, extras: OptionExtras & { min?: number } = {}): PropertyDecorator {
  const { min, ...rest } = extras;
  const checks = [IsNumber({ allowNaN: false, allowInfinity: false }, msg('must be a number'))];
  if (min !== undefined) checks.push(Min(min, msg(`must be at least ${min}`)));
  return option('float', description, { placeholder: 'float', ...rest }, checks);
}

export function BoolOption(description: string, extras: OptionExtras = {}): PropertyDecorator {
  return option('bool', description, extras, [IsBoolean(msg('must be true or false'))]);
}

/**
 * A duration: written "30s", "1m", "500ms" in YAML and flags, held as milliseconds. At most
 * MAX_TIMER_MS (2^31-1 ms, about 24.8 days): every duration ends up in a Node timer somewhere, and
 * a longer one would fire at once instead.
 */
export function DurationOption(description: string, extras: OptionExtras = {}): PropertyDecorator {
  return option('duration', description, { placeholder: 'duration', ...extras }, [
    IsNumber({ allowNaN: false, allowInfinity: false }, msg('must be a duration like 30s')),
    Min(0, msg('must not be a negative duration')),
    Max(MAX_TIMER_MS, {
      message: (args: ValidationArguments) =>
        `must be at most ${formatDuration(MAX_TIMER_MS)} (${MAX_TIMER_MS} ms, the longest timer Node.js supports) (got ${formatDuration(Number(args.value))})`,
    }),
  ]);
}

/** A list of strings: a YAML sequence, or a flag given comma-separated and/or repeated (as pflag's StringSlice). */
export function ListOption(description: string, extras: OptionExtras = {}): PropertyDecorator {
  return option('list', description, { placeholder: 'strings', ...extras }, [
    IsArray(msg('must be a list')),
    IsString({ ...msg('must be a list of strings'), each: true }),
  ]);
}

export function EnumOption(values: readonly string[], description: string, extras: OptionExtras = {}): PropertyDecorator {
  return option('enum', description, { placeholder: values.join('|'), values, ...extras }, [
    IsIn([...values], msg(`must be one of ${values.join(', ')}`)),
  ]);
}

/** A nested group of options: a YAML mapping, and a dotted prefix on flags. */
export function Section(type: () => SchemaClass, extras: OptionExtras = {}): PropertyDecorator {
  return option('section', '', { type, ...extras }, [ValidateNested()]);
}

/**
 * A section that an older Go Piko took as a boolean: a YAML mapping or `true`/`false`, and a
 * boolean flag of its own besides its members' flags. `apply` sets the section from the boolean.
 */
export function SectionOrBoolean<T>(type: () => SchemaClass<T>, description: string, apply: (target: T, value: boolean) => void): PropertyDecorator {
  return option('section', description, { type, booleanForm: apply as (target: never, value: boolean) => void }, [ValidateNested()]);
}

/** A list of groups (such as the agent's listeners): YAML only, as in Go Piko. */
export function SectionList(type: () => SchemaClass, description: string, extras: OptionExtras = {}): PropertyDecorator {
  return option('sectionList', description, { type, ...extras }, [
    IsArray(msg('must be a list')),
    ValidateNested({ each: true }),
  ]);
}
