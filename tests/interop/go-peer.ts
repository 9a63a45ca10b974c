// Builds and runs the Go programs under tests/interop/go: yamuxpeer (Go's hashicorp/yamux +
// gorilla/websocket, the libraries Go Piko uses) and reverseproxy (Go's net/http +
// httputil.ReverseProxy, the reference for the proxy's request hygiene). Shared by the interop
// tests and the system tests.
import { ChildProcess, ChildProcessByStdio, execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

const GO_DIR = path.join(__dirname, 'go');
const GOPATH = '/usr/share/gocode';
const INSTALL_HINT =
  'apt-get install -y golang-go golang-github-hashicorp-yamux-dev golang-github-gorilla-websocket-dev';

const building = new Map<string, Promise<string>>();

/**
 * Compiles the Go peer offline (GOPATH mode against Debian's Go packages, no module downloads)
 * and returns the binary's path. Cached per source + Go version in the OS temp dir, so the
 * test files of one run (and later runs) share one build. Fails, never skips, without Go.
 */
export function buildGoPeer(): Promise<string> {
  return buildGoProgram('yamuxpeer', ['github.com/hashicorp/yamux', 'github.com/gorilla/websocket']);
}

/**
 * Compiles tests/interop/go/<name> (its main.go, using only the standard library and the listed
 * Debian Go packages) the same way as buildGoPeer, and returns the binary's path.
 */
export function buildGoProgram(name: string, packages: string[] = []): Promise<string> {
  let build = building.get(name);
  if (!build) {
    build = buildProgram(name, packages);
    building.set(name, build);
  }
  return build;
}

async function buildProgram(name: string, packages: string[]): Promise<string> {
  const sourceDir = path.join(GO_DIR, name);
  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(`Go is required for the interop tests but \`go version\` failed (${version.error?.message ?? version.stderr}). Install it with: ${INSTALL_HINT}`);
  }
  for (const pkg of packages) {
    if (!existsSync(path.join(GOPATH, 'src', pkg))) {
      throw new Error(`Go package ${pkg} is missing under ${GOPATH}. Install it with: ${INSTALL_HINT}`);
    }
  }
  const hash = createHash('sha256')
    .update(readFileSync(path.join(sourceDir, 'main.go')))
    .update(version.stdout)
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(os.tmpdir(), `piko-${name}-${hash}`);
  const binary = path.join(dir, name);
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const tmp = `${binary}.${process.pid}.tmp`;
  try {
    await promisify(execFile)('go', ['build', '-o', tmp, '.'], {
      cwd: sourceDir,
      env: {
        ...process.env,
        GOPATH,
        GO111MODULE: 'off',
        GOFLAGS: '',
        GOPROXY: 'off',
        GOCACHE: process.env.GOCACHE ?? path.join(os.tmpdir(), 'piko-gocache'),
      },
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`building the Go interop program ${name} failed: ${e.stderr ?? e.message}\n(needs: ${INSTALL_HINT})`);
  }
  renameSync(tmp, binary); // atomic: parallel Jest workers may race to build
  return binary;
}

export interface GoPeerProcess {
  readonly proc: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Resolves with the first stdout line (past or future) matching `re`; rejects if the process exits first. */
  waitForLine(re: RegExp): Promise<RegExpMatchArray>;
  /** Exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  stderr(): string;
  stop(): Promise<void>;
}

export function startGoPeer(binary: string, args: string[]): GoPeerProcess {
  const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcessByStdio<null, Readable, Readable>;
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  const waiters = new Set<() => void>();
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of [...waiters]) w();
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const w of [...waiters]) w();
  });

  return {
    proc,
    lines,
    exited,
    stderr: () => stderr,
    waitForLine(re) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of lines) {
            const m = line.match(re);
            if (m) {
              waiters.delete(check);
              return resolve(m);
            }
          }
          if (hasExited) {
            waiters.delete(check);
            reject(new Error(`go peer exited before printing ${re}; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (!hasExited) {
        proc.kill('SIGTERM');
        await exited;
      }
    },
  };
}
