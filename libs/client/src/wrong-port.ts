/** Which of Piko's ports a client meant to reach: agents dial `upstream`, `piko forward` dials `proxy`. */
export type PikoPort = 'upstream' | 'proxy';

const DEFAULT_PORT: Record<PikoPort, number> = { upstream: 8001, proxy: 8000 };

/**
 * Why a refused WebSocket upgrade shows the URL points at the wrong port, or undefined. `status`
 * and `error` are the refusal's status and its `{"error": …}` message (or body text).
 *
 * - Dialing the upstream port but reaching Piko's proxy: the proxy routes by `x-piko-endpoint` or
 *   the Host's first label, so it answers 400 "missing endpoint id" (Host an IP or `localhost`) or
 *   502 "no available upstreams" (Host a name whose first label is no endpoint); Piko's upstream
 *   port never says either (libs/proxy/src/proxy-server.ts, Go Piko's server/proxy).
 * - A 404: nothing at that URL takes the upgrade: the admin port, the other Piko port (the
 *   upstream port's 404 "not found" for a path it does not serve), another server, or a URL path
 *   prefix Piko does not have.
 */
export function wrongPortReason(expected: PikoPort, status: number, error: string): string | undefined {
  const answered = `it answered ${status}${error ? ` ${JSON.stringify(error)}` : ''}`;
  const where = `the ${expected} port is ${DEFAULT_PORT[expected]} by default`;
  if (expected === 'upstream' && ((status === 400 && error === 'missing endpoint id') || (status === 502 && error === 'no available upstreams'))) {
    return `not Piko's upstream port: ${answered} as Piko's proxy port does (${where})`;
  }
  if (status === 404) return `not Piko's ${expected} port: ${answered} (${where})`;
  return undefined;
}
