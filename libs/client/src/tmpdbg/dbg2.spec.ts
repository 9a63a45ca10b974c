import { Session } from '@piko/protocol';
import * as net from 'net';
import { once } from 'events';
import { readAll } from '../testing/fake-gateway';

it('dbg2 pure protocol over tcp', async () => {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1'); await once(srv, 'listening');
  const c = net.connect((srv.address() as net.AddressInfo).port, '127.0.0.1');
  const [s] = await once(srv, 'connection');
  const client = new Session(c, { client: true });
  const server = new Session(s, { client: false });
  client.on('stream', (st) => st.pipe(st));
  for (const size of [10, 300_000]) {
    const st = server.open();
    st.end('x'.repeat(size));
    console.log(size, (await readAll(st)).length);
  }
  client.close(); server.close(); srv.close();
}, 5000);
