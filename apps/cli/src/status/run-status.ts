import { clientTlsOptions, type StatusConfig } from '@piko/config';
import { stringify as toYaml } from 'yaml';
import { AdminApiError, AdminClient } from './admin-client';
import type { StatusView } from './status-views';

/** Where `piko status` writes: stdout for the view, stderr for warnings and errors. */
export interface StatusOutputStreams {
  out: { write(text: string): unknown; isTTY?: boolean };
  err: { write(text: string): unknown };
}

/** The admin client `config` describes: `server.url` (Go's spelling) wins over `admin.url`; the token from the flag or PIKO_ADMIN_TOKEN. */
export function adminClientFor(config: StatusConfig, env: NodeJS.ProcessEnv): AdminClient {
  return new AdminClient({
    url: config.server.url || config.admin.url,
    token: config.admin.token || env.PIKO_ADMIN_TOKEN || undefined,
    timeoutMs: config.admin.timeout,
    tls: clientTlsOptions(config.admin.tls, 'admin.tls'),
  });
}

/** One rendering of a view in the chosen output; throws AdminApiError. */
async function renderOnce(view: StatusView, client: AdminClient, config: StatusConfig, io: StatusOutputStreams): Promise<string> {
  const data = await view.fetch(client);
  if (config.output === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  if (config.output === 'yaml') return toYaml(data);
  // A gateway that did not answer is said, never silently missing (the JSON carries it in `unreachable`).
  for (const u of view.unreachable?.(data) ?? []) io.err.write(`piko status: ${u.node} did not answer (${u.reason}); what it holds is missing\n`);
  for (const warning of (await view.warnings?.(data, client)) ?? []) io.err.write(`piko status: ${warning}\n`);
  return view.table(data);
}

/**
 * Renders `view` once, or with `watch` every `watchInterval` ms until `stop` aborts (Ctrl-C),
 * clearing a terminal between renders as watch(1) does (a pipe gets the renders one after the
 * other). Resolves to the exit code: 0, or 1 when the one render failed (its error on stderr).
 * While watching, a failed render shows its error in place and the next one is tried.
 */
export async function runStatus(view: StatusView, client: AdminClient, config: StatusConfig, io: StatusOutputStreams, stop: AbortSignal, title: string): Promise<number> {
  if (!config.watch) {
    try {
      io.out.write(await renderOnce(view, client, config, io));
      return 0;
    } catch (err) {
      if (!(err instanceof AdminApiError)) throw err;
      io.err.write(`piko status: ${err.message}\n`);
      return 1;
    }
  }
  while (!stop.aborted) {
    let text: string;
    try {
      text = await renderOnce(view, client, config, io);
    } catch (err) {
      if (!(err instanceof AdminApiError)) throw err;
      text = `piko status: ${err.message}\n`;
    }
    if (stop.aborted) break;
    const header = `Every ${config.watchInterval / 1000}s: ${title}    ${new Date().toISOString()}\n\n`;
    io.out.write(`${io.out.isTTY ? '\x1b[H\x1b[2J' : ''}${header}${text}${io.out.isTTY ? '' : '\n'}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, config.watchInterval);
      stop.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  return 0;
}
