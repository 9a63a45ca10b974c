import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { freePort, ManagedProcess, waitFor } from '@piko/testing';
import { parse, stringify } from 'yaml';
import { PIKO_BIN } from './piko';

/** One pod of a rendered value set, as tests/system/support/render-pods.mjs materialized it. */
export interface RenderedPod {
  deployment: string;
  replica: number;
  replicas: number;
  role: 'proxy' | 'gateway' | 'admin' | 'server';
  argv: string[];
  env: Record<string, string>;
  ports: Array<{ name: string; containerPort: number }>;
  readinessProbe?: { httpGet?: { path: string; port: string | number; scheme?: string } };
  dir: string;
}

/** Renders a value set with real helm and materializes its pods under `dir` (see render-pods.mjs). */
export function renderPods(valueSet: string, dir: string, secrets: Record<string, string>): Promise<RenderedPod[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('node', [join(__dirname, 'render-pods.mjs')], { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`render-pods ${valueSet}: ${stderr || err.message}`));
      resolve((JSON.parse(stdout) as { pods: RenderedPod[] }).pods);
    });
    child.stdin?.end(JSON.stringify({ valueSet, dir, secrets, podIp: '127.0.0.1' }));
  });
}

/**
 * `$VAR`, `${VAR}` and `${VAR:default}` replaced from `env`, as `--config.expand-env` does
 * (libs/config's expand-env), to read what a pod's config means.
 */
export function expandEnv(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced: string, fallback: string | undefined, bare: string) => {
    const value = env[braced ?? bare];
    return value !== undefined && value !== '' ? value : (fallback ?? '');
  });
}

/**
 * Every URL in `urls` (comma-separated) pointed at `hostPort`, keeping scheme, credentials (even
 * `${VAR}` ones) and path; duplicates dropped. Text that is not a URL (`${PIKO_REDIS_URL}`) is
 * returned unchanged.
 */
export function pointUrlsAt(urls: string, hostPort: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(urls.trim())) return urls;
  const out: string[] = [];
  // A URL runs to the next `,scheme://`; hosts inside one URL (Sentinel's h1:1,h2:2) collapse to one.
  for (const url of urls.split(/,(?=\s*[a-z][a-z0-9+.-]*:\/\/)/i)) {
    const m = /^(\s*[a-z][a-z0-9+.-]*:\/\/)([^@]*@)?([^/]*)(.*)$/i.exec(url);
    if (!m) throw new Error(`not a URL: ${url}`);
    const rewritten = `${m[1].trim()}${m[2] ?? ''}${hostPort}${m[4]}`;
    if (!out.includes(rewritten)) out.push(rewritten);
  }
  return out.join(',');
}

/** A pod's config file, parsed: top-level sections (only the keys the tests read are typed). */
export type PodConfig = Record<
  string,
  { bind_addr?: string; tls?: { cert?: string }; auth?: { hmac_secret_key?: string }; nats_url?: string; redis_url?: string } & Record<string, unknown>
>;

/** A started pod: its process and the loopback port each named container port was moved to. */
export interface BootedPod {
  pod: RenderedPod;
  process: ManagedProcess;
  /** container port name → loopback port. */
  ports: Record<string, number>;
  /** The pod's config file as it runs (YAML parsed). */
  config: PodConfig;
  /** https for a port whose section (proxy, upstream, admin) serves TLS. */
  url(name: string): string;
}

/**
 * Starts a materialized pod natively on loopback as `piko <role> <argv>` with the pod's env,
 * changing only what one machine needs: every named container port moved to a free loopback
 * port (its section's bind_addr in the config file, and `127.0.0.1:<containerPort>` in the args,
 * where the downward API's pod IP is 127.0.0.1), and the cluster URLs' hosts (in the config file
 * or in the env var they come from) pointed at the test's NATS and Redis. Resolves once the
 * container's rendered readinessProbe passes (HTTP or HTTPS, certificate not verified, as the
 * kubelet does); rejects with the logs if the process exits first.
 */
export async function bootPod(pod: RenderedPod, cluster: { nats: string; redis: string }): Promise<BootedPod> {
  const configArg = pod.argv.findIndex((a) => a.startsWith('--config.path='));
  if (configArg < 0) throw new Error(`${pod.deployment}: no --config.path in ${pod.argv.join(' ')}`);
  const configPath = pod.argv[configArg].slice('--config.path='.length);
  const config = (parse(readFileSync(configPath, 'utf8')) ?? {}) as PodConfig;
  const env = { ...pod.env };
  for (const [key, hostPort] of [['nats_url', cluster.nats], ['redis_url', cluster.redis]] as const) {
    const value = config.cluster?.[key] ?? '';
    const fromEnv = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(value.trim());
    if (fromEnv) env[fromEnv[1]] = pointUrlsAt(env[fromEnv[1]] ?? '', hostPort);
    else if (value) config.cluster = { ...config.cluster, [key]: pointUrlsAt(value, hostPort) };
  }
  const ports: Record<string, number> = {};
  let argv = pod.argv;
  for (const p of pod.ports) {
    const port = await freePort();
    ports[p.name] = port;
    config[p.name] = { ...(config[p.name] ?? {}), bind_addr: `127.0.0.1:${port}` };
    argv = argv.map((a) => a.replace(new RegExp(`127\\.0\\.0\\.1:${p.containerPort}\\b`, 'g'), `127.0.0.1:${port}`));
  }
  writeFileSync(configPath, stringify(config));
  const process = ManagedProcess.start(`${pod.deployment}-${pod.replica}`, 'node', [PIKO_BIN, pod.role, ...argv], env);
  const tlsOn = (name: string) => Boolean(config[name]?.tls?.cert);
  const booted: BootedPod = { pod, process, ports, config, url: (name) => `${tlsOn(name) ? 'https' : 'http'}://127.0.0.1:${ports[name]}` };
  const probe = pod.readinessProbe?.httpGet;
  if (!probe) throw new Error(`${pod.deployment}: no httpGet readinessProbe`);
  const probePort = typeof probe.port === 'number' ? ports[pod.ports.find((p) => p.containerPort === probe.port)?.name ?? ''] : ports[probe.port];
  const probeUrl = `${probe.scheme === 'HTTPS' ? 'https' : 'http'}://127.0.0.1:${probePort}${probe.path}`;
  await waitFor(`${process.name} ready (${probeUrl})`, async () => ((await kubeletProbe(probeUrl)) ? true : undefined), 60_000, () => process.exitedBefore('ready'));
  return booted;
}

/** The kubelet's HTTP(S) probe: success on 200-399; HTTPS without verifying the certificate. */
function kubeletProbe(url: string): Promise<boolean> {
  if (url.startsWith('http:')) return fetch(url).then((r) => r.status >= 200 && r.status < 400, () => false);
  return new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * For a port serving TLS from a mounted kubernetes.io/tls Secret: the `ca.crt` beside its
 * `tls.crt`, and a name its certificate is valid for (a wildcard's first label filled in).
 */
export function tlsClientFor(booted: BootedPod, section: string): { ca: string; caPath: string; servername: string } | undefined {
  const cert = booted.config[section]?.tls?.cert;
  if (!cert) return undefined;
  const caPath = join(cert, '../ca.crt');
  const san = new X509Certificate(readFileSync(cert)).subjectAltName ?? '';
  const name = /DNS:([^,\s]+)/.exec(san)?.[1];
  if (!name) throw new Error(`${cert}: no DNS subjectAltName`);
  return { ca: readFileSync(caPath, 'utf8'), caPath, servername: name.replace(/^\*\./, 'x.') };
}
