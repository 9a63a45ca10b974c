import { authEnabled, ConfigError, type ServerConfig } from '@piko/config';

/**
 * Keys Go Piko has and this build accepts in its schema but does not act on yet: JWT auth on the
 * admin port (`upstream.auth` and `proxy.auth` are enforced, see @piko/auth; `*.tls` is served,
 * see ./tls). Starting anyway would run a port unauthenticated while its operator believes
 * otherwise, so a config that sets any of them is refused, naming each key.
 */
export function rejectUnsupported(config: ServerConfig): void {
  const problems: string[] = [];
  for (const port of ['admin'] as const) {
    if (authEnabled(config[port].auth)) problems.push(`config: ${port}.auth: token verification is not supported on this port by this build yet; refusing to start unauthenticated`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
