import { ConfigError, loadConfig, renderHelp, StatusConfig } from '@piko/config';
import type { Command } from '../command';
import { followRequests } from '../status/follow-requests';
import { adminClientFor, runStatus } from '../status/run-status';
import { goStatusView, type StatusView, statusView } from '../status/status-views';

const USAGE = `Usage:
  piko status cluster [flags]                   node counts, endpoints, upstreams, request rates
  piko status nodes [<id>] [flags]              every node (or one, with its endpoints)
  piko status endpoints [<id>] [flags]          endpoints (or one, with its gateways)
  piko status upstreams [flags]                 live upstream sessions, from every gateway
  piko status requests <endpoint> [flags]       requests captured through an endpoint (traffic
                                                inspection), oldest first; --follow prints new
                                                ones as they come, until Ctrl-C
  piko status request <id>                      one captured exchange: heads, bodies, timings

Asks the admin API (--admin.url, the admin port of 'piko admin' or 'piko server')
and prints aligned columns, or the API's JSON or YAML with -o json|yaml
(--json is -o json; with --follow, one JSON object a line).
--watch re-renders every --watch-interval (2s) until Ctrl-C. With admin.auth on
the server, give a token: PIKO_ADMIN_TOKEN=<jwt> (or --admin.token). A gateway
that does not answer is named on stderr (in the JSON: 'unreachable').

Go Piko's spelling works too, against the same API's Go-compatible paths:
  piko server status cluster nodes [--status active]
  piko server status cluster node <id>
  piko server status upstream endpoints
  (--server.url as Go names it; prints YAML, as Go does, unless -o is given)

Examples:
  piko status nodes
  piko status endpoints --prefix team-a- --sort requests
  piko status upstreams --endpoint my-service -o json
  piko status requests my-service --status 5xx --method POST --path-prefix /api/ --follow
  piko status request proxy-a81kq0z.42
  PIKO_ADMIN_TOKEN=$TOKEN piko status cluster --admin.url https://piko-admin:8002 --watch
`;

/** `-o json` and `--json` → `--output json` (the config parser knows long flags only); reports whether an output was given. */
function expandShortFlags(argv: string[]): { argv: string[]; outputGiven: boolean } {
  const out: string[] = [];
  let outputGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') {
      out.push('--output', 'json');
      outputGiven = true;
    } else if (arg === '-o') {
      out.push('--output');
      outputGiven = true;
    } else if (arg.startsWith('-o=')) {
      out.push(`--output=${arg.slice(3)}`);
      outputGiven = true;
    } else {
      if (arg === '--output' || arg.startsWith('--output=')) outputGiven = true;
      out.push(arg);
    }
  }
  return { argv: out, outputGiven };
}

/**
 * `piko status …` and, with `goSpelling`, Go Piko's `piko server status …`. Config errors throw
 * ConfigError (exit 2); an unreachable or refusing admin API exits 1 with one line.
 */
export function statusCommand(goSpelling: boolean): Command {
  return {
    async run(rawArgv, env) {
      const { argv, outputGiven } = expandShortFlags(rawArgv);
      const { config, positionals, help } = loadConfig(StatusConfig, { argv, env });
      if (help || positionals.length === 0) {
        (help ? process.stdout : process.stderr).write(`${USAGE}\n${renderHelp(StatusConfig)}`);
        return help ? 0 : 2;
      }
      // Go prints YAML; so does its spelling here unless an output was asked for.
      if (goSpelling && !outputGiven) config.output = 'yaml';
      if (config.forward) process.stderr.write('piko status: --forward is ignored: the admin API answers for the whole cluster\n');
      const view: StatusView | string = goSpelling ? goStatusView(positionals, config) : positionals.length > 2 ? `unexpected arguments: ${positionals.slice(2).join(' ')}` : statusView(positionals[0], positionals[1], config);
      if (typeof view === 'string') throw new ConfigError([`piko ${goSpelling ? 'server ' : ''}status: ${view}`]);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        if (config.follow) {
          if (goSpelling || positionals[0] !== 'requests') throw new ConfigError(['piko status: --follow is for \'piko status requests <endpoint>\' (use --watch to re-render other views)']);
          return await followRequests(positionals[1], adminClientFor(config, env), config, { out: process.stdout, err: process.stderr }, stop.signal);
        }
        return await runStatus(view, adminClientFor(config, env), config, { out: process.stdout, err: process.stderr }, stop.signal, `piko ${goSpelling ? 'server ' : ''}status ${positionals.join(' ')}`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  };
}
