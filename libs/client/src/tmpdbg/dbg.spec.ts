import type { Duplex } from 'stream';
import { FakeGateway, readAll } from '../testing/fake-gateway';
import { Upstream } from '../upstream';

it('dbg', async () => {
  const gateway = await FakeGateway.start();
  const ln = await new Upstream({ url: gateway.url }).listen('echo');
  ln.on('connection', (s: Duplex) => { s.on('end', () => console.log('server end')); s.pipe(s); });
  for (const size of [10, 100_000, 300_000, 1 << 20]) {
    const stream = await gateway.openStream('echo');
    stream.end('x'.repeat(size));
    const got = await readAll(stream);
    console.log(size, got.length);
  }
  ln.shutdown();
  await gateway.close();
}, 10000);
