// Checks, before any test runs, that the real programs the tests start are on this machine.
// Tests never skip: a missing program stops the run here, naming the exact command that installs it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const runs = (bin, args) => {
  try {
    execFileSync(bin, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const postgresBin = () =>
  existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));

const needs = [
  { what: 'redis-server', ok: () => runs('redis-server', ['--version']), apt: 'redis-server' },
  { what: 'redis-cli, redis-benchmark', ok: () => runs('redis-cli', ['--version']) && runs('redis-benchmark', ['--version']), apt: 'redis-tools' },
  { what: 'nats-server', ok: () => runs('nats-server', ['--version']), apt: 'nats-server' },
  { what: 'go', ok: () => runs('go', ['version']), apt: 'golang-go' },
  { what: 'Go yamux sources', ok: () => existsSync('/usr/share/gocode/src/github.com/hashicorp/yamux'), apt: 'golang-github-hashicorp-yamux-dev' },
  { what: 'Go websocket sources', ok: () => existsSync('/usr/share/gocode/src/github.com/gorilla/websocket'), apt: 'golang-github-gorilla-websocket-dev' },
  { what: 'curl', ok: () => runs('curl', ['--version']), apt: 'curl' },
  { what: 'script (a terminal for the banner test)', ok: () => runs('script', ['--version']), apt: 'bsdutils' },
  { what: 'openssl (test certificates)', ok: () => runs('openssl', ['version']), apt: 'openssl' },
  { what: 'psql', ok: () => runs('psql', ['--version']), apt: 'postgresql-client' },
  { what: 'PostgreSQL server', ok: postgresBin, apt: 'postgresql' },
  { what: 'sshd', ok: () => existsSync('/usr/sbin/sshd'), apt: 'openssh-server' },
  { what: 'ssh', ok: () => runs('ssh', ['-V']), apt: 'openssh-client' },
  { what: 'docker-compose (config check only)', ok: () => runs('docker-compose', ['--version']), apt: 'docker-compose' },
  // The admin status page's test drives Debian's chromium through playwright-core (never a downloaded browser).
  { what: 'chromium (the admin status page test)', ok: () => runs('/usr/bin/chromium', ['--version']), apt: 'chromium' },
  { what: 'g++ (the fuzzer\'s glibc compatibility shim, tools/fuzz)', ok: () => runs('g++', ['--version']), apt: 'g++' },
];

const missing = needs.filter((n) => !n.ok());
if (missing.length > 0) {
  console.error(`preflight: missing ${missing.map((m) => m.what).join(', ')}.`);
  console.error(`Install with: apt-get update && apt-get install -y --no-install-recommends ${missing.map((m) => m.apt).join(' ')}`);
  process.exit(1);
}
console.log(`preflight: found ${needs.map((n) => n.what).join(', ')}`);
