// Runs wrk (https://github.com/wg/wrk) and turns its text report into numbers.
import { existsSync } from 'node:fs';

export const WRK_BIN = process.env.BENCH_WRK ?? '/usr/bin/wrk';

export class WrkMissingError extends Error {
  constructor() {
    super(`wrk not found at ${WRK_BIN}; install it with: apt-get install -y wrk  (or set BENCH_WRK=/path/to/wrk)`);
    this.name = 'WrkMissingError';
    this.code = 'WRK_MISSING';
  }
}

export class WrkOutputError extends Error {
  constructor(message, output) {
    super(`${message}\n--- wrk output ---\n${output}`);
    this.name = 'WrkOutputError';
    this.code = 'WRK_OUTPUT';
  }
}

export function assertWrkInstalled() {
  if (!existsSync(WRK_BIN)) throw new WrkMissingError();
}

const TIME_UNITS_MS = { us: 0.001, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** "123.45us" | "1.20ms" | "2.00s" -> milliseconds. */
export function parseDurationMs(text) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`unparseable wrk duration "${text}"`);
  return Number(m[1]) * TIME_UNITS_MS[m[2]];
}

/** Parses `wrk --latency` output into { requestsPerSec, requests, latencyMs: {avg,max,p50,p75,p90,p99}, errors }. */
export function parseWrkOutput(output) {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  if (!rps) throw new WrkOutputError('no "Requests/sec" line', output);
  const total = /^\s*(\d+) requests in ([\d.]+\w+),/m.exec(output);
  const stats = /^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)/m.exec(output);
  const latencyMs = {};
  if (stats) {
    latencyMs.avg = parseDurationMs(stats[1]);
    latencyMs.max = parseDurationMs(stats[3]);
  }
  for (const m of output.matchAll(/^\s+(50|75|90|99)%\s+(\S+)/gm)) latencyMs[`p${m[1]}`] = parseDurationMs(m[2]);
  if (latencyMs.p50 === undefined) throw new WrkOutputError('no latency distribution (was --latency passed?)', output);

  const errors = { connect: 0, read: 0, write: 0, timeout: 0, non2xx3xx: 0 };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (sock) Object.assign(errors, { connect: +sock[1], read: +sock[2], write: +sock[3], timeout: +sock[4] });
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (non2xx) errors.non2xx3xx = Number(non2xx[1]);

  return {
    requestsPerSec: Number(rps[1]),
    requests: total ? Number(total[1]) : null,
    latencyMs,
    errors,
  };
}

function wrkArgs({ url, connections, duration, headers = {}, threads = 1, timeout = '5s' }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${duration}`, '--timeout', timeout, '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  return args;
}

/** The shell command line of a run, for progress lines and results.json. */
export function wrkCommand(options) {
  return `wrk ${wrkArgs(options).map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}`;
}

/**
 * Started through the benchmark's ProcessRegistry so an interrupted run stops wrk too.
 * `wrk -t<threads> -c<connections> -d<duration> --latency [-H ...] url`, parsed.
 * The returned `command` is what a person would type to reproduce the run.
 */
export async function runWrk(options) {
  const { registry, connections } = options;
  const args = wrkArgs(options);
  const command = wrkCommand(options);
  const lines = [];
  const wrk = registry.spawn(`wrk-c${connections}`, WRK_BIN, args, { onStdoutLine: (line) => lines.push(line) });
  const { code, signal, error } = await wrk.exited;
  await wrk.stdoutDone;
  const output = `${lines.join('\n')}\n`;
  if (error || code !== 0) {
    throw new WrkOutputError(`wrk failed (${error ? error.message : `exit ${code}, signal ${signal}`})`, `${output}${wrk.stderrTail}`);
  }
  return { command, ...parseWrkOutput(output) };
}
