/**
 * The one error the config loader throws. Its message lists every problem found (one per line,
 * each naming the full key path), so a user fixes a bad file in one go instead of one run per
 * mistake.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: readonly string[];

  /** `problems` one per line; each is prefixed `config: ` in the message once, never twice. */
  constructor(problems: string[]) {
    super(problems.map((p) => (p.startsWith('config: ') ? p : `config: ${p}`)).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
