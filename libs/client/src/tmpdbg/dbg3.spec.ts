import { sessionPair } from '../../../protocol/src/testing/connection-pairs';
import { readAll } from '../testing/fake-gateway';

it('dbg3 pure protocol over ws', async () => {
  const p = await sessionPair('ws');
  p.client.on('stream', (st) => st.pipe(st));
  for (const size of [10, 300_000, 1 << 20]) {
    const st = p.server.open();
    st.end('x'.repeat(size));
    console.log(size, (await readAll(st)).length);
  }
  await p.close();
}, 5000);
