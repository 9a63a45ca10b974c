// Moves one large body through a path, in its own process so its CPU and memory are its own.
// Usage: node body-client.mjs download|upload <baseUrl> <bytes> [headersJson]
//   download: GET  <baseUrl>/large?bytes=N, counts the bytes received
//   upload:   POST <baseUrl>/sink with an N-byte body, checks the upstream counted N
// Prints one JSON line: { mode, bytes, seconds, status }. Exits non-zero if the body came up short.
import http from 'node:http';

const [mode, baseUrl, bytesArg, headersJson] = process.argv.slice(2);
const bytes = Number(bytesArg);
const headers = headersJson ? JSON.parse(headersJson) : {};
const CHUNK = Buffer.alloc(64 * 1024, 'piko-bench-upload-chunk\n');

function fail(message) {
  process.stderr.write(`body-client: ${message}\n`);
  process.exit(1);
}

function download() {
  const started = process.hrtime.bigint();
  const req = http.get(`${baseUrl}/large?bytes=${bytes}`, { headers, agent: false }, (res) => {
    let received = 0;
    res.on('data', (chunk) => {
      received += chunk.length;
    });
    res.on('end', () => done(started, received, res.statusCode));
    res.on('error', (err) => fail(`download response: ${err.message}`));
  });
  req.on('error', (err) => fail(`download request: ${err.message}`));
}

function upload() {
  const started = process.hrtime.bigint();
  const req = http.request(
    `${baseUrl}/sink`,
    { method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(bytes) }, agent: false },
    (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => done(started, Number(text.trim()), res.statusCode));
      res.on('error', (err) => fail(`upload response: ${err.message}`));
    },
  );
  req.on('error', (err) => fail(`upload request: ${err.message}`));
  let left = bytes;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      if (!req.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        req.once('drain', pump);
        return;
      }
    }
    req.end();
  };
  pump();
}

function done(started, transferred, status) {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`${JSON.stringify({ mode, bytes: transferred, seconds, status })}\n`);
  if (status !== 200 || transferred !== bytes) fail(`expected ${bytes} bytes with status 200, got ${transferred} with ${status}`);
}

if (mode === 'download') download();
else if (mode === 'upload') upload();
else fail(`unknown mode "${mode}" (download|upload)`);
