// Requests every endpoint `<prefix><i>` (i < count) once through a proxy (x-piko-endpoint header,
// keep-alive connections, `concurrency` at a time) and counts the answers by status: proof that
// each endpoint is routable from that proxy, not just listed. Imports nothing from our build.
// Usage: node route-check.mjs <proxyPort> <prefix> <count> <concurrency>
// stdout: one JSON line { requested, ok, byStatus: { "200": n, ... }, errors, firstFailure, seconds }
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const [portArg, prefix, countArg, concurrencyArg] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
const concurrency = Number(concurrencyArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const result = { requested: 0, ok: 0, byStatus: {}, errors: 0, firstFailure: null };

function get(endpoint) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, headers: { 'x-piko-endpoint': endpoint }, timeout: 30000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        result.byStatus[res.statusCode] = (result.byStatus[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 200 && body === 'ok') result.ok++;
        else result.firstFailure ??= `${endpoint}: ${res.statusCode} ${body.slice(0, 200)}`;
        resolve();
      });
      res.on('error', () => resolve());
    });
    req.on('timeout', () => req.destroy(new Error('timeout after 30 s')));
    req.on('error', (err) => {
      result.errors++;
      result.firstFailure ??= `${endpoint}: ${err.message}`;
      resolve();
    });
  });
}

const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      result.requested++;
      await get(`${prefix}${i}`);
    }
  }),
);
process.stdout.write(`${JSON.stringify({ ...result, seconds: (performance.now() - started) / 1000 })}\n`);
agent.destroy();
