import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ManagedProcess, waitFor } from '@piko/testing';

/**
 * The CLI script the system tests run with `node`: the build's bundle, or the file named by
 * PIKO_TEST_BIN, e.g. the `bin/piko.js` of an installed `npm run pack` tarball, to run the suite
 * against what users install.
 */
export const PIKO_BIN = process.env.PIKO_TEST_BIN || join(__dirname, '../../../dist/apps/cli/main.js');

function requireBuild(): void {
  if (!existsSync(PIKO_BIN)) throw new Error(`${PIKO_BIN} is missing: run \`npm run build\` first (npm test does)`);
}

export interface PikoServer {
  process: ManagedProcess;
  proxyPort: number;
  upstreamPort: number;
  adminPort: number;
  proxyUrl: string;
  upstreamUrl: string;
  adminUrl: string;
}

/** `piko server` as a user starts it, on free loopback ports. */
export async function startPikoServer(
  extraArgs: string[] = [],
  ports?: Pick<PikoServer, 'proxyPort' | 'upstreamPort' | 'adminPort'>,
): Promise<PikoServer> {
  requireBuild();
  const { proxyPort, upstreamPort, adminPort } = ports ?? { proxyPort: await freePort(), upstreamPort: await freePort(), adminPort: await freePort() };
  const process = ManagedProcess.start('piko server', 'node', [
    PIKO_BIN,
    'server',
    '--proxy.bind-addr',
    `127.0.0.1:${proxyPort}`,
    '--upstream.bind-addr',
    `127.0.0.1:${upstreamPort}`,
    '--admin.bind-addr',
    `127.0.0.1:${adminPort}`,
    ...extraArgs,
  ]);
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  // Generous: a loaded CI machine can take tens of seconds to start Node and Nest.
  await waitFor('piko server ready', async () => ((await fetch(`${adminUrl}/ready`)).ok ? true : undefined), 60_000, () => process.exitedBefore('ready'));
  return {
    process,
    proxyPort,
    upstreamPort,
    adminPort,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    upstreamUrl: `http://127.0.0.1:${upstreamPort}`,
    adminUrl,
  };
}

/** `piko agent http|tcp <endpoint> <addr>` connected to a server's upstream port. */
export async function startAgent(protocol: 'http' | 'tcp', endpointId: string, addr: string, upstreamUrl: string, extraArgs: string[] = []): Promise<ManagedProcess> {
  requireBuild();
  const agent = ManagedProcess.start(`piko agent ${endpointId}`, 'node', [
    PIKO_BIN,
    'agent',
    protocol,
    endpointId,
    addr,
    '--connect.url',
    upstreamUrl,
    ...extraArgs,
  ]);
  // 30 s: a node process can take several seconds to start on a loaded 2-core machine.
  await agent.waitForOutput(/connected|listener ready|registered/i, 30_000);
  return agent;
}

/** Waits until the proxy routes `endpointId` to an upstream (not 502). */
export async function waitForRoute(proxyUrl: string, endpointId: string, path = '/'): Promise<void> {
  await waitFor(`route to ${endpointId}`, async () => {
    const res = await fetch(`${proxyUrl}${path}`, { headers: { 'x-piko-endpoint': endpointId } });
    await res.arrayBuffer();
    return res.status !== 502 ? true : undefined;
  });
}
