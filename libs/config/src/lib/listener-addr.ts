import { trySplitHostPort } from './bind-addr';
import { ConfigError } from './config-error';

export interface ListenerAddr {
  host: string;
  port: number;
  url: URL;
}

/**
 * Normalises an agent listener's upstream address, accepting what Go Piko's agent accepts, in the
 * same order: a bare port ("3000", meaning localhost), a URL ("http://localhost:3000"), or
 * host:port ("10.0.0.1:3000"). Throws ConfigError otherwise.
 */
export function normalizeListenerAddr(addr: string): ListenerAddr {
  if (/^\d{1,5}$/.test(addr) && Number(addr) < 0xffff) {
    const port = Number(addr);
    return { host: 'localhost', port, url: new URL(`http://localhost:${port}`) };
  }

  const url = tryUrl(addr);
  if (url && url.host !== '') {
    const port = url.port !== '' ? Number(url.port) : defaultPort(url.protocol);
    if (port !== undefined) return { host: stripBrackets(url.hostname), port, url };
  }

  const hostPort = trySplitHostPort(addr);
  if (hostPort && hostPort.host !== '') {
    const host = hostPort.host.includes(':') ? `[${hostPort.host}]` : hostPort.host;
    return { host: hostPort.host, port: hostPort.port, url: new URL(`http://${host}:${hostPort.port}`) };
  }

  throw new ConfigError([`invalid upstream address ${JSON.stringify(addr)} (want a port, host:port or URL)`]);
}

function tryUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    // Not a URL: the caller tries host:port next, exactly as Go's agent does.
    return undefined;
  }
}

function defaultPort(protocol: string): number | undefined {
  switch (protocol) {
    case 'http:':
    case 'ws:':
      return 80;
    case 'https:':
    case 'wss:':
      return 443;
    default:
      return undefined;
  }
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
