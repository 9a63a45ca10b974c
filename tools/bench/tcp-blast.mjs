// A TCP bulk-transfer pair for when iperf3 is not installed.
// Usage: node tcp-blast.mjs serve             listens on 127.0.0.1:0, prints {"port":N}; per
//                                             connection: counts bytes until EOF, replies the
//                                             count (8 bytes, big-endian) and closes
//        node tcp-blast.mjs send <port> <s>   writes 64 KiB chunks (with backpressure) for <s>
//                                             seconds, half-closes, waits for the count; prints
//                                             {"bytes":N,"seconds":S,"bitsPerSecond":B}
// The clock stops when the server confirms the count, so bytes still in a tunnel's buffers at the
// end are not counted as delivered before they are.
import net from 'node:net';

const [mode, portArg, secondsArg] = process.argv.slice(2);
const CHUNK = Buffer.alloc(64 * 1024, 'piko-bench-tcp-blast\n');

function fail(message) {
  process.stderr.write(`tcp-blast: ${message}\n`);
  process.exit(1);
}

if (mode === 'serve') {
  const server = net.createServer((socket) => {
    let count = 0;
    socket.on('data', (chunk) => {
      count += chunk.length;
    });
    socket.on('end', () => {
      const reply = Buffer.alloc(8);
      reply.writeBigUInt64BE(BigInt(count));
      socket.end(reply);
    });
    socket.on('error', (err) => process.stderr.write(`tcp-blast serve: ${err.message}\n`));
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
} else if (mode === 'send') {
  const seconds = Number(secondsArg);
  const socket = net.connect({ host: '127.0.0.1', port: Number(portArg) });
  socket.on('error', (err) => fail(err.message));
  socket.once('connect', () => {
    const started = process.hrtime.bigint();
    const until = Date.now() + seconds * 1000;
    let sent = 0;
    const pump = () => {
      while (Date.now() < until) {
        sent += CHUNK.length;
        if (!socket.write(CHUNK)) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end();
    };
    const reply = [];
    socket.on('data', (c) => reply.push(c));
    socket.on('end', () => {
      const buf = Buffer.concat(reply);
      if (buf.length !== 8) fail(`expected an 8-byte count, got ${buf.length} bytes`);
      const received = Number(buf.readBigUInt64BE());
      if (received !== sent) fail(`sent ${sent} bytes, the server counted ${received}`);
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      process.stdout.write(`${JSON.stringify({ bytes: sent, seconds: elapsed, bitsPerSecond: (sent * 8) / elapsed })}\n`);
      process.exit(0);
    });
    pump();
  });
} else {
  fail('usage: node tcp-blast.mjs serve | send <port> <seconds>');
}
