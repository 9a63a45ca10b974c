import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from './free-port';

describe('freePort', () => {
  it('hands out distinct ports below the ephemeral range that a server can then bind', async () => {
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralLow);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("never hands out 10080, the Fetch Standard's bad port that fetch and Chromium refuse", async () => {
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const span = ephemeralLow - 10_000;
    // The first draw lands on 10080, the second on 10081.
    const draws = [(80.5 / span), (81.5 / span)];
    const random = jest.spyOn(Math, 'random').mockImplementation(() => draws.shift() ?? 0.5);
    try {
      const port = await freePort();
      expect(port).not.toBe(10_080);
      expect(port).toBe(10_081);
    } finally {
      random.mockRestore();
    }
  });
});
