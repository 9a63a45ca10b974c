import { formatDuration } from './duration';
import { buildFlagTable, type FlagSpec } from './flag-table';
import type { SchemaClass } from './option-metadata';

const LOADER_FLAGS = [
  {
    name: 'config.path',
    placeholder: 'path',
    description: 'YAML config file path. Keys are the flag names in snake_case, nested by their dots.',
  },
  {
    name: 'config.max-bytes',
    placeholder: 'int',
    description: 'The largest config file read, in bytes (default 1048576): a larger file is refused before it is parsed.',
  },
  {
    name: 'config.expand-env',
    placeholder: '',
    description: "Whether to expand environment variables in the config file: '$VAR', '${VAR}' and '${VAR:default}'.",
  },
];

/**
 * The flags section of `--help`, generated from the schema's metadata so it always matches what
 * the loader accepts: every flag with its type, default and description.
 */
export function renderHelp(schema: SchemaClass, options: { usage?: string } = {}): string {
  const lines: string[] = [];
  if (options.usage) lines.push(`Usage: ${options.usage}`, '');
  lines.push('Flags:');
  for (const flag of LOADER_FLAGS) lines.push(...entry(flag.name, flag.placeholder, flag.description, undefined));
  for (const spec of buildFlagTable(schema)) {
    lines.push(...entry(spec.name, spec.meta.kind === 'bool' ? '' : (spec.meta.placeholder ?? ''), spec.meta.description, formatDefault(spec)));
  }
  lines.push(...entry('help', '', 'Show this help.', undefined));
  return `${lines.join('\n')}\n`;
}

function entry(name: string, placeholder: string, description: string, defaultText: string | undefined): string[] {
  const head = `  --${name}${placeholder ? ` ${placeholder}` : ''}${defaultText !== undefined ? `  (default ${defaultText})` : ''}`;
  const body = description.split('\n').map((line) => (line.trim() === '' ? '' : `      ${line.trim()}`));
  return [head, ...body, ''];
}

function formatDefault(spec: FlagSpec): string | undefined {
  const value = spec.defaultValue;
  switch (spec.meta.kind) {
    case 'duration':
      return typeof value === 'number' ? formatDuration(value) : undefined;
    case 'list':
      return Array.isArray(value) && value.length > 0 ? JSON.stringify(value.join(',')) : undefined;
    case 'string':
    case 'enum':
      return typeof value === 'string' && value !== '' ? JSON.stringify(value) : undefined;
    default:
      return value === undefined ? undefined : String(value);
  }
}
