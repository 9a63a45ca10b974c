import { sessionPair } from '../../../protocol/src/testing/connection-pairs';
import { readAll } from '../testing/fake-gateway';

it('dbg3 one way over ws', async () => {
  const p = await sessionPair('ws');
  const got = new Promise<number>((resolve) => p.client.on('stream', (st) => { readAll(st).then((b) => { st.end(); resolve(b.length); }); }));
  const st = p.server.open();
  st.end('x'.repeat(300_000));
  st.resume();
  console.log('one way', await got);
  await p.close();
}, 3000);
it('dbg3 other way over ws', async () => {
  const p = await sessionPair('ws');
  p.client.on('stream', (st) => { st.resume(); st.end('y'.repeat(300_000)); });
  const st = p.server.open();
  st.end('x');
  console.log('other way', (await readAll(st)).length);
  await p.close();
}, 3000);
