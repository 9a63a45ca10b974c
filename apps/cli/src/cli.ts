import { PikoClientError } from '@piko/client';
import { ConfigError } from '@piko/config';
import { pikoVersion, StartupError } from '@piko/observability';
import type { CommandEntry } from './command';

const COMMANDS: CommandEntry[] = [
  { name: 'server', summary: 'Run proxy, upstream gateway and admin in one process', load: async () => (await import('./commands/server.command')).serverCommand },
  { name: 'proxy', summary: 'Run a proxy node of a cluster (needs Redis and NATS)', load: async () => (await import('./commands/proxy.command')).proxyCommand },
  { name: 'gateway', summary: 'Run an upstream gateway node of a cluster (needs Redis and NATS)', load: async () => (await import('./commands/gateway.command')).gatewayCommand },
  { name: 'admin', summary: 'Run the admin node of a cluster (needs Redis and NATS)', load: async () => (await import('./commands/admin.command')).adminCommand },
  { name: 'agent', summary: 'Register endpoints and forward their traffic to local services', load: async () => (await import('./commands/agent.command')).agentCommand },
  { name: 'forward', summary: 'Forward local TCP ports to endpoints through the proxy', load: async () => (await import('./commands/forward.command')).forwardCommand },
  { name: 'status', summary: "Show the cluster's nodes, endpoints and upstreams (admin API)", load: async () => (await import('./commands/status.command')).statusCommand(false) },
];


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
    "Run 'piko <command> --help' for a command's flags; 'piko --version' (or 'piko version') for the version.",
    '',
  ].join('\n');
}

/**
 * Dispatches to a subcommand and resolves to the exit code. Config errors are the user's to fix:
 * printed plainly, exit 2. Start-up and connect failures: one line `piko <command>: …`, exit 1.
 */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    // Cobra's --version line, as Go Piko prints it ('piko version v0.9.0'); `piko version` is the same here.
    process.stdout.write(`piko version ${pikoVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`piko: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    // Connecting failed for good (bad token, server gone past connect.timeout), or a local port
    // could not be opened: say so in one line, no stack.
    if (err instanceof PikoClientError || err instanceof StartupError) {
      const hint = err instanceof PikoClientError && err.code === 'PIKO_WRONG_PORT' ? '; check --connect.url' : '';
      process.stderr.write(`piko ${name}: ${err.message}${hint}\n`);
      return 1;
    }
    throw err;
  }
}
