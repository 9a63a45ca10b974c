import { ConfigError } from './config-error';

export interface HostPort {
  /** '' means every interface (Go's ':8000'). IPv6 hosts come without brackets. */
  host: string;
  port: number;
}

/** Splits 'host:port' like Go's net.SplitHostPort; undefined when the text is not one. */
export function trySplitHostPort(addr: string): HostPort | undefined {
  let host: string;
  let portText: string;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close < 0 || addr[close + 1] !== ':') return undefined;
    host = addr.slice(1, close);
    portText = addr.slice(close + 2);
  } else {
    const colon = addr.lastIndexOf(':');
    if (colon < 0) return undefined;
    host = addr.slice(0, colon);
    // An unbracketed IPv6 address has more colons; Go rejects it, and so do we.
    if (host.includes(':')) return undefined;
    portText = addr.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  if (/[\s/]/.test(host)) return undefined;
  return { host, port };
}

/**
 * Parses a listen address in Go's form: ':8000' (all interfaces, host ''), '127.0.0.1:8000',
 * '[::1]:8000', 'localhost:0'. Throws ConfigError when it is not one.
 */
export function parseBindAddr(addr: string): HostPort {
  const parsed = trySplitHostPort(addr);
  if (!parsed) throw new ConfigError([`invalid address ${JSON.stringify(addr)} (want host:port, such as :8000 or 127.0.0.1:8000)`]);
  return parsed;
}
