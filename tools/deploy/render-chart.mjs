// Renders deploy/helm/piko with the real helm binary (tools/deploy/binaries.mjs) and returns the
// Kubernetes objects. Used by tools/check-deploy.mjs and by the tests that boot the apps from a
// rendered value set. The named value sets (VALUE_SETS) are the chart's ci/*-values.yaml files.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { layerBinary } from './binaries.mjs';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The chart directory (absolute). */
export const CHART_DIR = join(root, 'deploy/helm/piko');
/** The release name every check renders with (object names are `<release>-<component>`). */
export const RELEASE = 'piko';

/**
 * The value sets `npm run check:deploy` renders, by name: files relative to CHART_DIR, given to
 * `helm template -f` in order (none: the chart's defaults, which deploy/kubernetes holds).
 * @type {Record<string, string[]>}
 */
export const VALUE_SETS = {
  default: [],
  external: ['ci/external-values.yaml'],
  production: ['ci/production-values.yaml'],
  combined: ['ci/combined-values.yaml'],
};

/**
 * The Secrets an operator creates before installing each value set (docs/kubernetes.md), by
 * Secret name → the keys the render refers to. TLS Secrets that cert-manager writes (a rendered
 * Certificate's secretName) are not listed: the render itself provides them.
 * @type {Record<string, Record<string, string[]>>}
 */
export const OPERATOR_SECRETS = {
  default: { piko: ['relay-secret', 'nats-password', 'redis-password'] },
  external: { piko: ['relay-secret', 'nats-url', 'redis-url'] },
  production: { piko: ['relay-secret', 'redis-url', 'upstream-hmac-key'] },
  combined: { piko: ['relay-secret', 'nats-password', 'redis-password'] },
};

/**
 * Secret objects for one value set, with example values of the right shape (fresh random
 * passwords; NATS/Redis URLs naming example hosts): for checks that resolve the pods' env, and a
 * starting point for tests, which replace the URLs with their own servers'.
 * @param {string} valueSet a key of OPERATOR_SECRETS
 * @returns {Record<string, any>[]} v1 Secrets with stringData
 * @throws Error for an unknown value set
 */
export function exampleSecrets(valueSet) {
  const wanted = OPERATOR_SECRETS[valueSet];
  if (!wanted) throw new Error(`no value set ${valueSet}`);
  const hex = () => randomBytes(32).toString('hex');
  const natsPassword = hex();
  const redisPassword = hex();
  const examples = {
    'relay-secret': hex(),
    'nats-password': natsPassword,
    'redis-password': redisPassword,
    'nats-url': `nats://piko:${natsPassword}@nats-0.nats:4222,nats://piko:${natsPassword}@nats-1.nats:4222`,
    'redis-url': `redis+sentinel://:${redisPassword}@sentinel-0.redis:26379,sentinel-1.redis:26379/piko`,
  };
  return Object.entries(wanted).map(([name, keys]) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    type: 'Opaque',
    stringData: Object.fromEntries(keys.map((k) => [k, examples[k] ?? hex()])),
  }));
}

/**
 * One rendered document: the object and the chart template it came from.
 * @typedef {{ source: string, object: Record<string, any>, text: string }} RenderedDocument
 */

/**
 * Runs `helm template` and returns every non-empty document with its `# Source:` template.
 * @param {string[]} valueFiles paths relative to CHART_DIR (or absolute), applied in order
 * @param {{ set?: string[] }} [options] `--set` expressions (e.g. "proxy.replicas=3")
 * @returns {Promise<RenderedDocument[]>}
 * @throws Error with helm's stderr when the chart fails to render (a `required` value, the schema)
 */
export async function renderChartDocuments(valueFiles = [], options = {}) {
  const helm = await layerBinary('helm');
  const args = ['template', RELEASE, CHART_DIR];
  for (const f of valueFiles) args.push('-f', isAbsolute(f) ? f : join(CHART_DIR, f));
  for (const s of options.set ?? []) args.push('--set', s);
  let stdout;
  try {
    ({ stdout } = await run(helm, args, { maxBuffer: 64 * 1024 * 1024 }));
  } catch (err) {
    throw new Error(`helm template ${valueFiles.join(' ')} failed: ${String(err.stderr || err.message).trim()}`);
  }
  return parseRendered(stdout);
}

/**
 * The objects of `helm template` for the given value files.
 * @param {string[]} valueFiles paths relative to CHART_DIR (or absolute)
 * @param {{ set?: string[] }} [options]
 * @returns {Promise<Record<string, any>[]>}
 * @throws Error when helm fails
 */
export async function renderChart(valueFiles = [], options = {}) {
  return (await renderChartDocuments(valueFiles, options)).map((d) => d.object);
}

/**
 * Splits helm's output into documents; each document of `helm template` starts with a
 * `# Source: <chart>/templates/<file>` comment, which names the template it came from.
 * @param {string} text
 * @returns {RenderedDocument[]} with `text`, the document as helm wrote it (no `---` line)
 * @throws Error on YAML errors or a document without its Source comment
 */
export function parseRendered(text) {
  const docs = [];
  for (const chunk of text.split(/^---[ \t]*$/m)) {
    const parsed = parseAllDocuments(chunk);
    if (parsed.length === 0) continue;
    if (parsed.length > 1) throw new Error('helm output: a chunk with more than one document');
    const [doc] = parsed;
    if (doc.errors.length > 0) throw new Error(`helm output: ${doc.errors.map((e) => e.message).join('; ')}`);
    const object = doc.toJS();
    if (object === null || object === undefined) continue;
    const source = /^# Source: [^/]+\/templates\/(\S+)$/m.exec(chunk)?.[1];
    if (!source) throw new Error(`helm output: ${object.kind}/${object.metadata?.name} has no # Source: comment`);
    docs.push({ source, object, text: `${chunk.replace(/^\n+/, '').trimEnd()}\n` });
  }
  return docs;
}

/**
 * Runs `helm lint --strict` on the chart with the given value files.
 * @param {string[]} valueFiles
 * @returns {Promise<{ ok: boolean, output: string }>}
 */
export async function lintChart(valueFiles = []) {
  const helm = await layerBinary('helm');
  const args = ['lint', '--strict', CHART_DIR];
  for (const f of valueFiles) args.push('-f', isAbsolute(f) ? f : join(CHART_DIR, f));
  try {
    const { stdout, stderr } = await run(helm, args);
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (err) {
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? err.message}` };
  }
}

// From a shell or a CommonJS test (Jest cannot import() this ES module without a flag):
//   node tools/deploy/render-chart.mjs <value set>  →  {"objects": [...], "secrets": [...]} on stdout
// with the value set's rendered objects and exampleSecrets(); exit 1 with the reason on stderr.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const name = process.argv[2] ?? 'default';
  try {
    if (!VALUE_SETS[name]) throw new Error(`unknown value set ${name}; one of ${Object.keys(VALUE_SETS).join(', ')}`);
    const objects = await renderChart(VALUE_SETS[name]);
    process.stdout.write(`${JSON.stringify({ objects, secrets: exampleSecrets(name) })}\n`);
  } catch (err) {
    process.stderr.write(`render-chart: ${err.message}\n`);
    process.exitCode = 1;
  }
}
