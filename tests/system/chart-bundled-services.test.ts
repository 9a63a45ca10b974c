import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { freePort, ManagedProcess, waitFor } from '@piko/testing';
import { curl } from './support/curl';
import { PIKO_BIN } from './support/piko';
import { requireTool } from './support/system-tools';

// The Helm chart's bundled NATS and Redis (deploy/helm/piko/templates/{nats,redis}.yaml), run
// from their rendered commands with the rendered Secret values, natively on loopback: each
// requires its password, Redis keeps protected mode on (no reliance on the image's patch), the
// rendered readiness probe passes only with the password, and `piko admin`, started from its
// rendered args, env and ConfigMap, becomes ready against both: the URLs the chart writes work.
//
// What changes from the pod: paths under the pod's volumes move to a temporary directory, ports
// become free loopback ports, and the listeners bind 127.0.0.1 instead of every interface (tests
// stay on loopback); the rendered bind line is asserted as text.

const root = join(__dirname, '../..');

interface Container {
  command: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  readinessProbe: { exec: { command: string[] } };
}
interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec?: { template: { spec: { containers: Container[] } } };
}
interface Secret {
  metadata: { name: string };
  stringData: Record<string, string>;
}
interface PodProcess {
  deployment: string;
  role: string;
  argv: string[];
  env: Record<string, string>;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}

function container(objects: K8sObject[], name: string): Container {
  const d = must(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)?.spec, `Deployment ${name} in the render`);
  return d.template.spec.containers[0];
}

/** A container's env as the kubelet resolves it from the Secret. */
function envOf(c: Container, secrets: Secret[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) env[e.name] = must(secrets.find((s) => s.metadata.name === ref.name), `Secret ${ref.name}`).stringData[ref.key];
    else if (e.value !== undefined) env[e.name] = e.value;
  }
  return env;
}

function runShell(script: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', script], { env: { PATH: process.env.PATH, ...env }, timeout: 10_000 }, (err) => resolve(err ? Number((err as { code?: number }).code ?? 1) : 0));
  });
}

describe('the chart\'s bundled NATS and Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'piko-chart-bundled-'));
  const processes: ManagedProcess[] = [];
  let objects: K8sObject[];
  let secrets: Secret[];

  beforeAll(() => {
    requireTool('redis-server', 'redis-server');
    requireTool('redis-cli', 'redis-tools');
    requireTool('nats-server', 'nats-server');
    ({ objects, secrets } = JSON.parse(execFileSync(process.execPath, [join(root, 'tools/deploy/render-chart.mjs'), 'default'], { encoding: 'utf8' })));
  });

  // The rendered admin waits out the chart's shutdown_delay (5 s) before it drains: more than
  // Jest's default 5 s for a hook.
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGTERM', 30_000)));
    rmSync(dir, { recursive: true, force: true });
  }, 40_000);

  it('require their passwords, and piko admin becomes ready with the rendered URLs', async () => {
    // Redis, from its rendered start script.
    const redis = container(objects, 'piko-redis');
    const redisScript = redis.command[2];
    expect(redis.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(redisScript).toContain("bind * -::*\\nprotected-mode yes\\n");
    const redisPort = await freePort();
    const redisEnv = envOf(redis, secrets);
    const redisData = join(dir, 'redis-data');
    execFileSync('mkdir', ['-p', redisData]);
    const localRedis = redisScript.replaceAll('/data/', `${redisData}/`).replace('bind * -::*', 'bind 127.0.0.1').replace('port 6379', `port ${redisPort}`);
    expect(localRedis).not.toEqual(redisScript);
    processes.push(ManagedProcess.start('redis (rendered)', 'sh', ['-c', localRedis], redisEnv));

    // NATS, from its rendered start script; -a keeps its client and monitoring ports on loopback.
    const nats = container(objects, 'piko-nats');
    const natsPort = await freePort();
    const monitorPort = await freePort();
    const natsTmp = join(dir, 'nats-tmp');
    execFileSync('mkdir', ['-p', natsTmp]);
    const localNats = nats.command[2]
      .replaceAll('/tmp/', `${natsTmp}/`)
      .replace('port: 4222', `port: ${natsPort}`)
      .replace('http_port: 8222', `http_port: ${monitorPort}`)
      .replace(/exec nats-server -c (\S+)/, 'exec nats-server -c $1 -a 127.0.0.1');
    processes.push(ManagedProcess.start('nats (rendered)', 'sh', ['-c', localNats], envOf(nats, secrets)));

    // The rendered readiness probes: Redis needs REDISCLI_AUTH (from the Secret), NATS /healthz.
    const probe = redis.readinessProbe.exec.command[2].replace('redis-cli ping', `redis-cli -p ${redisPort} ping`);
    await waitFor('the rendered redis readiness probe', async () => ((await runShell(probe, redisEnv)) === 0 ? true : undefined));
    expect(await runShell(probe, { REDISCLI_AUTH: 'not-the-password' })).not.toBe(0);
    expect(await runShell(probe, {})).not.toBe(0);
    const noAuth = execFileSync('redis-cli', ['-p', String(redisPort), 'ping'], { encoding: 'utf8' });
    expect(noAuth).toContain('NOAUTH');
    const protectedMode = execFileSync('redis-cli', ['-p', String(redisPort), '--no-auth-warning', '-a', redisEnv.REDIS_PASSWORD, 'config', 'get', 'protected-mode'], { encoding: 'utf8' });
    expect(protectedMode.split('\n')).toEqual(['protected-mode', 'yes', '']);
    const healthz = await waitFor('nats /healthz', async () => {
      const r = await curl([`http://127.0.0.1:${monitorPort}/healthz`]).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    });
    expect(healthz.body).toContain('ok');
    // NATS refuses a client without the password, or with another one.
    const server = `127.0.0.1:${natsPort}`;
    await expect(connect({ servers: server, reconnect: false })).rejects.toThrow(/authorization/i);
    await expect(connect({ servers: server, user: 'piko', pass: 'not-the-password', reconnect: false })).rejects.toThrow(/authorization/i);
    const accepted = await connect({ servers: server, user: 'piko', pass: envOf(nats, secrets).NATS_PASSWORD, reconnect: false });
    await accepted.close();

    // piko admin from its rendered pod: the ConfigMap's URLs carry ${PIKO_NATS_PASSWORD} and
    // ${PIKO_REDIS_PASSWORD}; only the hosts (the Services) are moved to the local ports.
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify(secrets));
    const pods: PodProcess[] = JSON.parse(
      execFileSync(process.execPath, [join(root, 'tools/deploy/pod-processes.mjs'), 'default', join(dir, 'pods'), '--pod-ip=127.0.0.1', `--secrets=${join(dir, 'secrets.json')}`], { encoding: 'utf8' }),
    );
    const admin = must(pods.find((p) => p.role === 'admin'), 'the admin pod');
    const configPath = must(admin.argv.find((a) => a.startsWith('--config.path=')), '--config.path').slice('--config.path='.length);
    const config = execFileSync('cat', [configPath], { encoding: 'utf8' });
    expect(config).toContain('nats_url: nats://piko:${PIKO_NATS_PASSWORD}@piko-nats:4222');
    expect(config).toContain('redis_url: redis://:${PIKO_REDIS_PASSWORD}@piko-redis:6379');
    writeFileSync(configPath, config.replace('@piko-nats:4222', `@127.0.0.1:${natsPort}`).replace('@piko-redis:6379', `@127.0.0.1:${redisPort}`));
    const adminPort = await freePort();
    const piko = ManagedProcess.start('piko admin (rendered)', process.execPath, [PIKO_BIN, 'admin', ...admin.argv, `--admin.bind-addr=127.0.0.1:${adminPort}`], admin.env);
    processes.push(piko);
    const ready = await waitFor(
      'piko admin ready against the bundled NATS and Redis',
      async () => {
        const r = await curl([`http://127.0.0.1:${adminPort}/ready`]).catch(() => undefined);
        return r?.status === 200 ? r : undefined;
      },
      30_000,
    );
    expect(JSON.parse(ready.body)).toMatchObject({ ready: true, checks: { redis: { ok: true }, nats: { ok: true } } });
    // No password from the Secret in the process's arguments.
    for (const value of Object.values(secrets[0].stringData)) expect(piko.child.spawnargs.join(' ')).not.toContain(value);
  }, 60_000);
});
