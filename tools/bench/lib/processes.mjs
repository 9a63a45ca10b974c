// Child processes the benchmark starts, and everything it needs to know about them: when they are
// ready (a port accepts, a URL answers), how much memory they hold (VmRSS from /proc), and how to
// stop every one of them however the run ends (normal exit, error, Ctrl-C).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';

const STDERR_TAIL_BYTES = 4096;

/** Thrown when a child process exits (or fails to start) before it was asked to stop. */
export class ProcessExitedError extends Error {
  constructor(name, detail, stderrTail) {
    super(`${name} ${detail}${stderrTail ? `\n--- ${name} stderr (tail) ---\n${stderrTail.trimEnd()}` : ''}`);
    this.name = 'ProcessExitedError';
    this.code = 'PROCESS_EXITED';
  }
}

/** Thrown when a process is started after the run began stopping. */
export class RegistryClosedError extends Error {
  constructor(name) {
    super(`not starting ${name}: the benchmark is stopping`);
    this.name = 'RegistryClosedError';
    this.code = 'REGISTRY_CLOSED';
  }
}

/** Thrown when something did not become ready in time. */
export class ReadinessTimeoutError extends Error {
  constructor(what, timeoutMs, lastError) {
    super(`${what} not ready after ${timeoutMs} ms${lastError ? ` (last error: ${lastError.message ?? lastError})` : ''}`);
    this.name = 'ReadinessTimeoutError';
    this.code = 'READINESS_TIMEOUT';
  }
}

export function log(msg) {
  process.stderr.write(`[bench] ${msg}\n`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export { sleep };

/**
 * Owns every child process of the run. Children are started in their own process group
 * (detached) so a Ctrl-C in the terminal reaches only us; we then stop them in order, and
 * an `exit` hook SIGKILLs any still alive so nothing outlives the benchmark.
 */
export class ProcessRegistry {
  #children = new Set();
  #closed = false;

  constructor() {
    process.on('exit', () => {
      for (const child of this.#children) killGroup(child.pid, 'SIGKILL');
    });
  }

  /**
   * Starts `command args`. stdout is handed to `onStdout` (line by line) if given, else ignored;
   * the last few KB of stderr are kept for error messages and optionally echoed.
   */
  spawn(name, command, args, { env, cwd, onStdoutLine, echoStderr = false } = {}) {
    // After stopAll (Ctrl-C, the end of the run) nothing new may start, or it would outlive cleanup.
    if (this.#closed) throw new RegistryClosedError(name);
    const child = spawn(command, args, {
      cwd,
      env: env ? { ...process.env, ...env } : process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const handle = {
      name,
      pid: child.pid,
      child,
      stopping: false,
      stderrTail: '',
      exited: null,
    };
    handle.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (err) => resolve({ code: null, signal: null, error: err }));
    });
    // 'exit' can come before the last stdout bytes are read; readers of output await this too.
    handle.stdoutDone = new Promise((resolve) => child.stdout.once('close', resolve));
    this.#children.add(handle);
    handle.exited.then(() => this.#children.delete(handle));

    let stdoutBuf = '';
    child.stdout.on('data', (chunk) => {
      if (!onStdoutLine) return;
      stdoutBuf += chunk.toString('utf8');
      let nl;
      while ((nl = stdoutBuf.indexOf('\n')) >= 0) {
        const line = stdoutBuf.slice(0, nl);
        stdoutBuf = stdoutBuf.slice(nl + 1);
        onStdoutLine(line);
      }
    });
    child.stdout.once('end', () => {
      if (onStdoutLine && stdoutBuf) onStdoutLine(stdoutBuf);
    });
    child.stderr.on('data', (chunk) => {
      const text = chunk.toString('utf8');
      handle.stderrTail = (handle.stderrTail + text).slice(-STDERR_TAIL_BYTES);
      if (echoStderr) process.stderr.write(text.replace(/^/gm, `[${name}] `));
    });
    return handle;
  }

  /** Rejects as soon as `handle` exits unless it is being stopped; use with Promise.race. */
  failOnExit(handle) {
    return handle.exited.then(({ code, signal, error }) => {
      if (handle.stopping) return new Promise(() => {});
      const detail = error ? `failed to start: ${error.message}` : `exited early (code ${code}, signal ${signal})`;
      throw new ProcessExitedError(handle.name, detail, handle.stderrTail);
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
  async stop(handle, graceMs = 3000) {
    if (!handle || !this.#children.has(handle)) return;
    handle.stopping = true;
    // Children that left our process group (sshd's per-session process calls setsid) are found by
    // parentage before their parent goes and they are re-parented out of sight.
    const strays = descendants(handle.pid);
    killGroup(handle.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(handle.pid, 'SIGKILL'), graceMs);
    await handle.exited;
    clearTimeout(timer);
    killGroup(handle.pid, 'SIGKILL');
    for (const pid of strays) killPid(pid, 'SIGKILL');
  }

  /**
   * SIGKILL at once, no grace: the crash the failover suite simulates. Marked as stopping first so
   * failOnExit does not report the death it was asked for. Resolves when the process is gone.
   */
  async kill9(handle) {
    if (!handle || !this.#children.has(handle)) return;
    handle.stopping = true;
    killGroup(handle.pid, 'SIGKILL');
    await handle.exited;
  }

  /** Stops every live child, most recently started first (dependants before what they depend on). */
  async stopAll() {
    this.#closed = true;
    const live = [...this.#children].reverse();
    for (const handle of live) await this.stop(handle);
  }
}

function killGroup(pid, signal) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') process.stderr.write(`[bench] kill ${signal} -${pid}: ${err.message}\n`);
  }
}

function killPid(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') process.stderr.write(`[bench] kill ${signal} ${pid}: ${err.message}\n`);
  }
}

/** Ports handed out by this run: a server may not have bound one yet, so none is given twice. */
const handedOut = new Set();

/**
 * A port on 127.0.0.1 free right now, picked at random below the kernel's ephemeral range (as
 * libs/testing's freePort, which says why): a port from that range can be taken, between the
 * probe and the server's bind, by the local port of any outgoing connection, and this bench opens
 * hundreds of thousands of them (wrk, redis-benchmark, the churn clients), whose TIME_WAIT then
 * keeps the port from being bound for a minute. Falls back to the OS's pick off Linux.
 */
export async function freePort() {
  let high;
  try {
    high = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) - 1;
  } catch {
    high = NaN;
  }
  const low = 10000;
  if (!(high - low >= 1000)) return osPickedPort();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    // 10080 is the Fetch Standard's one "bad port" above 10000: fetch and Chromium refuse it.
    if (handedOut.has(port) || port === 10080 || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port on 127.0.0.1 between ${low} and ${high} in 200 tries`);
}

function canListen(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function osPickedPort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function tryConnect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

/** Polls until 127.0.0.1:port accepts a TCP connection. */
export async function waitForPort(port, { timeoutMs = 10000, what = `port ${port}` } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      await tryConnect(port);
      return;
    } catch (err) {
      lastError = err;
      await sleep(50);
    }
  }
  throw new ReadinessTimeoutError(what, timeoutMs, lastError);
}

/** One GET; resolves { status, body } (body as a string), never keeps the connection. */
export function httpGet(url, { headers = {}, timeoutMs = 2000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** Polls `url` until it answers `status` (default 200). */
export async function waitForHttp(url, { headers, status = 200, timeoutMs = 15000, what = url } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const res = await httpGet(url, { headers });
      if (res.status === status) return res;
      lastError = new Error(`status ${res.status}: ${res.body.slice(0, 200)}`);
    } catch (err) {
      lastError = err;
    }
    await sleep(100);
  }
  throw new ReadinessTimeoutError(what, timeoutMs, lastError);
}

/** Resident set size of `pid` in bytes, or null if the process is gone. */
export function readRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    // The process exited between samples: that is not an error for a sampler.
    return null;
  }
}

/** CPU time `pid` has used (user + system), in ms, from /proc/<pid>/stat; null if it is gone. */
export function readCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Every live descendant of `pid` (children, grandchildren...), from /proc. */
export function descendants(pid) {
  const parentOf = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(rest[1]));
    } catch {
      // Raced with an exiting process.
    }
  }
  const found = [];
  const frontier = [pid];
  while (frontier.length) {
    const parent = frontier.pop();
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(child);
        frontier.push(child);
      }
    }
  }
  return found;
}

/**
 * Samples VmRSS of a set of processes every `intervalMs` and keeps the peak of each.
 * `targets` is a list of { name, pid, withDescendants? }; descendants are re-discovered on every
 * sample (sshd forks a process per session after the sampler starts) and summed into the target.
 */
export class RssSampler {
  #targets;
  #timer = null;
  #peaks = new Map();

  constructor(targets, intervalMs = 100) {
    this.#targets = targets;
    this.intervalMs = intervalMs;
  }

  start() {
    this.sample();
    this.#timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  sample() {
    for (const t of this.#targets) {
      const pids = [t.pid, ...(t.withDescendants ? descendants(t.pid) : [])];
      let total = 0;
      let any = false;
      for (const pid of pids) {
        const rss = readRss(pid);
        if (rss !== null) {
          total += rss;
          any = true;
        }
      }
      if (!any) continue;
      const prev = this.#peaks.get(t.name) ?? 0;
      if (total > prev) this.#peaks.set(t.name, total);
    }
  }

  /** Stops sampling; returns { [name]: peakBytes }. */
  stop() {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.sample();
    return Object.fromEntries(this.#peaks);
  }
}

/**
 * CPU time each of a set of processes spends between start() and stop(): { [name]: ms }.
 * Targets as for RssSampler; descendants (sshd's per-session child) are summed in. Unlike a rate,
 * CPU time per byte moved hardly depends on how busy the machine is, so it compares hops and
 * runs that wall-clock figures cannot.
 */
export class CpuMeter {
  #targets;
  #start = new Map();

  constructor(targets) {
    this.#targets = targets;
  }

  #read(t) {
    let total = 0;
    for (const pid of [t.pid, ...(t.withDescendants ? descendants(t.pid) : [])]) total += readCpuMs(pid) ?? 0;
    return total;
  }

  start() {
    for (const t of this.#targets) this.#start.set(t.name, this.#read(t));
    return this;
  }

  stop() {
    return Object.fromEntries(this.#targets.map((t) => [t.name, this.#read(t) - (this.#start.get(t.name) ?? 0)]));
  }
}
