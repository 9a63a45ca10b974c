// Fuzz target: config loading (libs/config): a YAML file (--config.path, optionally with
// --config.expand-env) plus command-line flags, against the server and agent schemas. Oracle:
// loadConfig returns a config or throws ConfigError (one line per problem, naming the key);
// any other exception is a bug: bad input must be a clear error, never a crash.
import 'reflect-metadata';
import { AgentConfig, ConfigError, ServerConfig, loadConfig } from '@piko/config';
import { FuzzInput } from './fuzz-input';

export function fuzz(data: Buffer): void {
  const input = new FuzzInput(data);
  const schema = input.bool() ? ServerConfig : AgentConfig;
  const expandEnv = input.bool();
  const text = input.rest().toString('utf8');
  // Text before the first NUL is the YAML file; after it, NUL-separated argv words.
  const [yaml, ...words] = text.split('\0');
  const argv = ['--config.path', '/fuzz/config.yaml', ...(expandEnv ? ['--config.expand-env'] : []), ...words];
  try {
    loadConfig<object>(schema, { argv, env: { HOME: '/root', PORT: '8000' }, readFile: () => yaml });
  } catch (err) {
    if (err instanceof ConfigError) return;
    throw err;
  }
}
