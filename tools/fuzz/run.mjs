// Coverage-guided fuzzing with Jazzer.js (libFuzzer) of the parsers that face untrusted bytes.
//
//   node tools/fuzz/run.mjs [--time SECONDS | --runs N] [--target NAME]... [--max-len BYTES] [--progress]
//
// Each target (tests/fuzz/targets/<name>.fuzz.ts) is bundled against tsc's output (dist/out-tsc,
// from `npm run build`, which keeps the decorator metadata config loading needs) into
// dist/fuzz/<name>.js, then fuzzed: first every input of tests/fuzz/corpus/<name> (seeds and the
// inputs of past crashes, kept as regression tests), then new inputs until --runs inputs or
// --time seconds per target. Inputs that reach new code go to a scratch corpus (not committed).
// A crash (an exception, i.e. a broken oracle) is written to tests/fuzz/crashes/<name>/ and the
// run fails; fix it, then move the input into tests/fuzz/corpus/<name>/ so it is replayed forever.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { jazzerEnv } from './jazzer-compat.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const outTsc = join(root, 'dist/out-tsc');
const targetsDir = join(root, 'tests/fuzz/targets');
/** Targets whose fuzz() is synchronous run in Jazzer's faster --sync mode. */
const SYNC = new Set(['yamux-frame-reader', 'config-load']);

function parseArgs(argv) {
  const opts = { time: 0, runs: 0, targets: [], maxLen: 0, progress: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=');
    const value = () => inline ?? argv[++i];
    if (flag === '--time') opts.time = Number(value());
    else if (flag === '--runs') opts.runs = Number(value());
    else if (flag === '--target') opts.targets.push(...value().split(','));
    else if (flag === '--max-len') opts.maxLen = Number(value());
    else if (flag === '--progress') opts.progress = true;
    else throw new Error(`unknown argument ${argv[i]} (use --time SECONDS, --runs N, --target NAME, --max-len BYTES, --progress)`);
  }
  if (!opts.time && !opts.runs) opts.time = 10;
  return opts;
}

// The same @piko/* aliases as tsconfig's paths, pointed at tsc's output (as tools/build.mjs does),
// which carries the decorator metadata config loading needs.
const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const alias = Object.fromEntries(
  Object.entries(paths).map(([name, [source]]) => [name, join(outTsc, source.replace(/\.ts$/, '.js'))]),
);

async function bundle(name) {
  if (!existsSync(join(outTsc, 'libs'))) throw new Error(`${outTsc} is missing: run \`npm run build\` first`);
  const outfile = join(root, 'dist/fuzz', `${name}.js`);
  await esbuild.build({
    entryPoints: [join(targetsDir, `${name}.fuzz.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    alias,
    logLevel: 'warning',
  });
  return outfile;
}

function fuzzOne(name, bundlePath, opts, env) {
  const seeds = join(root, 'tests/fuzz/corpus', name);
  mkdirSync(seeds, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), `fuzz-${name}-`));
  const crashes = join(root, 'tests/fuzz/crashes', name);
  mkdirSync(crashes, { recursive: true });
  const libFuzzerArgs = [`-artifact_prefix=${crashes}/`, '-timeout=20', '-rss_limit_mb=2048', '-print_final_stats=1'];
  if (opts.runs) libFuzzerArgs.push(`-runs=${opts.runs}`);
  if (opts.time) libFuzzerArgs.push(`-max_total_time=${opts.time}`);
  if (opts.maxLen) libFuzzerArgs.push(`-max_len=${opts.maxLen}`);
  const args = [
    join(root, 'node_modules/@jazzer.js/core/dist/cli.js'),
    bundlePath,
    scratch,
    seeds,
    ...(SYNC.has(name) ? ['--sync'] : []),
    '--',
    ...libFuzzerArgs,
  ];
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    // libFuzzer's summary lines, kept apart from the log's tail: a target's own output after them
    // (a library's warnings) can be longer than the tail kept.
    const summary = { runs: '?', seconds: '?', cov: '' };
    const partial = { stdout: '', stderr: '' };
    const keep = (from, chunk) => {
      if (opts.progress) process.stdout.write(chunk); // libFuzzer's own progress lines (#N … exec/s)
      log += chunk;
      if (log.length > 200_000) log = log.slice(-100_000);
      const lines = (partial[from] + chunk).split('\n');
      partial[from] = lines.pop().slice(-1_000);
      for (const line of lines) {
        const units = /stat::number_of_executed_units:\s*(\d+)/.exec(line);
        const done = /Done (\d+) runs in (\d+) second/.exec(line);
        const cov = /cov: (\d+) ft: (\d+)/.exec(line);
        if (units) summary.runs = units[1];
        if (done) [, summary.runs, summary.seconds] = done;
        if (cov) summary.cov = `cov ${cov[1]} ft ${cov[2]}`;
      }
    };
    child.stdout.on('data', (chunk) => keep('stdout', chunk));
    child.stderr.on('data', (chunk) => keep('stderr', chunk));
    child.on('close', (code) => {
      rmSync(scratch, { recursive: true, force: true });
      for (const from of ['stdout', 'stderr']) if (partial[from]) keep(from, '\n');
      resolveRun({ name, code, ...summary, log });
    });
  });
}

const opts = parseArgs(process.argv.slice(2));
const all = readdirSync(targetsDir).filter((f) => f.endsWith('.fuzz.ts')).map((f) => f.replace(/\.fuzz\.ts$/, ''));
const names = opts.targets.length ? opts.targets : all;
for (const n of names) if (!all.includes(n)) throw new Error(`no fuzz target ${n} (have: ${all.join(', ')})`);
const env = jazzerEnv();
let failed = 0;
for (const name of names) {
  const result = await fuzzOne(name, await bundle(name), opts, env);
  const ok = result.code === 0;
  if (!ok) failed++;
  console.log(`fuzz ${name}: ${ok ? 'ok' : `FAILED (exit ${result.code})`}, ${result.runs} inputs in ${result.seconds} s ${result.cov}`);
  if (!ok) console.log(result.log.slice(-6000));
}
process.exit(failed ? 1 : 0);
