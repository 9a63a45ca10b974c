import { closeSync, openSync, readSync } from 'node:fs';
import { validateSync } from 'class-validator';
import { parse as parseYaml } from 'yaml';
import { applyYaml } from './apply-yaml';
import { ConfigError } from './config-error';
import { expandEnv } from './expand-env';
import { buildFlagTable } from './flag-table';
import type { SchemaClass } from './option-metadata';
import { parseArgv } from './parse-argv';
import { validationProblems } from './validation-problems';

export interface LoadConfigOptions {
  /** The command's arguments, without the node binary, script and subcommand names. */
  argv: readonly string[];
  /** Variables for --config.expand-env; passed in so library code never reads process.env. */
  env: Record<string, string | undefined>;
  /**
   * Reads the --config.path file, at most `maxBytes + 1` bytes of it; tests may replace it.
   * Defaults to readFileBounded (UTF-8).
   */
  readFile?: (path: string, maxBytes: number) => string;
}

/**
 * The default --config.max-bytes: 1 MiB. A Piko config is a few kilobytes (keys and certificates
 * are paths), so a larger file is a mistake (a log or binary given by accident, /dev/zero, a FIFO
 * fed forever) that would otherwise be read whole into memory and handed to the YAML parser.
 */
export const DEFAULT_CONFIG_MAX_BYTES = 1_048_576;

export interface LoadedConfig<T> {
  config: T;
  positionals: string[];
  /** True when -h/--help was given: the config then holds defaults only and was not validated. */
  help: boolean;
  /** The --config.path used, if any. */
  configPath?: string;
}

/**
 * Builds a validated config: schema defaults, then the YAML file (--config.path, with
 * --config.expand-env), then flags. Throws one ConfigError listing every problem found, so the
 * process fails before any port opens.
 */
export function loadConfig<T extends object>(schema: SchemaClass<T>, options: LoadConfigOptions): LoadedConfig<T> {
  const table = buildFlagTable(schema);
  const argv = parseArgv(options.argv, table, schema);
  const config = new schema();
  if (argv.help) return { config, positionals: argv.positionals, help: true, configPath: argv.configPath };

  const problems = [...argv.problems];
  if (argv.configPath !== undefined) {
    const doc = readYaml(argv.configPath, argv.expandEnv, argv.configMaxBytes ?? DEFAULT_CONFIG_MAX_BYTES, options, problems);
    if (doc !== undefined && doc !== null) applyYaml(config as Record<string, unknown>, schema, doc, '', problems);
  }

  for (const { spec, value } of argv.assignments) {
    let target = config as Record<string, unknown>;
    if (spec.applyToSection) {
      for (const property of spec.propertyPath) target = target[property] as Record<string, unknown>;
      spec.applyToSection(target as never, value as boolean);
      continue;
    }
    for (const property of spec.propertyPath.slice(0, -1)) target = target[property] as Record<string, unknown>;
    target[spec.propertyPath[spec.propertyPath.length - 1]] = value;
  }

  problems.push(...validationProblems(validateSync(config, { forbidUnknownValues: false }), schema));
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return { config, positionals: argv.positionals, help: false, configPath: argv.configPath };
}

/**
 * Reads at most `maxBytes + 1` bytes of `path` as UTF-8: one byte more than allowed is enough to
 * tell the file is too large, whatever it is (a regular file, a FIFO, /dev/zero), without reading
 * the rest. Throws the fs error (ENOENT, EISDIR...) as fs.readFileSync would.
 */
export function readFileBounded(path: string, maxBytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

function readYaml(path: string, expand: boolean, maxBytes: number, options: LoadConfigOptions, problems: string[]): unknown {
  let text: string;
  try {
    text = (options.readFile ?? readFileBounded)(path, maxBytes);
  } catch (err) {
    problems.push(`read file: ${path}: ${(err as Error).message}`);
    return undefined;
  }
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    problems.push(`read file: ${path}: larger than ${maxBytes} bytes (--config.max-bytes); a Piko config is a few kilobytes, is this the right file?`);
    return undefined;
  }
  if (expand) text = expandEnv(text, options.env);
  try {
    return parseYaml(text);
  } catch (err) {
    // The parser's first line names the line and column; the excerpt after it is left out, as a
    // config line may hold a secret (and so is the colon that introduces it).
    problems.push(`parse ${path}: ${(err as Error).message.split('\n')[0].replace(/:$/, '')}`);
    return undefined;
  }
}
