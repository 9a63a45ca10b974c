import { freePort, ManagedProcess, waitFor } from '@piko/testing';
import { TestCluster } from './support/cluster';
import { PIKO_BIN, startPikoServer } from './support/piko';

jest.setTimeout(60_000);

/** `piko server` as `npm start` runs it in a terminal: under a pseudo-terminal (util-linux `script`). */
async function startInTerminal(): Promise<{ process: ManagedProcess; ports: number[] }> {
  const ports = [await freePort(), await freePort(), await freePort()];
  const command = [
    'node', PIKO_BIN, 'server',
    '--proxy.bind-addr', `127.0.0.1:${ports[0]}`,
    '--upstream.bind-addr', `127.0.0.1:${ports[1]}`,
    '--admin.bind-addr', `127.0.0.1:${ports[2]}`,
  ].join(' ');
  return { process: ManagedProcess.start('piko server (terminal)', 'script', ['-qfec', command, '/dev/null']), ports };
}

describe('piko server in a terminal', () => {
  it('prints the three URLs and the next commands after the JSON start-up lines, and they work', async () => {
    const { process, ports } = await startInTerminal();
    try {
      await process.waitForOutput("curl -H 'x-piko-endpoint: my-service'", 30_000);
      const out = process.logs;
      expect(out.indexOf('"proxy server listening"')).toBeGreaterThan(-1);
      expect(out.indexOf('Piko is running.')).toBeGreaterThan(out.indexOf('"proxy server listening"'));
      const [proxy, upstream, admin] = ports.map((p) => `http://127.0.0.1:${p}`);
      expect(out).toContain(`proxy     ${proxy} `);
      expect(out).toContain(`upstream  ${upstream} `);
      expect(out).toContain(`admin     ${admin} `);
      expect(out).toContain(`npx piko agent http my-service 3000 --connect.url ${upstream}`);
      expect(out).toContain(`curl -H 'x-piko-endpoint: my-service' ${proxy}/`);
      // The URLs it names are the live ports.
      expect((await fetch(`${admin}/ready`)).status).toBe(200);
      expect((await fetch(`${proxy}/`, { headers: { 'x-piko-endpoint': 'my-service' } })).status).toBe(502);
    } finally {
      await process.stop();
    }
  });

  it('prints no banner when stdout is not a terminal (a container log, a pipe)', async () => {
    const server = await startPikoServer();
    try {
      // Ready, and its start-up lines are all out: the banner would have come with them.
      await server.process.waitForOutput('"registered node"');
      expect(server.process.logs).not.toContain('Piko is running.');
      expect(server.process.logs).not.toContain('npx piko agent');
    } finally {
      await server.process.stop();
    }
  });
});

describe('no X-Powered-By on Nest ports', () => {
  it('piko server admin: /ready, /health, /metrics, the API and a 404', async () => {
    const server = await startPikoServer();
    try {
      for (const path of ['/ready', '/health', '/metrics', '/api/v1/endpoints', '/api/v1/nodes', '/no-such-path']) {
        const res = await fetch(`${server.adminUrl}${path}`);
        await res.arrayBuffer();
        expect([path, res.headers.get('x-powered-by')]).toEqual([path, null]);
      }
    } finally {
      await server.process.stop();
    }
  });

  it('cluster: the admin port and the proxy and gateway ops ports', async () => {
    const cluster = await TestCluster.start();
    try {
      const urls = [(await cluster.admin('admin')).url, (await cluster.gateway('gateway')).opsUrl, (await cluster.proxy('proxy')).opsUrl];
      for (const url of urls) {
        for (const path of ['/ready', '/metrics', '/no-such-path']) {
          const res = await waitFor(`${url}${path}`, () => fetch(`${url}${path}`));
          await res.arrayBuffer();
          expect([url, path, res.headers.get('x-powered-by')]).toEqual([url, path, null]);
        }
      }
    } finally {
      await cluster.stop();
    }
  });
});
