import { runRole } from '@piko/runtime';
import type { Command } from '../command';
import { serverBanner } from '../server/banner';
import { startEmbeddedServer } from '../server/embedded-server';

const USAGE = `Usage: piko server [flags]

Runs every role in one process: the proxy (clients, :8000), the upstream port
(agents and SDK listeners, :8001) and admin (health, readiness, metrics and the
cluster view, :8002), with the in-memory registry and bus. Configure with flags
or a YAML file (--config.path); flags win over the file. For a cluster of
separate processes, see piko proxy, piko gateway and piko admin.

Examples:
  piko server
  piko server --proxy.bind-addr 127.0.0.1:8000 --log.level debug
  piko server --config.path server.yaml --config.expand-env
`;

export const serverCommand: Command = {
  run: (argv, env) =>
    runRole(
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
