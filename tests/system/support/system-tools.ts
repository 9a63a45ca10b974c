import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { findBinary } from '@piko/testing';

/** Absolute path of a client tool; a missing one fails the test with the command that installs it. */
export function requireTool(name: string, debianPackage: string): string {
  try {
    return findBinary(name);
  } catch {
    throw new Error(`${name} not found: install it with \`apt-get install -y --no-install-recommends ${debianPackage}\``);
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a real client program to completion; rejects with its stderr when it exits non-zero. */
export function run(command: string, args: string[], options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { maxBuffer: 256 * 1024 * 1024, timeout: options.timeoutMs ?? 60_000, env: { ...process.env, ...options.env } },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        resolve({ stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function tcpProbeOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
