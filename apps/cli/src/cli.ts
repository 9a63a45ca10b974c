import { PikoClientError } from '@piko/client';
import { ConfigError } from '@piko/config';
import type { Command } from './command';
import { agentCommand } from './commands/agent.command';
import { forwardCommand } from './commands/forward.command';
import { adminCommand, gatewayCommand, proxyCommand } from './commands/role.commands';
import { serverCommand } from './commands/server.command';

const COMMANDS: Command[] = [serverCommand, proxyCommand, gatewayCommand, adminCommand, agentCommand, forwardCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'piko: a self-hosted tunnel. Upstreams dial out to Piko; clients reach them through its proxy.',
    '',
    'Usage: piko <command> [arguments] [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'piko <command> --help' for a command's flags.",
    '',
  ].join('\n');
}

/** Dispatches to a subcommand. Config errors are the user's to fix: print them plainly, exit 2. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`piko: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    // Connecting failed for good (bad token, server gone past connect.timeout): say so, no stack.
    if (err instanceof PikoClientError) {
      process.stderr.write(`piko ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
