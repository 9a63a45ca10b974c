import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PIKO_BIN } from './support/piko';

jest.setTimeout(30_000);

function piko(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [PIKO_BIN, ...args], { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the piko command', () => {
  it.each(['server', 'proxy', 'gateway', 'admin', 'agent', 'forward'])('%s --help lists its flags and exits 0', async (command) => {
    const args = command === 'agent' ? ['agent', 'http', '--help'] : command === 'forward' ? ['forward', 'tcp', '--help'] : [command, '--help'];
    const { code, stdout } = await piko(args);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage:/);
    expect(stdout).toContain('--config.path');
    expect(stdout).toContain('--log.level');
  });

  it('fails before opening any port on an unknown flag or a bad value, naming each', async () => {
    const { code, stderr } = await piko(['server', '--proxy.bindaddr', ':1', '--proxy.timeout', 'soon']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown flag --proxy.bindaddr');
    expect(stderr).toContain('--proxy.timeout');
  });

  it('reads YAML with env expansion, and names a bad key by its path', async () => {
    const file = join(tmpdir(), `piko-cli-${process.pid}.yaml`);
    writeFileSync(file, 'proxy:\n  bind_addr: ${PIKO_TEST_ADDR:127.0.0.1:0}\n  tiemout: 5s\n');
    const { code, stderr } = await piko(['server', '--config.path', file, '--config.expand-env']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown key proxy.tiemout');
  });

  it('stops before any port opens on an auth key that does not parse, naming it', async () => {
    const { code, stderr } = await piko(['server', '--upstream.auth.rsa-public-key', 'not a pem', '--upstream.auth.hmac-secret-key', 'secret']);
    expect(code).toBe(2);
    expect(stderr).toContain('config: upstream.auth.rsa_public_key:');
    expect(stderr).not.toContain('secret');
  });

  it('cluster roles require Redis and NATS', async () => {
    const { code, stderr } = await piko(['gateway', '--upstream.bind-addr', '127.0.0.1:0']);
    expect(code).toBe(2);
    expect(stderr).toContain('cluster.redis_url and cluster.nats_url are required');
  });

  it('agent http rejects a bad endpoint ID or address', async () => {
    expect((await piko(['agent', 'http', 'bad/id', '3000'])).stderr).toContain('invalid endpoint id');
    const bad = await piko(['agent', 'http', 'ok', 'not a port']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid upstream address');
  });
});
