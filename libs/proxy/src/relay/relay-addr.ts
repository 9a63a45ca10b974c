/** A gateway's relay address as the registry advertises it: `host:port` or `[v6]:port`. */
export function parseRelayAddr(relayAddr: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(relayAddr);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) throw new TypeError(`invalid relay address ${JSON.stringify(relayAddr)}: want host:port`);
  return { host: match[1] ?? match[2], port };
}
