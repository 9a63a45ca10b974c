import { createServer, type InformationEvent, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { relayInterimResponse } from './interim-response';

const hints: InformationEvent = {
  statusCode: 103,
  statusMessage: 'Early Hints',
  httpVersion: '1.1',
  httpVersionMajor: 1,
  httpVersionMinor: 1,
  headers: {},
  rawHeaders: ['Link', '</a.css>; rel=preload', 'Content-Length', '0', 'Connection', 'X-Hop', 'X-Hop', '1', 'X-Kept', '2'],
};

describe('relayInterimResponse', () => {
  let server: Server;
  let port: number;
  const relayed: boolean[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      relayed.push(relayInterimResponse(req, res, hints));
      res.writeHead(200, { 'content-length': 2, connection: 'close' }).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function raw(request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => socket.write(request));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
  }

  it('writes the 1xx head before the final response, less hop-by-hop headers and Content-Length', async () => {
    const text = await raw('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(text.startsWith('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nX-Kept: 2\r\n\r\nHTTP/1.1 200 OK\r\n')).toBe(true);
    expect(relayed.pop()).toBe(true);
  });

  it('sends nothing to an HTTP/1.0 client (RFC 9110 §15.2)', async () => {
    const text = await raw('GET / HTTP/1.0\r\nHost: h\r\n\r\n');
    expect(text.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(relayed.pop()).toBe(false);
  });
});
