import { runRole } from '@piko/runtime';
import type { Command } from '../command';
import { serverBanner } from '../server/banner';
import { startEmbeddedServer } from '../server/embedded-server';

const USAGE = `Usage: piko server [flags]

Runs every role in one process: the proxy (clients, :8000), the upstream port
(agents and SDK listeners, :8001) and admin (health, readiness, metrics and the
cluster view, :8002). Configure with flags or a YAML file (--config.path);
flags win over the file.

Alone (the default) it keeps its registry and bus in memory. With
--cluster.nats-url and --cluster.redis-url it is a combined node of a cluster,
like each node of Go Piko's StatefulSet: N replicas of it share one NATS and
one Redis, and any node's proxy reaches an endpoint connected to any other node
over the relay port (--relay.bind-addr, :8003; the same --relay.secret on every
node, or relay mTLS). To scale proxies and gateways separately, run piko proxy,
piko gateway and piko admin instead.

'piko server status …' is Go Piko's status client (see 'piko status --help').

Examples:
  piko server
  piko server --proxy.bind-addr 127.0.0.1:8000 --log.level debug
  piko server --config.path server.yaml --config.expand-env
  piko server --cluster.nats-url nats://nats:4222 --cluster.redis-url redis://redis:6379 \\
    --relay.secret "$PIKO_RELAY_SECRET" --relay.advertise-addr "$POD_IP:8003"
`;

export const serverCommand: Command = {
  run: async (argv, env) =>
    // Go Piko's `piko server status …` (cli/server/status): the status client, not a server.
    argv[0] === 'status'
      ? (await import('./status.command')).statusCommand(true).run(argv.slice(1), env)
      : runRole(
      {
        usage: USAGE,
        async start(config, logger) {
          const server = await startEmbeddedServer(config, logger);
          // For a person at a terminal (`npm start`): where things are and what to run next, on
          // stdout after the JSON start-up lines (stderr). Not in a container or a pipe, where
          // only the JSON lines belong.
          if (process.stdout.isTTY) process.stdout.write(serverBanner(config, server));
          return server;
        },
      },
      argv,
      env,
    ),
};
