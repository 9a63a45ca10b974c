import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from '@piko/testing';
import { PIKO_BIN } from './piko';

export interface TcpRoute {
  endpointId: string;
  /** host:port of the local service behind the agent. */
  addr: string;
  /** Local port `piko forward` listens on for this endpoint. */
  forwardPort: number;
}

/** `piko agent start` with one `protocol: tcp` listener per route, from a YAML file, as a user runs it. */
export async function startTcpAgent(routes: TcpRoute[], upstreamUrl: string, dir: string): Promise<ManagedProcess> {
  const path = join(dir, 'agent.yaml');
  const listeners = routes.map((r) => `  - endpoint_id: ${r.endpointId}\n    addr: "${r.addr}"\n    protocol: tcp\n    access_log: false\n`).join('');
  writeFileSync(path, `connect:\n  url: ${upstreamUrl}\nlisteners:\n${listeners}`);
  const agent = ManagedProcess.start('piko agent start', 'node', [PIKO_BIN, 'agent', 'start', '--config.path', path]);
  for (const r of routes) await agent.waitForOutput(new RegExp(`connected[^\\n]*${r.endpointId}|${r.endpointId}[^\\n]*connected`));
  return agent;
}

/** `piko forward start` with one YAML `ports:` entry per route. */
export async function startTcpForward(routes: TcpRoute[], proxyUrl: string, dir: string): Promise<ManagedProcess> {
  const path = join(dir, 'forward.yaml');
  const ports = routes.map((r) => `  - addr: 127.0.0.1:${r.forwardPort}\n    endpoint_id: ${r.endpointId}\n`).join('');
  writeFileSync(path, `connect:\n  url: ${proxyUrl}\nports:\n${ports}`);
  const forward = ManagedProcess.start('piko forward start', 'node', [PIKO_BIN, 'forward', 'start', '--config.path', path]);
  for (const r of routes) await forward.waitForOutput(`127.0.0.1:${r.forwardPort}`);
  return forward;
}
