/** A TCP destination parsed from the forms users type: `8080`, `:8080`, `host:8080`, `[::1]:8080`. */
export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(addr: string | number, defaultHost = 'localhost'): HostPort {
  if (typeof addr === 'number') return { host: defaultHost, port: checkPort(addr, String(addr)) };
  const text = addr.trim();
  if (/^\d+$/.test(text)) return { host: defaultHost, port: checkPort(Number(text), addr) };
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  if (!match) throw new TypeError(`invalid address ${JSON.stringify(addr)}: want host:port or port`);
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? defaultHost : host, port: checkPort(Number(match[3]), addr) };
}

function checkPort(port: number, addr: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`invalid port in address ${JSON.stringify(addr)}`);
  }
  return port;
}
