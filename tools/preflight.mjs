// Checks, before any test runs, that the real programs the tests start are on this machine.
// Tests never skip: a missing program stops the run here, naming the exact command that installs it.
import { execFileSync } from 'node:child_process';

const needs = [
  { bin: 'redis-server', args: ['--version'], apt: 'redis-server' },
  { bin: 'nats-server', args: ['--version'], apt: 'nats-server' },
  { bin: 'go', args: ['version'], apt: 'golang-go golang-github-hashicorp-yamux-dev golang-github-gorilla-websocket-dev' },
  { bin: 'curl', args: ['--version'], apt: 'curl' },
];

const missing = needs.filter(({ bin, args }) => {
  try {
    execFileSync(bin, args, { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
const goSources = '/usr/share/gocode/src/github.com/hashicorp/yamux';
try {
  execFileSync('test', ['-d', goSources]);
} catch {
  if (!missing.some((m) => m.bin === 'go')) missing.push({ bin: goSources, apt: 'golang-github-hashicorp-yamux-dev golang-github-gorilla-websocket-dev' });
}

if (missing.length > 0) {
  const pkgs = [...new Set(missing.flatMap((m) => m.apt.split(' ')))].join(' ');
  console.error(`preflight: missing ${missing.map((m) => m.bin).join(', ')}.`);
  console.error(`Install with: apt-get update && apt-get install -y --no-install-recommends ${pkgs}`);
  process.exit(1);
}
console.log('preflight: redis-server, nats-server, go and curl found');
