// The service every path of the benchmark ends at: a plain Node HTTP server in its own process
// (one process, keep-alive on), so the upstream costs the same whatever sits in front of it.
//   GET  /small          ~100-byte body
//   GET  /large?bytes=N  streams N bytes (a repeated 64 KiB chunk), with backpressure
//   POST /sink           reads and counts the body, replies with the count
// Usage: node upstream-server.mjs [port]   (port 0 / omitted = any free port)
// Prints one JSON line {"port":N} on stdout once listening.
import http from 'node:http';

const SMALL_BODY = Buffer.from(`${'piko bench small response '.repeat(4).slice(0, 99)}\n`);
const CHUNK = Buffer.alloc(64 * 1024, 'piko-bench-large-body-chunk\n');

function large(req, res, url) {
  const total = Number(url.searchParams.get('bytes') ?? 0);
  if (!Number.isSafeInteger(total) || total < 0) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad bytes\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
  let left = total;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      const ok = res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
      if (!ok) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  res.on('close', () => {
    left = 0;
  });
  pump();
}

function sink(req, res) {
  let count = 0;
  req.on('data', (chunk) => {
    count += chunk.length;
  });
  req.on('end', () => {
    const body = `${count}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length) }).end(body);
  });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://upstream');
  if (req.method === 'GET' && url.pathname === '/small') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(SMALL_BODY.length) });
    res.end(SMALL_BODY);
  } else if (req.method === 'GET' && url.pathname === '/large') {
    large(req, res, url);
  } else if (req.method === 'POST' && url.pathname === '/sink') {
    sink(req, res);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
});
// Load tools keep connections open for the whole run; never let the server be the one to close them.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.requestTimeout = 0;

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

const shutdown = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
