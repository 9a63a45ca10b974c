import { networkInterfaces } from 'node:os';
import { parseBindAddr } from '@piko/config';

/**
 * The address other nodes use to reach a port: `advertise_addr` when set, else the bind address's
 * host, else (bound to every interface) this host's first private IPv4 address, as Go Piko does.
 * In Kubernetes, set the advertise address to the pod IP (downward API).
 */
export function advertiseAddr(advertise: string, bind: string, boundPort: number): string {
  if (advertise) return advertise;
  const { host } = parseBindAddr(bind);
  if (host && host !== '0.0.0.0' && host !== '::') return joinHostPort(host, boundPort);
  return joinHostPort(privateIPv4() ?? '127.0.0.1', boundPort);
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function privateIPv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}
