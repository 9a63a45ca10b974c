/**
 * The one line for a subcommand that does not exist, naming it and the ones that do, e.g.
 * `piko agent: unknown subcommand "udp"; want one of: http, tcp, start`. A flag where the
 * subcommand belongs (`piko agent --connect.url …`) is told that the subcommand comes first.
 */
export function unknownSubcommand(command: string, given: string, known: readonly string[]): string {
  const want = `want one of: ${known.join(', ')}`;
  if (given.startsWith('-')) return `piko ${command}: the subcommand comes first, before ${given}; ${want}`;
  return `piko ${command}: unknown subcommand ${JSON.stringify(given)}; ${want}`;
}
