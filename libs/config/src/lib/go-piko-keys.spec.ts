import { AgentConfig } from '../schemas/agent.config';
import { ServerConfig } from '../schemas/server.config';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

// The Go Piko v0.9 keys (server/config, agent/config, pkg/log) and how this build takes each.

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const yaml = <T extends object>(schema: new () => T, text: string, argv: string[] = []) =>
  loadConfig(schema, { argv: ['--config.path', 'f.yaml', ...argv], env: {}, readFile: () => text });
const flags = <T extends object>(schema: new () => T, argv: string[]) => loadConfig(schema, { argv, env: {} });

describe('proxy.access_log and listeners[].access_log (Go Piko v0.8+ objects)', () => {
  it('reads the object form with header lists', () => {
    const { config } = yaml(
      ServerConfig,
      'proxy:\n  access_log:\n    level: debug\n    disable: false\n    request_headers:\n      allow_list: [X-Request-Id]\n    response_headers:\n      block_list: [Set-Cookie, Server]\n',
    );
    expect(config.proxy.accessLog).toEqual({
      level: 'debug',
      disable: false,
      requestHeaders: { allowList: ['X-Request-Id'], blockList: [] },
      responseHeaders: { allowList: [], blockList: ['Set-Cookie', 'Server'] },
      query: 'strip',
      redactQueryParams: expect.any(Array),
    });
  });

  it('query: strip (default), redact with a parameter list, or keep (ours; Go Piko logs the path only)', () => {
    const server = yaml(ServerConfig, 'proxy:\n  access_log:\n    query: redact\n    redact_query_params: [sid, token]\n').config;
    expect(server.proxy.accessLog).toMatchObject({ query: 'redact', redactQueryParams: ['sid', 'token'] });
    const agent = flags(AgentConfig, ['--access-log.query', 'keep']).config;
    expect(agent.accessLog.query).toBe('keep');
    expect(() => flags(ServerConfig, ['--proxy.access-log.query', 'hide'])).toThrow(/proxy\.access_log\.query/);
  });

  it('still takes the boolean of Go Piko before v0.8: true logs at info, false at debug', () => {
    expect(yaml(ServerConfig, 'proxy:\n  access_log: false\n').config.proxy.accessLog).toMatchObject({ level: 'debug', disable: false });
    expect(yaml(ServerConfig, 'proxy:\n  access_log: true\n').config.proxy.accessLog).toMatchObject({ level: 'info', disable: false });
    expect(flags(ServerConfig, ['--proxy.access-log=false']).config.proxy.accessLog.level).toBe('debug');
    const agent = yaml(AgentConfig, 'listeners:\n  - endpoint_id: a\n    addr: "3000"\n    access_log: false\n').config;
    expect(agent.listeners[0].accessLog.level).toBe('debug');
  });

  it("takes Go's flags: --proxy.access-log.* on the server, --access-log.* on agent http", () => {
    const server = flags(ServerConfig, ['--proxy.access-log.level', 'warn', '--proxy.access-log.request-headers.block-list', 'Cookie,X-Secret']).config;
    expect(server.proxy.accessLog).toMatchObject({ level: 'warn', requestHeaders: { allowList: [], blockList: ['Cookie', 'X-Secret'] } });
    const agent = flags(AgentConfig, ['--access-log.disable', '--access-log.response-headers.allow-list', 'Content-Type']).config;
    expect(agent.accessLog).toMatchObject({ disable: true, responseHeaders: { allowList: ['Content-Type'], blockList: [] } });
  });

  it('refuses an allow list and a block list together, and a bad level, as Go does', () => {
    expect(problemsOf(() => yaml(ServerConfig, 'proxy:\n  access_log:\n    level: loud\n    request_headers:\n      allow_list: [a]\n      block_list: [b]\n'))).toEqual([
      'proxy.access_log.level: must be one of debug, info, warn, error (got "loud")',
      'proxy.access_log.request_headers.block_list: cannot be set together with allow_list (Go Piko refuses both too): keep one',
    ]);
  });
});

describe('upstream.rebalance (Go Piko v0.9)', () => {
  it("has Go's keys and defaults: off (threshold 0), shed_rate 0.005, min_conns 50", () => {
    expect(flags(ServerConfig, []).config.upstream.rebalance).toMatchObject({ threshold: 0, shedRate: 0.005, minConns: 50 });
    const { config } = yaml(ServerConfig, 'upstream:\n  rebalance:\n    threshold: 0.2\n    shed_rate: 0.01\n    min_conns: 10\n');
    expect(config.upstream.rebalance).toMatchObject({ threshold: 0.2, shedRate: 0.01, minConns: 10 });
    expect(flags(ServerConfig, ['--upstream.rebalance.min-conns', '3']).config.upstream.rebalance.minConns).toBe(3);
  });

  it('refuses a negative threshold and a shed rate above 1, as Go does', () => {
    expect(problemsOf(() => flags(ServerConfig, ['--upstream.rebalance.threshold=-1', '--upstream.rebalance.shed-rate=1.5']))).toEqual([
      'upstream.rebalance.threshold: must be at least 0 (got -1)',
      'upstream.rebalance.shed_rate: must be at most 1 (got 1.5)',
    ]);
  });

  it('names the new key for the old cluster.rebalancing_* ones', () => {
    const problems = problemsOf(() => yaml(ServerConfig, 'cluster:\n  rebalancing_threshold: 0.2\n'));
    expect(problems).toEqual(['cluster.rebalancing_threshold: renamed upstream.rebalance.threshold, as Go Piko v0.9 names it (see docs/migrating-from-go-piko.md)']);
  });
});

describe('grace_period', () => {
  it.each([
    ['server', ServerConfig],
    ['agent', AgentConfig],
  ])('0 is refused on the %s, as Go refuses it', (_name, schema) => {
    const problems = problemsOf(() => flags(schema as new () => object, ['--grace-period', '0s']));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^grace_period: must be more than 0, as in Go Piko \(got 0\)/);
  });
});

describe('Go Piko keys with no meaning here', () => {
  it('refuses the gossip cluster keys in YAML, saying what replaces them and where to read more', () => {
    const problems = problemsOf(() =>
      yaml(ServerConfig, 'cluster:\n  node_id_prefix: a-\n  join: [piko]\n  join_timeout: 1m\n  abort_if_join_fails: true\n  gossip:\n    bind_addr: ":8003"\n'),
    );
    expect(problems.map((p) => p.split(':')[0])).toEqual(['cluster.join', 'cluster.join_timeout', 'cluster.abort_if_join_fails', 'cluster.gossip']);
    for (const p of problems) {
      expect(p).toContain('Replace it with cluster.nats_url and cluster.redis_url (--cluster.nats-url, --cluster.redis-url)');
      expect(p.endsWith('(see docs/kubernetes.md)')).toBe(true);
    }
  });

  it('refuses the same keys as flags', () => {
    const problems = problemsOf(() => flags(ServerConfig, ['--cluster.join', 'piko', '--cluster.abort-if-join-fails', '--cluster.gossip.bind-addr=:8003']));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['--cluster.join', '--cluster.abort-if-join-fails', '--cluster.gossip.bind-addr']);
  });

  it('accepts an empty cluster.join or tls.client, which ask for nothing', () => {
    expect(() => yaml(ServerConfig, 'cluster:\n  join: []\nproxy:\n  tls:\n    client:\n      root_cas: ""\n')).not.toThrow();
  });

  it('refuses tls.enabled, which Go Piko removed in v0.7', () => {
    expect(problemsOf(() => yaml(ServerConfig, 'upstream:\n  tls:\n    enabled: false\n'))[0]).toMatch(/^upstream\.tls\.enabled: is not a Go Piko v0\.9 key/);
  });

  it('refuses the agent keys this build does not act on, unless empty', () => {
    expect(problemsOf(() => yaml(AgentConfig, 'connect:\n  proxy_url: http://proxy:3128\n'))[0]).toMatch(/^connect\.proxy_url: connecting to Piko through an HTTP proxy/);
    expect(() => yaml(AgentConfig, 'connect:\n  proxy_url: ""\n  tenant_id: ""\n')).not.toThrow();
  });
});

describe('agent http_client and server (Go Piko v0.9)', () => {
  it('reads listeners[].http_client and --http-client.*', () => {
    const { config } = yaml(
      AgentConfig,
      'listeners:\n  - endpoint_id: a\n    addr: "3000"\n    http_client:\n      keep_alive_timeout: 10s\n      idle_conn_timeout: 1m\n      max_idle_conns: -1\n      disable_compression: true\n',
      ['--http-client.keep-alive-timeout', '5s'],
    );
    expect(config.listeners[0].httpClient).toEqual({ keepAliveTimeout: 10_000, idleConnTimeout: 60_000, maxIdleConns: -1, disableCompression: true });
    expect(config.httpClient.keepAliveTimeout).toBe(5_000);
    expect(problemsOf(() => flags(AgentConfig, ['--http-client.max-idle-conns', '-2']))).toEqual(['http_client.max_idle_conns: must be at least -1 (got -2)']);
  });

  it('reads server.enabled and server.bind_addr', () => {
    const { config } = yaml(AgentConfig, 'server:\n  enabled: true\n  bind_addr: 127.0.0.1:5000\n');
    expect(config.server).toEqual({ enabled: true, bindAddr: '127.0.0.1:5000' });
    expect(problemsOf(() => flags(AgentConfig, ['--server.bind-addr', 'nope']))[0]).toMatch(/^server\.bind_addr: must be host:port/);
  });
});

describe('unknown flags and keys', () => {
  it('suggests the flag meant: Go YAML spelling, typos', () => {
    expect(problemsOf(() => flags(ServerConfig, ['--proxy.bind_addr', ':8000']))).toEqual(['unknown flag --proxy.bind_addr; did you mean --proxy.bind-addr?']);
    expect(problemsOf(() => flags(AgentConfig, ['--conect.url', 'x']))).toEqual(['unknown flag --conect.url; did you mean --connect.url?']);
    expect(problemsOf(() => flags(ServerConfig, ['--config.pth', 'x']))).toEqual(['unknown flag --config.pth; did you mean --config.path?']);
  });

  it('suggests the key meant', () => {
    expect(problemsOf(() => yaml(ServerConfig, 'proxy:\n  tiemout: 5s\n'))).toEqual(['unknown key proxy.tiemout; did you mean proxy.timeout?']);
  });
});
