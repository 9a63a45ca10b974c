// The runtime's ceiling: the same two hops as Piko's edge + agent, with nothing but Node's own
// modules doing the work, so the report can tell "Node is slow here" from "Piko is slow here".
//   node node-2hop.mjs splice <targetPort>  a TCP server that joins each connection to
//                                           127.0.0.1:<targetPort> byte for byte (the agent's hop)
//   node node-2hop.mjs http <splicePort>    a minimal HTTP reverse proxy with a keep-alive agent
//                                           whose connections go to 127.0.0.1:<splicePort> (the edge)
// HTTP path: client -> http (keep-alive pool) -> splice -> upstream. TCP path: client -> splice
// -> splice -> service (two splices in series, like `piko forward tcp` + `piko agent tcp`).
// Prints one JSON line {"port":N} on stdout once listening (127.0.0.1, a free port).
import http from 'node:http';
import net from 'node:net';
import { pipeline } from 'node:stream';

const [role, targetArg] = process.argv.slice(2);
const targetPort = Number(targetArg);
if (!['splice', 'http'].includes(role) || !Number.isInteger(targetPort) || targetPort <= 0) {
  process.stderr.write('usage: node node-2hop.mjs splice|http <targetPort>\n');
  process.exit(2);
}

// RFC 9110 §7.6.1: connection-specific fields are not forwarded.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'];

function stripHopByHop(headers) {
  const out = { ...headers };
  for (const name of String(headers.connection ?? '').split(',')) delete out[name.trim().toLowerCase()];
  for (const name of HOP_BY_HOP) delete out[name];
  return out;
}

function spliceServer() {
  return net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const service = net.connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true, noDelay: true });
    client.pipe(service).pipe(client);
    const teardown = () => {
      client.destroy();
      service.destroy();
    };
    client.on('error', teardown);
    service.on('error', teardown);
    client.on('close', () => service.writableFinished || service.destroy());
    service.on('close', () => client.writableFinished || client.destroy());
  });
}

function httpServer() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  const server = http.createServer((req, res) => {
    const out = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: stripHopByHop(req.headers), agent },
      (upstream) => {
        res.writeHead(upstream.statusCode, stripHopByHop(upstream.headers));
        pipeline(upstream, res, () => {});
      },
    );
    out.on('error', () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"upstream unreachable"}\n');
    });
    pipeline(req, out, () => {});
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.requestTimeout = 0;
  return server;
}

const server = role === 'splice' ? spliceServer() : httpServer();
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));

const shutdown = () => {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
