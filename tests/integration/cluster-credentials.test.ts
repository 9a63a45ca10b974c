import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds, type KeyPair } from '@nats-io/jwt';
import { nkeys } from 'nats';
import { loadConfig, ServerConfig } from '@piko/config';
import type { ClusterEvent } from '@piko/cluster';
import { type ClusterClients, createClusterClients } from '@piko/runtime';
import { NatsServer, RedisServer, TestPki, waitFor } from '@piko/testing';
import { captureLogger, type LogRecord } from './support/capture-logger';

jest.setTimeout(60_000);

const NATS_PASSWORD = 'nats-pass-Secret1';
const REDIS_PASSWORD = 'redis-pass-Secret2';
const NATS_TOKEN = 'nats-token-Secret3';

/** The clients a node would make from these flags, through the same config loader and factory. */
function clients(argv: string[], records: LogRecord[]): ClusterClients {
  const { config } = loadConfig(ServerConfig, { argv, env: {} });
  return createClusterClients(config, captureLogger(records), true);
}

/** Both clients connected, and one event through NATS and one write through Redis round-trip. */
async function provesBothWork(c: ClusterClients): Promise<void> {
  await waitFor('redis and nats connected', () => (c.registry.status === 'connected' && c.bus.status === 'connected' ? true : undefined), 15_000);
  const received: ClusterEvent[] = [];
  const unsubscribe = c.bus.subscribe((event) => received.push(event));
  await c.bus.publish({ type: 'endpoint', nodeId: 'n1', seq: 1, endpointId: 'svc', count: 1 });
  await waitFor('the event back', () => (received.length === 1 ? true : undefined));
  unsubscribe();
  await c.registry.registerNode({ id: 'n1', role: 'gateway', state: 'active', relayAddr: '127.0.0.1:1', startedAt: 1 });
  expect((await c.registry.snapshot()).nodes.has('n1')).toBe(true);
}

/**
 * An operator, one account it signed and a user `.creds` file per user that account signs, as
 * `nsc` makes them (no limits: -1). The account's public key and JWT go to the server's resolver.
 */
async function natsOperator(): Promise<{ server: { jwt: string; accounts: Record<string, string> }; creds: (signer?: KeyPair) => Promise<string> }> {
  const operator = createOperator();
  const account = createAccount();
  const limits = { subs: -1, conn: -1, leaf: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true };
  const server = {
    jwt: await encodeOperator('piko-test', operator),
    accounts: { [account.getPublicKey()]: await encodeAccount('piko', account, { limits }, { signer: operator }) },
  };
  const creds = async (signer: KeyPair = account) => {
    const user = createUser();
    return new TextDecoder().decode(fmtCreds(await encodeUser('piko-node', user, signer, { subs: -1, data: -1, payload: -1 }), user));
  };
  return { server, creds };
}

describe('cluster clients against nats-server and redis-server that require credentials and TLS', () => {
  const open: ClusterClients[] = [];
  const servers: Array<{ stop(): Promise<void> }> = [];
  let pki: TestPki;

  beforeAll(() => {
    pki = TestPki.create();
  });

  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
    for (const s of servers.splice(0)) await s.stop();
  });

  afterAll(() => pki.remove());

  const start = async <T extends { stop(): Promise<void> }>(server: Promise<T>): Promise<T> => {
    const s = await server;
    servers.push(s);
    return s;
  };
  const make = (argv: string[], records: LogRecord[]) => {
    const c = clients(argv, records);
    open.push(c);
    return c;
  };

  it('NATS user/password and a Redis ACL user from the URLs; wrong ones never connect; no password logged', async () => {
    const nats = await start(NatsServer.start({ user: { name: 'piko', password: NATS_PASSWORD } }));
    const redis = await start(RedisServer.start({ user: { name: 'piko', password: REDIS_PASSWORD } }));
    const good: LogRecord[] = [];
    await provesBothWork(make(['--cluster.nats-url', `nats://piko:${NATS_PASSWORD}@127.0.0.1:${nats.port}`, '--cluster.redis-url', `redis://piko:${REDIS_PASSWORD}@127.0.0.1:${redis.port}`], good));

    const bad: LogRecord[] = [];
    const wrong = make(['--cluster.nats-url', `nats://piko:wrong-${NATS_PASSWORD}@127.0.0.1:${nats.port}`, '--cluster.redis-url', `redis://piko:wrong-${REDIS_PASSWORD}@127.0.0.1:${redis.port}`], bad);
    await waitFor('both refusals logged', () => (bad.some((r) => /nats/.test(r.msg) && /Authorization/i.test(String(r.fields.err))) && bad.some((r) => /WRONGPASS|invalid username-password/i.test(String(r.fields.err))) ? true : undefined), 15_000);
    expect(wrong.bus.status).not.toBe('connected');
    expect(wrong.registry.status).not.toBe('connected');
    const text = JSON.stringify([...good, ...bad]);
    expect(text).not.toContain(NATS_PASSWORD);
    expect(text).not.toContain(REDIS_PASSWORD);
    expect(text).toContain(`nats://piko:***@127.0.0.1:${nats.port}`);
  });

  it('NATS token and Redis default-user password from the URLs', async () => {
    const nats = await start(NatsServer.start({ token: NATS_TOKEN }));
    const redis = await start(RedisServer.start({ password: REDIS_PASSWORD }));
    const records: LogRecord[] = [];
    await provesBothWork(make(['--cluster.nats-url', `nats://${NATS_TOKEN}@127.0.0.1:${nats.port}`, '--cluster.redis-url', `redis://:${REDIS_PASSWORD}@127.0.0.1:${redis.port}`], records));
    expect(JSON.stringify(records)).not.toContain(NATS_TOKEN);
  });

  it('NATS NKey from cluster.nats_nkey_file', async () => {
    const user = nkeys.createUser();
    const seedFile = join(pki.dir, 'piko.nk');
    writeFileSync(seedFile, new TextDecoder().decode(user.getSeed()));
    const nats = await start(NatsServer.start({ nkey: user.getPublicKey() }));
    const redis = await start(RedisServer.start());
    await provesBothWork(make(['--cluster.nats-url', `nats://127.0.0.1:${nats.port}`, '--cluster.nats-nkey-file', seedFile, '--cluster.redis-url', redis.url], []));

    const stranger = nkeys.createUser();
    const strangerFile = join(pki.dir, 'stranger.nk');
    writeFileSync(strangerFile, new TextDecoder().decode(stranger.getSeed()));
    const records: LogRecord[] = [];
    const refused = make(['--cluster.nats-url', `nats://127.0.0.1:${nats.port}`, '--cluster.nats-nkey-file', strangerFile, '--cluster.redis-url', redis.url], records);
    await waitFor('the refusal logged', () => (records.some((r) => /Authorization/i.test(String(r.fields.err))) ? true : undefined), 15_000);
    expect(refused.bus.status).not.toBe('connected');
  });

  it('NATS user JWT from cluster.nats_creds_file (operator mode, resolver MEMORY); a user another account signed is refused; the seed is never logged', async () => {
    const { server, creds } = await natsOperator();
    const credsFile = join(pki.dir, 'piko.creds');
    const text = await creds();
    writeFileSync(credsFile, text);
    const nats = await start(NatsServer.start({ operator: server }));
    const redis = await start(RedisServer.start());
    const good: LogRecord[] = [];
    await provesBothWork(make(['--cluster.nats-url', `nats://127.0.0.1:${nats.port}`, '--cluster.nats-creds-file', credsFile, '--cluster.redis-url', redis.url], good));

    // Anonymous clients are refused by this server: the creds did the work above.
    const anonymous: LogRecord[] = [];
    const none = make(['--cluster.nats-url', `nats://127.0.0.1:${nats.port}`, '--cluster.redis-url', redis.url], anonymous);
    await waitFor('the anonymous refusal logged', () => (anonymous.some((r) => /Authorization/i.test(String(r.fields.err))) ? true : undefined), 15_000);
    expect(none.bus.status).not.toBe('connected');

    const strangerFile = join(pki.dir, 'stranger.creds');
    writeFileSync(strangerFile, await creds(createAccount()));
    const records: LogRecord[] = [];
    const refused = make(['--cluster.nats-url', `nats://127.0.0.1:${nats.port}`, '--cluster.nats-creds-file', strangerFile, '--cluster.redis-url', redis.url], records);
    await waitFor('the refusal logged', () => (records.some((r) => /Authorization|authentication/i.test(String(r.fields.err))) ? true : undefined), 15_000);
    expect(refused.bus.status).not.toBe('connected');
    const seed = /SU[A-Z2-7]{50,}/.exec(text)?.[0];
    expect(seed).toBeDefined();
    expect(JSON.stringify([...good, ...anonymous, ...records])).not.toContain(seed);
  });

  it('refuses a creds file that is not one, and creds beside other NATS credentials, naming the keys', () => {
    const junk = join(pki.dir, 'junk.creds');
    writeFileSync(junk, 'not a creds file\n');
    const cluster = ['--cluster.redis-url', 'redis://127.0.0.1:6379'];
    expect(() => clients(['--cluster.nats-url', 'nats://127.0.0.1:4222', '--cluster.nats-creds-file', junk, ...cluster], [])).toThrow(
      /cluster\.nats_creds_file: not a NATS credentials file/,
    );
    expect(() => clients(['--cluster.nats-url', 'nats://u:p@127.0.0.1:4222', '--cluster.nats-creds-file', junk, ...cluster], [])).toThrow(
      /cluster\.nats_url carries credentials and cluster\.nats_creds_file is set/,
    );
    expect(() => clients(['--cluster.nats-url', 'nats://127.0.0.1:4222', '--cluster.nats-creds-file', join(pki.dir, 'missing.creds'), ...cluster], [])).toThrow(
      /cluster\.nats_creds_file: cannot read .*missing\.creds: ENOENT/,
    );
  });

  it('TLS to both (tls:// and rediss://) verified with cluster.nats_tls / cluster.redis_tls root CAs; another CA is refused', async () => {
    const cert = pki.issue({ cn: 'coordination' });
    const nats = await start(NatsServer.start({ tls: cert }));
    const redis = await start(RedisServer.start({ tls: cert }));
    const urls = ['--cluster.nats-url', `tls://127.0.0.1:${nats.port}`, '--cluster.redis-url', `rediss://127.0.0.1:${redis.port}`];
    await provesBothWork(make([...urls, '--cluster.nats-tls.root-cas', pki.ca.cert, '--cluster.redis-tls.root-cas', pki.ca.cert], []));

    const otherCa = pki.newCa('other-ca');
    const records: LogRecord[] = [];
    const untrusted = make([...urls, '--cluster.nats-tls.root-cas', otherCa.cert, '--cluster.redis-tls.root-cas', otherCa.cert], records);
    await waitFor('both certificate refusals logged', () =>
      records.filter((r) => /certificate|self.signed|unable to verify/i.test(String(r.fields.err))).length >= 2 ? true : undefined, 15_000);
    expect(untrusted.bus.status).not.toBe('connected');
    expect(untrusted.registry.status).not.toBe('connected');
  });

  it('refuses NATS URLs that carry different credentials, naming the key', () => {
    expect(() => clients(['--cluster.nats-url', 'nats://a:1@127.0.0.1:4222,nats://b:2@127.0.0.1:4223', '--cluster.redis-url', 'redis://127.0.0.1:6379'], [])).toThrow(/cluster\.nats_url: every NATS URL/);
  });
});
