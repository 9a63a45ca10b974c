// The soak's command line. Durations: 90s, 30m, 1h, 1m30s, 500ms.
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "1m30s" -> 90000; throws on anything else. */
export function parseMs(text, flag) {
  const parts = [...String(text).matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== String(text)) throw new Error(`${flag} must be a duration like 60s, 30m or 1h (got "${text}")`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]], 0);
}

/** 90000 -> "1m30s". */
export function formatMs(ms) {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest || (!h && !m) ? `${rest}s` : ''}`;
}

const USAGE = `usage: npm run soak -- [--duration 30m] [--warmup D] [--rate N] [--capacity-duration 10s]
                        [--capacity-connections 16] [--agent-restart-every D] [--sample-every D]
                        [--restart-signal SIGTERM|SIGKILL] [--no-heap] [--heap-every D]
                        [--heap-snapshots DIR] [--quiet D] [--samples FILE]
see tools/soak/README.md
`;

/**
 * Parses `--name value` / `--name=value`. Defaults scale with --duration so a short run
 * (`--duration 60s`) exercises every phase: warm-up a sixth of it, an agent reconnect every
 * fifteenth (at least 10 s), gateway 2 restarted at half time.
 */
export function parseOptions(argv) {
  const kv = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"\n${USAGE}`);
    const eq = arg.indexOf('=');
    if (eq > 0) kv[arg.slice(2, eq)] = arg.slice(eq + 1);
    else if (arg === '--no-heap') kv.heap = 'false';
    else kv[arg.slice(2)] = argv[++i];
  }
  const known = ['duration', 'warmup', 'rate', 'capacity-duration', 'capacity-connections', 'agent-restart-every', 'sample-every', 'restart-signal', 'heap', 'heap-every', 'heap-snapshots', 'quiet', 'samples'];
  for (const key of Object.keys(kv)) if (!known.includes(key)) throw new Error(`unknown flag --${key}\n${USAGE}`);
  const durationMs = parseMs(kv.duration ?? '30m', '--duration');
  const capacityDurationText = kv['capacity-duration'] ?? '10s';
  if (!/^\d+[sm]$/.test(capacityDurationText)) throw new Error(`--capacity-duration must look like 10s or 1m (got "${capacityDurationText}")`);
  const warmupMs = kv.warmup ? parseMs(kv.warmup, '--warmup') : durationMs / 6;
  const opts = {
    durationMs,
    warmupMs,
    // RSS windows compared: the first after warm-up and the last of each process's life.
    windowMs: Math.max(durationMs / 15, 5_000),
    rate: kv.rate === undefined ? undefined : Number(kv.rate),
    capacityDurationText,
    capacityConnections: Number(kv['capacity-connections'] ?? 16),
    agentRestartEveryMs: kv['agent-restart-every'] ? parseMs(kv['agent-restart-every'], '--agent-restart-every') : Math.max(durationMs / 15, 10_000),
    sampleEveryMs: kv['sample-every'] ? parseMs(kv['sample-every'], '--sample-every') : Math.min(5_000, Math.max(500, durationMs / 120)),
    progressEveryMs: Math.min(30_000, Math.max(5_000, durationMs / 30)),
    restartSignal: kv['restart-signal'] ?? 'SIGTERM',
    // Heap probes (heap-probe.mjs: the inspector, a forced GC) decide the memory verdict; --no-heap
    // leaves the piko processes without an inspector and the run without a verdict.
    heap: kv.heap !== 'false',
    heapEveryMs: kv['heap-every'] ? parseMs(kv['heap-every'], '--heap-every') : Math.max((durationMs - warmupMs) / 4, 10_000),
    heapSnapshotDir: kv['heap-snapshots'],
    // After the load: nothing sent for this long, RSS still sampled, then a last heap probe.
    quietMs: kv.quiet ? parseMs(kv.quiet, '--quiet') : 0,
    // Every RSS sample and heap probe as JSON, for plotting.
    samplesFile: kv.samples,
  };
  if (opts.rate !== undefined && !(Number.isFinite(opts.rate) && opts.rate > 0)) throw new Error(`--rate must be a positive number of requests per second (got "${kv.rate}")`);
  if (!Number.isInteger(opts.capacityConnections) || opts.capacityConnections < 1) throw new Error(`--capacity-connections must be a positive integer`);
  if (!['SIGTERM', 'SIGKILL'].includes(opts.restartSignal)) throw new Error(`--restart-signal must be SIGTERM or SIGKILL (got "${opts.restartSignal}")`);
  return opts;
}
