import type { AddressInfo } from 'node:net';
import { type ServerConfig, tlsEnabled } from '@piko/config';
import type { RunningServer } from './embedded-server';

/** The upstream port Go Piko's agent dials by default; other ports need --connect.url. */
const DEFAULT_UPSTREAM_PORT = 8001;

/**
 * The short human banner `piko server` prints on stdout once it is ready: where each port is and
 * what to run next. Printed only when stdout is a terminal (see server.command.ts): in a container
 * log it would be noise among the JSON lines. Addresses are the bound ones; a port bound to every
 * interface is shown as localhost.
 */
export function serverBanner(config: ServerConfig, server: Pick<RunningServer, 'proxyAddr' | 'upstreamAddr' | 'adminAddr'>): string {
  const proxy = url(server.proxyAddr, tlsEnabled(config.proxy.tls));
  const upstream = url(server.upstreamAddr, tlsEnabled(config.upstream.tls));
  const admin = url(server.adminAddr, tlsEnabled(config.admin.tls));
  // The agent's default --connect.url is http://localhost:8001: say the flag only when it differs.
  const agentDefault = !tlsEnabled(config.upstream.tls) && server.upstreamAddr.port === DEFAULT_UPSTREAM_PORT && isLocal(server.upstreamAddr);
  const connect = agentDefault ? '' : ` --connect.url ${upstream}`;
  return [
    '',
    'Piko is running.',
    `  proxy     ${proxy}    clients send HTTP, WebSocket and TCP traffic here`,
    `  upstream  ${upstream}    agents and SDK listeners connect here`,
    `  admin     ${admin}    /ready, /metrics, /api/v1/endpoints`,
    '',
    'Next, expose a local service (say one on port 3000) as the endpoint my-service:',
    `  npx piko agent http my-service 3000${connect}`,
    'and reach it through the proxy:',
    `  curl -H 'x-piko-endpoint: my-service' ${proxy}/`,
    '',
  ].join('\n');
}

const EVERY_INTERFACE = new Set(['0.0.0.0', '::']);
const LOOPBACK = new Set(['127.0.0.1', '::1']);

function isLocal(addr: AddressInfo): boolean {
  return EVERY_INTERFACE.has(addr.address) || LOOPBACK.has(addr.address);
}

function url(addr: AddressInfo, tls: boolean): string {
  const host = EVERY_INTERFACE.has(addr.address) ? 'localhost' : addr.address;
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
}
