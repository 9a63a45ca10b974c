import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentConfig } from '../schemas/agent.config';
import { ForwardConfig } from '../schemas/forward.config';
import { ServerConfig } from '../schemas/server.config';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

/** Loads `yaml` as if from --config.path, plus the given extra flags. */
function withYaml<T extends object>(schema: new () => T, yaml: string, argv: string[] = [], env: Record<string, string> = {}) {
  return loadConfig(schema, { argv: ['--config.path', 'piko.yaml', ...argv], env, readFile: () => yaml });
}

describe('loadConfig defaults', () => {
  it('gives Go Piko defaults with no arguments', () => {
    const { config, positionals, help } = loadConfig(ServerConfig, { argv: [], env: {} });
    expect(help).toBe(false);
    expect(positionals).toEqual([]);
    expect(config).toBeInstanceOf(ServerConfig);
    expect(config.proxy).toMatchObject({ bindAddr: ':8000', advertiseAddr: '', timeout: 30_000 });
    expect(config.proxy.accessLog).toEqual({
      level: 'info',
      disable: false,
      requestHeaders: { allowList: [], blockList: [] },
      responseHeaders: { allowList: [], blockList: [] },
      query: 'strip',
      redactQueryParams: expect.arrayContaining(['token', 'access_token', 'password', 'signature']),
    });
    expect(config.proxy.http).toEqual({
      readTimeout: 0,
      readHeaderTimeout: 10_000,
      writeTimeout: 0,
      idleTimeout: 300_000,
      bodyIdleTimeout: 60_000,
      maxPipelinedRequests: 4096,
      maxHeaderBytes: 1_048_576,
      maxHeaderCount: 500,
      upstreamMaxIdleStreams: 128,
      upstreamIdleTimeout: 15_000,
      maxResponseHeaderBytes: 1_048_576,
    });
    expect(config.proxy.tls).toEqual({ cert: '', key: '', clientCas: '', handshakeTimeout: 10_000 });
    expect(config.upstream.bindAddr).toBe(':8001');
    expect(config.upstream.mux).toEqual({
      keepaliveInterval: 30_000,
      writeTimeout: 10_000,
      maxStreams: 4096,
      maxStreamWindow: 262_144,
      acceptBacklog: 256,
      streamOpenTimeout: 75_000,
      // Flood limits (ours, not Go Piko's).
      maxQueuedControlBytes: 1_048_576,
      queuedControlTimeout: 5_000,
      maxFrameRate: 100_000,
      frameBurst: 200_000,
    });
    expect(config.admin.bindAddr).toBe(':8002');
    expect(config.relay.bindAddr).toBe('127.0.0.1:8003');
    expect(config.relay).toMatchObject({ maxQueuedControlBytes: 4_194_304, queuedControlTimeout: 5_000, maxFrameRate: 300_000, frameBurst: 600_000 });
    expect(config.ops.bindAddr).toBe(':8004');
    expect(config.upstream.rebalance).toEqual({ threshold: 0, shedRate: 0.005, minConns: 50, checkInterval: 1_000 });
    expect(config.cluster).toMatchObject({
      resyncInterval: 30_000,
      natsUrl: '',
      redisUrl: '',
    });
    expect(config.cluster.registry).toEqual({ keyPrefix: 'piko', leaseTtl: 10_000, heartbeatInterval: 3_000, sweepInterval: 10_000 });
    expect(config.upstream.auth.hmacSecretKey).toBe('');
    expect(config.log).toEqual({ level: 'info', subsystems: [] });
    expect(config.gracePeriod).toBe(60_000);
  });

  it('gives the agent and forward defaults', () => {
    const agent = loadConfig(AgentConfig, { argv: [], env: {} }).config;
    expect(agent.listeners).toEqual([]);
    expect(agent.connect).toMatchObject({ url: 'http://localhost:8001', token: '', timeout: 30_000 });
    expect(agent).toMatchObject({ timeout: 10_000 });
    expect(agent.accessLog).toMatchObject({ level: 'info', disable: false });
    expect(agent.httpClient).toEqual({ keepAliveTimeout: 30_000, idleConnTimeout: 90_000, maxIdleConns: 100, disableCompression: false });
    expect(agent.server).toEqual({ enabled: false, bindAddr: ':5000' });
    expect(agent.gracePeriod).toBe(60_000);
    const forward = loadConfig(ForwardConfig, { argv: [], env: {} }).config;
    expect(forward.ports).toEqual([]);
    expect(forward.connect).toMatchObject({ url: 'http://localhost:8000', timeout: 30_000 });
  });

  it('does not share default objects between loads', () => {
    const a = loadConfig(ServerConfig, { argv: ['--log.subsystems', 'x'], env: {} }).config;
    const b = loadConfig(ServerConfig, { argv: [], env: {} }).config;
    expect(a.log.subsystems).toEqual(['x']);
    expect(b.log.subsystems).toEqual([]);
  });
});

describe('loadConfig flags', () => {
  it('accepts --name value and --name=value, and returns positionals', () => {
    const { config, positionals } = loadConfig(ServerConfig, {
      argv: ['http', '--proxy.bind-addr', '127.0.0.1:9000', 'my-endpoint', '--upstream.bind-addr=[::1]:9001', '3000'],
      env: {},
    });
    expect(config.proxy.bindAddr).toBe('127.0.0.1:9000');
    expect(config.upstream.bindAddr).toBe('[::1]:9001');
    expect(positionals).toEqual(['http', 'my-endpoint', '3000']);
  });

  it('treats a lone boolean flag as true and takes =false', () => {
    expect(loadConfig(ServerConfig, { argv: ['--proxy.access-log.disable'], env: {} }).config.proxy.accessLog.disable).toBe(true);
    const { config, positionals } = loadConfig(AgentConfig, { argv: ['--http-client.disable-compression', 'pos'], env: {} });
    expect(config.httpClient.disableCompression).toBe(true);
    // A boolean flag never swallows the next argument.
    expect(positionals).toEqual(['pos']);
  });

  it('parses durations, ints and floats', () => {
    const { config } = loadConfig(ServerConfig, {
      argv: ['--proxy.timeout', '1m30s', '--grace-period=500ms', '--upstream.mux.max-streams', '10', '--upstream.rebalance.shed-rate', '0.5'],
      env: {},
    });
    expect(config.proxy.timeout).toBe(90_000);
    expect(config.gracePeriod).toBe(500);
    expect(config.upstream.mux.maxStreams).toBe(10);
    expect(config.upstream.rebalance.shedRate).toBe(0.5);
  });

  it('takes lists comma-separated and repeated', () => {
    const { config } = loadConfig(ServerConfig, { argv: ['--log.subsystems', 'proxy,upstream', '--log.subsystems=admin'], env: {} });
    expect(config.log.subsystems).toEqual(['proxy', 'upstream', 'admin']);
  });

  it('stops reading flags at --', () => {
    const { positionals } = loadConfig(ServerConfig, { argv: ['--', '--proxy.bind-addr', 'x'], env: {} });
    expect(positionals).toEqual(['--proxy.bind-addr', 'x']);
  });

  it('reports --help without validating', () => {
    const result = loadConfig(ServerConfig, { argv: ['--help', '--proxy.timeout', 'abc'], env: {} });
    expect(result.help).toBe(true);
    expect(loadConfig(ServerConfig, { argv: ['-h'], env: {} }).help).toBe(true);
  });

  it('rejects an unknown flag, a short flag and a flag missing its value', () => {
    expect(problemsOf(() => loadConfig(ServerConfig, { argv: ['--proxy.bindaddr', 'x', '-v', '--nothing-like-it', '--proxy.timeout'], env: {} }))).toEqual([
      'unknown flag --proxy.bindaddr; did you mean --proxy.bind-addr?',
      'unknown flag -v',
      'unknown flag --nothing-like-it',
      'flag --proxy.timeout needs a value',
    ]);
  });

  it('rejects a bad value of every kind, naming each flag', () => {
    const problems = problemsOf(() =>
      loadConfig(ServerConfig, {
        argv: [
          '--proxy.timeout=abc',
          '--proxy.access-log=maybe',
          '--upstream.mux.max-streams=ten',
          '--upstream.rebalance.shed-rate=lots',
          '--log.level=loud',
          '--proxy.bind-addr=nope',
          '--upstream.mux.max-streams=0',
        ],
        env: {},
      }),
    );
    expect(problems).toEqual([
      '--proxy.timeout: must be a duration like 30s (got "abc")',
      '--proxy.access-log: must be true or false (got "maybe")',
      '--upstream.mux.max-streams: must be an integer (got "ten")',
      '--upstream.rebalance.shed-rate: must be a number (got "lots")',
      'proxy.bind_addr: must be host:port, such as :8000 or 127.0.0.1:8000 (got "nope")',
      'upstream.mux.max_streams: must be at least 1 (got 0)',
      'log.level: must be one of debug, info, warn, error (got "loud")',
    ]);
  });

  it('rejects a negative duration', () => {
    expect(problemsOf(() => loadConfig(ServerConfig, { argv: ['--proxy.timeout=-1s'], env: {} }))).toEqual([
      'proxy.timeout: must not be a negative duration (got -1000)',
    ]);
  });

  it("rejects a duration longer than Node's timers support (2^31-1 ms), naming the key and the maximum", () => {
    // 720h would overflow setTimeout and fire after 1 ms: every request a 504.
    expect(problemsOf(() => loadConfig(ServerConfig, { argv: ['--proxy.timeout=720h'], env: {} }))).toEqual([
      'proxy.timeout: must be at most 596h31m23.647s (2147483647 ms, the longest timer Node.js supports) (got 720h)',
    ]);
    expect(problemsOf(() => withYaml(ServerConfig, 'upstream:\n  mux:\n    keepalive_interval: 720h\n'))).toEqual([
      'upstream.mux.keepalive_interval: must be at most 596h31m23.647s (2147483647 ms, the longest timer Node.js supports) (got 720h)',
    ]);
    expect(problemsOf(() => withYaml(AgentConfig, 'connect:\n  timeout: 2147483.648s\n'))[0]).toMatch(/^connect\.timeout: must be at most 596h31m23\.647s/);
  });

  it('accepts the longest duration a timer supports', () => {
    expect(loadConfig(ServerConfig, { argv: ['--proxy.timeout=2147483647ms'], env: {} }).config.proxy.timeout).toBe(2 ** 31 - 1);
    expect(loadConfig(ServerConfig, { argv: ['--proxy.timeout=596h'], env: {} }).config.proxy.timeout).toBe(596 * 3_600_000);
  });

  it('takes WebSocket origin allow-lists and refuses entries that are not origins', () => {
    const { config } = loadConfig(ServerConfig, {
      argv: ['--upstream.allowed-origins', 'https://ops.example.com', '--proxy.tcp-allowed-origins', '*,http://localhost:3000'],
      env: {},
    });
    expect(config.upstream.allowedOrigins).toEqual(['https://ops.example.com']);
    expect(config.proxy.tcpAllowedOrigins).toEqual(['*', 'http://localhost:3000']);
    expect(loadConfig(ServerConfig, { argv: [], env: {} }).config.proxy.tcpAllowedOrigins).toEqual([]);
    for (const bad of ['https://app.example.com/', 'https://app.example.com/path', 'app.example.com', 'null']) {
      expect(problemsOf(() => loadConfig(ServerConfig, { argv: ['--upstream.allowed-origins', bad], env: {} }))).toEqual([
        `upstream.allowed_origins: each entry must be * or an origin such as https://app.example.com (scheme://host[:port], no path) (got ${JSON.stringify([bad])})`,
      ]);
    }
  });

  it('puts every problem in the message, each prefixed with config:', () => {
    try {
      loadConfig(ServerConfig, { argv: ['--proxy.timeout', 'abc', '--nope'], env: {} });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect((err as Error).message).toBe('config: --proxy.timeout: must be a duration like 30s (got "abc")\nconfig: unknown flag --nope');
    }
  });
});

describe('loadConfig YAML', () => {
  const yaml = `
proxy:
  bind_addr: 127.0.0.1:7000
  timeout: 45s
  access_log: false
  http:
    idle_timeout: 1h
    max_header_bytes: 2048
  auth:
    hmac_secret_key: s3cret
    jwks:
      endpoint: https://example.com/jwks.json
      cache_ttl: 10m
  tls:
    cert: /etc/piko/cert.pem
    key: /etc/piko/key.pem
upstream:
  mux:
    max_streams: 100
cluster:
  node_id: node-1
  nats_url: nats://10.0.0.1:4222,10.0.0.2:4222
  redis_url: redis://10.0.0.3:6379/0
  registry:
    lease_ttl: 20s
log:
  level: debug
  subsystems: [proxy, upstream]
grace_period: 2m
`;

  it('reads snake_case keys as Go Piko writes them', () => {
    const { config } = withYaml(ServerConfig, yaml);
    expect(config.proxy).toMatchObject({ bindAddr: '127.0.0.1:7000', timeout: 45_000 });
    expect(config.proxy.accessLog).toMatchObject({ level: 'debug', disable: false });
    expect(config.proxy.http).toMatchObject({ idleTimeout: 3_600_000, maxHeaderBytes: 2048, readTimeout: 0 });
    expect(config.proxy.auth.hmacSecretKey).toBe('s3cret');
    expect(config.proxy.auth.jwks).toEqual({ endpoint: 'https://example.com/jwks.json', cacheTtl: 600_000, timeout: 10_000 });
    expect(config.proxy.tls).toEqual({ cert: '/etc/piko/cert.pem', key: '/etc/piko/key.pem', clientCas: '', handshakeTimeout: 10_000 });
    expect(config.upstream.mux.maxStreams).toBe(100);
    expect(config.upstream.mux.acceptBacklog).toBe(256);
    expect(config.cluster).toMatchObject({ nodeId: 'node-1', natsUrl: 'nats://10.0.0.1:4222,10.0.0.2:4222', redisUrl: 'redis://10.0.0.3:6379/0' });
    expect(config.cluster.registry).toMatchObject({ leaseTtl: 20_000, keyPrefix: 'piko' });
    expect(config.log).toEqual({ level: 'debug', subsystems: ['proxy', 'upstream'] });
    expect(config.gracePeriod).toBe(120_000);
  });

  it('lets flags override YAML, leaving the rest of the file in force', () => {
    const { config } = withYaml(ServerConfig, yaml, ['--proxy.timeout', '5s', '--log.subsystems', 'admin', '--proxy.access-log']);
    expect(config.proxy.timeout).toBe(5_000);
    expect(config.proxy.accessLog.level).toBe('info');
    expect(config.log.subsystems).toEqual(['admin']);
    expect(config.proxy.bindAddr).toBe('127.0.0.1:7000');
  });

  it('applies flags over YAML whatever their order on the command line', () => {
    const { config } = loadConfig(ServerConfig, {
      argv: ['--proxy.timeout', '5s', '--config.path', 'piko.yaml'],
      env: {},
      readFile: () => 'proxy:\n  timeout: 45s\n',
    });
    expect(config.proxy.timeout).toBe(5_000);
  });

  it('reads a real file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'piko-config-'));
    try {
      const path = join(dir, 'piko.yaml');
      writeFileSync(path, 'admin:\n  bind_addr: 127.0.0.1:0\n');
      const { config, configPath } = loadConfig(ServerConfig, { argv: [`--config.path=${path}`], env: {} });
      expect(config.admin.bindAddr).toBe('127.0.0.1:0');
      expect(configPath).toBe(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing file', () => {
    const problems = problemsOf(() => loadConfig(ServerConfig, { argv: ['--config.path', '/nonexistent/piko.yaml'], env: {} }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^read file: \/nonexistent\/piko\.yaml: .*ENOENT/);
  });

  it('refuses a config file larger than --config.max-bytes (default 1 MiB) without reading it all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'piko-config-'));
    try {
      const path = join(dir, 'piko.yaml');
      const line = 'proxy:\n  bind_addr: 127.0.0.1:7000\n';
      writeFileSync(path, line + '#'.repeat(1_048_576 - line.length));
      expect(loadConfig(ServerConfig, { argv: [`--config.path=${path}`], env: {} }).config.proxy.bindAddr).toBe('127.0.0.1:7000');
      writeFileSync(path, line + '#'.repeat(1_048_577 - line.length));
      expect(problemsOf(() => loadConfig(ServerConfig, { argv: [`--config.path=${path}`], env: {} }))).toEqual([
        `read file: ${path}: larger than 1048576 bytes (--config.max-bytes); a Piko config is a few kilobytes, is this the right file?`,
      ]);
      expect(loadConfig(ServerConfig, { argv: [`--config.path=${path}`, '--config.max-bytes=2000000'], env: {} }).config.proxy.bindAddr).toBe(
        '127.0.0.1:7000',
      );
      expect(problemsOf(() => loadConfig(ServerConfig, { argv: [`--config.path=${path}`, '--config.max-bytes', '40'], env: {} }))[0]).toMatch(
        /larger than 40 bytes/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an endless config file (/dev/zero) instead of reading it forever', () => {
    expect(problemsOf(() => loadConfig(ServerConfig, { argv: ['--config.path=/dev/zero'], env: {} }))).toEqual([
      'read file: /dev/zero: larger than 1048576 bytes (--config.max-bytes); a Piko config is a few kilobytes, is this the right file?',
    ]);
  });

  it('rejects a --config.max-bytes that is not a positive integer', () => {
    expect(problemsOf(() => loadConfig(ServerConfig, { argv: ['--config.max-bytes=0'], env: {} }))).toEqual([
      '--config.max-bytes: must be an integer of at least 1 (got "0")',
    ]);
    expect(problemsOf(() => loadConfig(ServerConfig, { argv: ['--config.max-bytes=1k'], env: {} }))).toEqual([
      '--config.max-bytes: must be an integer of at least 1 (got "1k")',
    ]);
  });

  it('reports YAML syntax errors with the line and column, not the line itself (it may hold a secret)', () => {
    const problems = problemsOf(() => withYaml(ServerConfig, 'proxy:\n  bind_addr: [unclosed\nupstream:\n  auth:\n    hmac_secret_key: s3cret\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^parse piko\.yaml: .* at line \d+, column \d+$/);
    expect(problems[0]).not.toContain('s3cret');
  });

  it('accepts an empty file and keys left empty', () => {
    expect(withYaml(ServerConfig, '').config.proxy.bindAddr).toBe(':8000');
    expect(withYaml(ServerConfig, 'proxy:\n  tls:\n').config.proxy.tls.cert).toBe('');
  });

  it('reads any YAML scalar into a string option, as Go does', () => {
    expect(withYaml(ServerConfig, 'cluster:\n  node_id: 12345\n').config.cluster.nodeId).toBe('12345');
  });

  it('rejects unknown keys at any depth, naming the full path', () => {
    const problems = problemsOf(() => withYaml(ServerConfig, 'proxy:\n  bindaddr: x\n  http:\n    nope: 1\nbogus: true\n'));
    expect(problems).toEqual(['unknown key proxy.bindaddr; did you mean proxy.bind_addr?', 'unknown key proxy.http.nope', 'unknown key bogus']);
  });

  it('rejects camelCase and kebab-case keys (YAML is snake_case)', () => {
    expect(problemsOf(() => withYaml(ServerConfig, 'proxy:\n  bindAddr: x\n  access-log: true\n'))).toEqual([
      'unknown key proxy.bindAddr; did you mean proxy.bind_addr?',
      'unknown key proxy.access-log; did you mean proxy.access_log?',
    ]);
  });

  it('rejects a bad value of every kind, and lists them all', () => {
    const problems = problemsOf(() =>
      withYaml(
        ServerConfig,
        `
proxy:
  timeout: abc
  access_log: "yes"
  http:
    max_header_bytes: 1.5
    read_timeout: 30
  tls:
    cert: /c.pem
upstream: 8001
cluster:
  nats_url: "http://x"
  redis_url: "localhost:6379"
log:
  level: loud
  subsystems: proxy
admin:
  bind_addr: ""
  advertise_addr: ":8002"
grace_period: [1]
`,
      ),
    );
    expect(problems).toEqual([
      'proxy.timeout: must be a duration like 30s (got "abc")',
      'proxy.access_log: must be true or false, or a mapping (got "yes")',
      'proxy.http.max_header_bytes: must be an integer (got 1.5)',
      'proxy.http.read_timeout: must be a duration like 30s (got 30)',
      'upstream: must be a mapping (got 8001)',
      'log.subsystems: must be a list (got "proxy")',
      'grace_period: must be a duration like 30s (got [1])',
      'proxy.tls.key: is required when cert is set',
      'admin.bind_addr: must be host:port, such as :8000 or 127.0.0.1:8000 (got "")',
      'admin.advertise_addr: must be host:port with a host, such as 10.0.0.4:8000 (got ":8002")',
      'cluster.nats_url: must be a comma-separated list of nats://host:port or host:port (got "http://x")',
      'cluster.redis_url: must be redis://host:port, rediss://…, redis+sentinel://host:port,…/master or redis+cluster://host:port,… (got "localhost:6379")',
      'log.level: must be one of debug, info, warn, error (got "loud")',
    ]);
  });

  it('rejects a document that is not a mapping', () => {
    expect(problemsOf(() => withYaml(ServerConfig, '- a\n- b\n'))).toEqual(['(root): must be a mapping (got ["a","b"])']);
  });
});

describe('loadConfig --config.expand-env', () => {
  const yaml = 'cluster:\n  redis_url: redis://${REDIS_HOST}:${REDIS_PORT:6379}/0\n  node_id: $NODE\nproxy:\n  auth:\n    hmac_secret_key: ${SECRET:dev-secret}\n';

  it('expands $VAR, ${VAR} and ${VAR:default} from the env given', () => {
    const { config } = withYaml(ServerConfig, yaml, ['--config.expand-env'], { REDIS_HOST: 'redis.svc', NODE: 'n1' });
    expect(config.cluster.redisUrl).toBe('redis://redis.svc:6379/0');
    expect(config.cluster.nodeId).toBe('n1');
    expect(config.proxy.auth.hmacSecretKey).toBe('dev-secret');
  });

  it('prefers a set variable over the default', () => {
    const { config } = withYaml(ServerConfig, yaml, ['--config.expand-env=true'], { REDIS_HOST: 'r', REDIS_PORT: '7000', SECRET: 'prod' });
    expect(config.cluster.redisUrl).toBe('redis://r:7000/0');
    expect(config.proxy.auth.hmacSecretKey).toBe('prod');
  });

  it('leaves the text alone without --config.expand-env', () => {
    const { config } = withYaml(ServerConfig, 'cluster:\n  node_id: ${NODE:x}\n', [], { NODE: 'n1' });
    expect(config.cluster.nodeId).toBe('${NODE:x}');
  });
});

describe('loadConfig lists of sections', () => {
  it('reads agent listeners with per-item defaults', () => {
    const { config } = withYaml(
      AgentConfig,
      `
listeners:
  - endpoint_id: my-endpoint
    addr: "3000"
  - endpoint_id: db
    addr: localhost:5432
    protocol: tcp
    access_log: false
    timeout: 1m
connect:
  url: https://piko.example.com:8001
  token: abc
  tls:
    root_cas: /ca.pem
`,
    );
    expect(config.listeners).toHaveLength(2);
    expect(config.listeners[0]).toMatchObject({ endpointId: 'my-endpoint', addr: '3000', protocol: 'http', timeout: 15_000 });
    expect(config.listeners[0].accessLog).toMatchObject({ level: 'info', disable: false });
    expect(config.listeners[1]).toMatchObject({ endpointId: 'db', addr: 'localhost:5432', protocol: 'tcp', timeout: 60_000 });
    expect(config.listeners[1].accessLog).toMatchObject({ level: 'debug', disable: false });
    expect(config.connect).toMatchObject({ url: 'https://piko.example.com:8001', token: 'abc' });
    expect(config.connect.tls.rootCas).toBe('/ca.pem');
  });

  it('names the item index in every problem', () => {
    const problems = problemsOf(() =>
      withYaml(AgentConfig, 'listeners:\n  - endpoint_id: ok\n    addr: "3000"\n  - addr: "::"\n    protocol: udp\n    extra: 1\n  - 7\n'),
    );
    expect(problems).toEqual([
      'unknown key listeners[1].extra',
      'listeners[2]: must be a mapping (got 7)',
      'listeners[1].endpoint_id: is required',
      'listeners[1].addr: must be a port, host:port or URL (got "::")',
      'listeners[1].protocol: must be one of http, tcp (got "udp")',
      'listeners[2].endpoint_id: is required',
      'listeners[2].addr: must be a port, host:port or URL (got "")',
    ]);
  });

  it('reads forward ports', () => {
    const { config } = withYaml(ForwardConfig, 'ports:\n  - addr: "3000"\n    endpoint_id: db\n  - addr: 127.0.0.1:3001\n    endpoint_id: cache\n');
    expect(config.ports.map((p) => [p.addr, p.endpointId])).toEqual([
      ['3000', 'db'],
      ['127.0.0.1:3001', 'cache'],
    ]);
    expect(problemsOf(() => withYaml(ForwardConfig, 'ports:\n  - addr: nope\n    endpoint_id: db\n'))).toEqual([
      'ports[0].addr: must be a port or host:port (got "nope")',
    ]);
  });

  it('has no flags for lists of sections', () => {
    expect(problemsOf(() => loadConfig(AgentConfig, { argv: ['--listeners', 'x'], env: {} }))).toEqual(['unknown flag --listeners']);
  });
});

describe('cluster.redis_url', () => {
  const redisUrl = (url: string) => () => loadConfig(ServerConfig, { argv: ['--cluster.redis-url', url], env: {} });
  it.each(['redis://127.0.0.1:6379/0', 'rediss://:pw@redis.example.com:6380', 'redis+sentinel://10.0.0.5:26379,10.0.0.6:26379/mymaster', 'redis+cluster://10.0.0.7:7000,[::1]:7001'])(
    'accepts %s',
    (url) => expect(redisUrl(url)).not.toThrow(),
  );
  it.each(['http://127.0.0.1:6379', 'redis+sentinel://10.0.0.5:26379', 'redis+cluster://nohost', 'redis://'])('rejects %s, naming the key', (url) =>
    expect(redisUrl(url)).toThrow(/cluster\.redis_url|--cluster\.redis-url/),
  );
});
