import { createServer } from 'node:net';
import { bindPort } from './bind-port';
import { StartupError } from './startup-error';

describe('bindPort', () => {
  it('names the setting, the address and the cause when the port is taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    const second = createServer();
    try {
      const attempt = bindPort('--proxy.bind-addr', `127.0.0.1:${port}`, () =>
        new Promise<void>((resolve, reject) => second.once('error', reject).listen(port, '127.0.0.1', resolve)),
      );
      await expect(attempt).rejects.toThrow(StartupError);
      await expect(attempt).rejects.toThrow(`--proxy.bind-addr 127.0.0.1:${port}: address already in use`);
    } finally {
      holder.close();
    }
  });

  it('passes through errors that are not about opening the port', async () => {
    const bug = new TypeError('not a listen error');
    await expect(bindPort('--proxy.bind-addr', ':8000', () => Promise.reject(bug))).rejects.toBe(bug);
  });

  it('resolves with what listen resolved', async () => {
    await expect(bindPort('--admin.bind-addr', ':0', async () => 42)).resolves.toBe(42);
  });
});
