import { convertFlag } from './convert-value';
import type { FlagSpec } from './flag-table';
import type { SchemaClass } from './option-metadata';
import { refusedKeyFor, refusedProblem } from './refused-keys';
import { suggest } from './suggest';

const LOADER_FLAGS = ['config.path', 'config.expand-env', 'config.max-bytes', 'help'];

export interface ParsedArgv {
  /** Flag assignments in command-line order, already converted to the option's type. */
  assignments: { spec: FlagSpec; value: unknown }[];
  positionals: string[];
  configPath?: string;
  /** --config.max-bytes: the largest config file read, in bytes (undefined: the loader's default). */
  configMaxBytes?: number;
  expandEnv: boolean;
  help: boolean;
  problems: string[];
}

/**
 * Parses flags the way Go Piko's pflag does: '--name value' or '--name=value'; booleans alone
 * ('--proxy.access-log') or with '=' ('--proxy.access-log=false'); lists comma-separated or
 * repeated; flags and positionals interleaved; '--' ends the flags.
 */
export function parseArgv(argv: readonly string[], table: readonly FlagSpec[], schema?: SchemaClass): ParsedArgv {
  const byName = new Map(table.map((spec) => [spec.name, spec]));
  const out: ParsedArgv = { assignments: [], positionals: [], expandEnv: false, help: false, problems: [] };
  const listsSeen = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      out.help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) {
      // '-config.path x': Go's pflag takes single-dash long flags only as shorthands, so does not either.
      out.problems.push(unknownFlag(arg, arg.replace(/^-+/, ''), table).problem);
      continue;
    }

    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    let inline = eq < 0 ? undefined : arg.slice(eq + 1);

    const isBool = name === 'config.expand-env' || byName.get(name)?.meta.kind === 'bool';
    if (inline === undefined && isBool) inline = 'true';
    const known = name === 'config.path' || name === 'config.expand-env' || name === 'config.max-bytes' || byName.has(name);
    if (!known) {
      const refused = schema ? refusedKeyFor(schema, name.replace(/-/g, '_')) : undefined;
      if (refused) {
        out.problems.push(refusedProblem(`--${name}`, refused));
        // Its value, if it takes one, is no positional argument.
        if (eq < 0 && refused.flagTakesValue !== false && i + 1 < argv.length && !argv[i + 1].startsWith('-')) i++;
      } else {
        const unknown = unknownFlag(`--${name}`, name, table);
        out.problems.push(unknown.problem);
        // '--proxy.bind_addr :8000': the ':8000' belongs to the mistyped flag, not to the positionals.
        if (eq < 0 && unknown.takesValue && i + 1 < argv.length && !argv[i + 1].startsWith('-')) i++;
      }
      continue;
    }
    if (inline === undefined) {
      if (i + 1 >= argv.length) {
        out.problems.push(`flag --${name} needs a value`);
        continue;
      }
      inline = argv[++i];
    }

    if (name === 'config.path') {
      out.configPath = inline;
      continue;
    }
    if (name === 'config.max-bytes') {
      const converted = convertFlag({ property: 'maxBytes', key: 'max_bytes', kind: 'int', description: '' }, inline);
      if (converted.ok && (converted.value as number) >= 1) out.configMaxBytes = converted.value as number;
      else out.problems.push(`--${name}: must be an integer of at least 1 (got ${JSON.stringify(inline)})`);
      continue;
    }
    if (name === 'config.expand-env') {
      const converted = convertFlag({ property: 'expandEnv', key: 'expand_env', kind: 'bool', description: '' }, inline);
      if (converted.ok) out.expandEnv = converted.value as boolean;
      else out.problems.push(`--${name}: ${converted.problem}`);
      continue;
    }

    const spec = byName.get(name);
    if (!spec) continue; // unreachable: `known` checked it above
    const converted = convertFlag(spec.meta, inline);
    if (!converted.ok) {
      out.problems.push(`--${name}: ${converted.problem}`);
      continue;
    }
    if (spec.meta.kind === 'list') {
      // pflag's StringSlice: the first use replaces the default (or YAML value), later uses append.
      const previous = out.assignments.find((a) => a.spec === spec);
      if (listsSeen.has(name) && previous) {
        previous.value = [...(previous.value as string[]), ...(converted.value as string[])];
        continue;
      }
      listsSeen.add(name);
    }
    out.assignments.push({ spec, value: converted.value });
  }
  return out;
}

/** The problem line for an unknown flag, with the nearest known flag when one is close. */
function unknownFlag(arg: string, name: string, table: readonly FlagSpec[]): { problem: string; takesValue: boolean } {
  const near = suggest(name, [...table.map((spec) => spec.name), ...LOADER_FLAGS]);
  const spec = near === undefined ? undefined : table.find((s) => s.name === near);
  const takesValue = near === 'config.path' || near === 'config.max-bytes' || (spec !== undefined && spec.meta.kind !== 'bool');
  return { problem: `unknown flag ${arg}${near ? `; did you mean --${near}?` : ''}`, takesValue };
}
