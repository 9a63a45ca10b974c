// Turns the Piko containers of a render into what a local process needs to run them as the
// kubelet would: argv with $(VAR) expanded, the environment (downward API and Secret values), and
// every mounted volume written under a directory, with the mount paths in the arguments and in the
// mounted files moved there. Used by tools/check-deploy.mjs to load each container's config and
// by tests that boot the real apps from a rendered value set.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Piko CLI commands that run a server role. */
export const PIKO_ROLES = ['proxy', 'gateway', 'admin', 'server'];

/** Certificates already made in this process, by their names (openssl is the slow part of a check). */
const issued = new Map();

/**
 * A self-signed ECDSA certificate for the given names (made once per process and names), as the kubernetes.io/tls Secret that
 * cert-manager writes (tls.crt, tls.key, ca.crt: the certificate signs itself). Uses openssl.
 * @param {string[]} dnsNames subjectAltNames (the first is also the CN)
 * @returns {{ 'tls.crt': string, 'tls.key': string, 'ca.crt': string }} PEM texts
 * @throws Error when openssl fails
 */
export function selfSignedTls(dnsNames) {
  const key = dnsNames.join(',');
  if (!issued.has(key)) issued.set(key, issue(dnsNames));
  return issued.get(key);
}

function issue(dnsNames) {
  const dir = mkdtempSync(join(tmpdir(), 'piko-tls-'));
  try {
    const [key, cert] = [join(dir, 'tls.key'), join(dir, 'tls.crt')];
    const san = dnsNames.map((n) => `DNS:${n}`).join(',');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
        '-subj', `/CN=${dnsNames[0].replace('*', 'wildcard')}`, '-addext', `subjectAltName=${san}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const pem = readFileSync(cert, 'utf8');
    return { 'tls.crt': pem, 'tls.key': readFileSync(key, 'utf8'), 'ca.crt': pem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The data of every Secret a render's pods can mount: the operator's Secrets, and for each
 * rendered Certificate a self-signed stand-in for what cert-manager would write.
 * @param {Record<string, any>[]} objects rendered objects
 * @param {Record<string, any>[]} operatorSecrets v1 Secrets (stringData or base64 data)
 * @returns {Map<string, Record<string, string>>} Secret name → key → value
 */
export function secretData(objects, operatorSecrets) {
  const data = new Map();
  for (const s of operatorSecrets) {
    const decoded = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    data.set(s.metadata.name, { ...decoded, ...s.stringData });
  }
  for (const c of objects.filter((o) => o.kind === 'Certificate')) data.set(c.spec.secretName, selfSignedTls(c.spec.dnsNames));
  return data;
}

/**
 * One Piko container of a render, ready to run locally.
 * @typedef {{ deployment: Record<string, any>, container: Record<string, any>, role: string,
 *   argv: string[], env: Record<string, string> }} PodProcess
 * `argv` excludes the role (argv of `piko <role> …`); `env` holds only what the pod spec sets.
 */

/**
 * Materializes one pod per Piko Deployment of a render under `dir` (one subdirectory per
 * Deployment), as the kubelet would start it.
 * @param {Record<string, any>[]} objects rendered objects
 * @param {Map<string, Record<string, string>>} secrets from secretData()
 * @param {string} dir an existing, empty directory
 * @param {{ podIp?: string, podName?: (deployment: Record<string, any>) => string }} [options]
 *   the downward API's status.podIP (default 10.1.2.3) and metadata.name
 * @returns {PodProcess[]}
 * @throws Error when a volume, ConfigMap, Secret or key the pod needs is missing
 */
export function podProcesses(objects, secrets, dir, options = {}) {
  const podIp = options.podIp ?? '10.1.2.3';
  const processes = [];
  for (const deployment of objects.filter((o) => o.kind === 'Deployment')) {
    const pod = deployment.spec.template.spec;
    for (const container of pod.containers) {
      const role = container.args?.[0];
      if (!PIKO_ROLES.includes(role)) continue;
      const podName = options.podName?.(deployment) ?? `${deployment.metadata.name}-7d9f8c6b5-x2k4q`;
      const root = join(dir, `${deployment.metadata.name}-${container.name}`);
      const mounts = (container.volumeMounts ?? []).map((m) => m.mountPath).sort((a, b) => b.length - a.length);
      // Every absolute path under a mount point, moved under `root` (longest mount first, one pass).
      const escaped = mounts.map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      const relocate = (text) => (mounts.length === 0 ? text : text.replace(new RegExp(`(${escaped.join('|')})(?=/|$|[\\s"'])`, 'g'), (m) => `${root}${m}`));
      for (const m of container.volumeMounts ?? []) {
        const volume = (pod.volumes ?? []).find((v) => v.name === m.name);
        if (!volume) throw new Error(`${deployment.metadata.name}: volumeMount ${m.name} has no volume`);
        const target = join(root, m.mountPath);
        mkdirSync(target, { recursive: true });
        let files = {};
        if (volume.configMap) {
          const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name);
          if (!cm) throw new Error(`${deployment.metadata.name}: ConfigMap ${volume.configMap.name} is not rendered`);
          files = cm.data ?? {};
        } else if (volume.secret) {
          files = secrets.get(volume.secret.secretName);
          if (!files) throw new Error(`${deployment.metadata.name}: Secret ${volume.secret.secretName} does not exist`);
        }
        for (const [name, text] of Object.entries(files)) writeFileSync(join(target, name), relocate(text), { mode: 0o600 });
      }
      const env = {};
      for (const e of container.env ?? []) {
        if (e.value !== undefined) env[e.name] = expand(e.value, env);
        const field = e.valueFrom?.fieldRef?.fieldPath;
        if (field === 'metadata.name') env[e.name] = podName;
        if (field === 'status.podIP') env[e.name] = podIp;
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) {
          const value = secrets.get(ref.name)?.[ref.key];
          if (value === undefined && !ref.optional) throw new Error(`${deployment.metadata.name}: env ${e.name}: Secret ${ref.name} has no key ${ref.key}`);
          if (value !== undefined) env[e.name] = value;
        }
      }
      const argv = container.args.slice(1).map((a) => relocate(expand(a, env)));
      processes.push({ deployment, container, role, argv, env });
    }
  }
  return processes;
}

/** The kubelet's $(VAR) expansion: a defined variable is replaced, an undefined one left as it is. */
function expand(text, env) {
  return String(text).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v) => env[v] ?? m);
}


// From a shell or a CommonJS test:
//   node tools/deploy/pod-processes.mjs <value set> <dir> [--pod-ip=IP] [--secrets=secrets.json]
// renders the value set, writes each Piko pod's mounted files under <dir> and prints
// [{"deployment": name, "container": name, "role", "argv", "env"}] as JSON; the Secrets are
// render-chart's exampleSecrets unless a JSON array of v1 Secrets is given.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name, dir] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const option = (key) => process.argv.find((a) => a.startsWith(`--${key}=`))?.slice(key.length + 3);
  try {
    if (!name || !dir) throw new Error('usage: pod-processes.mjs <value set> <dir> [--pod-ip=IP] [--secrets=secrets.json]');
    const { VALUE_SETS, exampleSecrets, renderChart } = await import('./render-chart.mjs');
    if (!VALUE_SETS[name]) throw new Error(`unknown value set ${name}`);
    const objects = await renderChart(VALUE_SETS[name]);
    const secrets = option('secrets') ? JSON.parse(readFileSync(option('secrets'), 'utf8')) : exampleSecrets(name);
    const processes = podProcesses(objects, secretData(objects, secrets), dir, { podIp: option('pod-ip') });
    const out = processes.map((p) => ({ deployment: p.deployment.metadata.name, container: p.container.name, role: p.role, argv: p.argv, env: p.env }));
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } catch (err) {
    process.stderr.write(`pod-processes: ${err.message}\n`);
    process.exitCode = 1;
  }
}
