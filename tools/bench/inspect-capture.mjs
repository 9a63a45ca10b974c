// Traffic inspection's own cost per exchange (issue 11), apart from the network and the machine's
// load: the Inspector from libs/inspect (bundled from source with esbuild into dist/bench/) captures
// N GET exchanges in a loop, each with stand-in request/response objects (EventEmitters carrying
// Node's raw header lists, one 100-byte response chunk in a buffer of its own, as Node's parser
// hands them), then the same loop runs with the endpoint switched off (the stand-ins alone). The
// difference is what capture adds per exchange, in CPU ns (process.cpuUsage: other processes'
// load moves it far less than req/s). The piko-inspect path of main.mjs measures the same end to end.
// Usage: node tools/bench/inspect-capture.mjs [exchanges per round, default 200000]
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE = join(ROOT, 'dist/bench/inspect-lib.cjs');
await esbuild.build({
  entryPoints: [join(ROOT, 'libs/inspect/src/index.ts')],
  outfile: BUNDLE,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  tsconfig: join(ROOT, 'tsconfig.base.json'),
  logLevel: 'warning',
});
const { Inspector } = createRequire(import.meta.url)(BUNDLE);

const N = Number(process.argv[2] ?? 200_000);
const inspector = new Inspector(
  'node-a',
  { endpoints: ['bench'], ringSize: 100, bodyBytes: 16_384, maxMemoryBytes: 32 * 1024 * 1024, redactHeaders: [], omitContentTypes: [], replayTimeoutMs: 30_000 },
  { clientAddress: (req) => req.socket.remoteAddress ?? '', errorOf: () => undefined, gatewayOf: () => 'node-a' },
);
const socket = { remoteAddress: '127.0.0.1', remotePort: 40_000 };

function exchange() {
  const req = new EventEmitter();
  Object.assign(req, { rawHeaders: ['Host', '127.0.0.1:8000', 'x-piko-endpoint', 'bench'], headers: { host: '127.0.0.1:8000', 'x-piko-endpoint': 'bench' }, method: 'GET', url: '/small', httpVersion: '1.1', socket });
  const res = Object.assign(new EventEmitter(), { headersSent: true, statusCode: 200 });
  const capture = inspector.http(req, res, 'bench');
  const upstream = new EventEmitter();
  Object.assign(upstream, {
    statusCode: 200,
    rawHeaders: ['Content-Type', 'text/plain', 'Date', 'Mon, 30 Nov 2026 19:00:00 GMT', 'Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Content-Length', '100'],
    headers: { 'content-type': 'text/plain', date: 'Mon, 30 Nov 2026 19:00:00 GMT', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'content-length': '100' },
    socket,
  });
  capture?.response(upstream);
  upstream.emit('data', Buffer.allocUnsafeSlow(100));
  upstream.emit('end');
  res.emit('close');
}

/** CPU ns per exchange over `n` exchanges. */
function round(n) {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) exchange();
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
round(20_000);
const on = [round(N), round(N), round(N), round(N), round(N)];
inspector.setEnabled('bench', false);
const off = [round(N), round(N), round(N), round(N), round(N)];
process.stdout.write(
  `inspect capture: ${(median(on) - median(off)).toFixed(0)} ns CPU per exchange ` +
    `(median of 5 rounds of ${N}: ${median(on).toFixed(0)} with capture, ${median(off).toFixed(0)} stand-ins alone)\n`,
);
