import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExchangeListResponse, ExchangeRecord } from '@piko/inspect';
import type { ManagedProcess } from '@piko/testing';
import { startAgent, startPikoServer, waitForRoute, type PikoServer } from './support/piko';

jest.setTimeout(180_000);

/** proxy.inspect.max_memory: its minimum, so a flood is far beyond it. */
const CAP = 65_536;
/** proxy.inspect.body_bytes: one exchange alone could want more than the cap (2 × 64 KiB). */
const BODY_BYTES = 65_536;

/**
 * Issue 11: "the ring bound and the memory cap held under a flood". Every endpoint is captured,
 * each exchange could keep more than the whole cap, and many run at once: the proxy's capture
 * memory (piko_inspect_memory_bytes, claimed before any byte is kept) never exceeds
 * proxy.inspect.max_memory, and every client still gets exactly what the service sent.
 */
describe('traffic inspection under a flood', () => {
  let service: Server;
  let server: PikoServer;
  let agent: ManagedProcess;

  beforeAll(async () => {
    // Echoes the body, and a digest of it in a header.
    service = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-sha256': createHash('sha256').update(body).digest('hex') });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    server = await startPikoServer([
      '--proxy.inspect.endpoints', '*',
      '--proxy.inspect.max-memory', String(CAP),
      '--proxy.inspect.body-bytes', String(BODY_BYTES),
      '--proxy.inspect.ring-size', '10000',
      '--proxy.max-streams-per-client', '0',
    ]);
    agent = await startAgent('http', 'flooded', String((service.address() as AddressInfo).port), server.upstreamUrl);
    await waitForRoute(server.proxyUrl, 'flooded', '/route-check');
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.process.stop();
    service?.closeAllConnections();
    await new Promise((resolve) => service?.close(resolve));
  });

  async function inspectMemory(): Promise<{ bytes: number; exchanges: number }> {
    const text = await (await fetch(`${server.adminUrl}/metrics`)).text();
    const read = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { bytes: read('piko_inspect_memory_bytes'), exchanges: read('piko_inspect_exchanges') };
  }

  /** Sends `count` POSTs of `size` random bytes, `concurrency` at a time; checks each echo. */
  async function flood(count: number, size: number, concurrency: number): Promise<number> {
    let next = 0;
    let ok = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const body = randomBytes(size);
        const res = await fetch(`${server.proxyUrl}/flood/${size}/${i}`, { method: 'POST', body, headers: { 'x-piko-endpoint': 'flooded' } });
        const echoed = Buffer.from(await res.arrayBuffer());
        expect(res.status).toBe(200);
        expect(echoed.equals(body)).toBe(true);
        ok++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return ok;
  }

  it('holds proxy.inspect.max_memory at every moment, and forwards every exchange intact', async () => {
    let peak = 0;
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { bytes } = await inspectMemory();
        peak = Math.max(peak, bytes);
        samples++;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    try {
      // Many small exchanges, then large uploads each wanting more than the whole cap.
      expect(await flood(600, 4096, 50)).toBe(600);
      expect(await flood(24, 1024 * 1024, 12)).toBe(24);
    } finally {
      sampling = false;
      await sampler;
    }
    expect(samples).toBeGreaterThan(5);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(CAP);

    const after = await inspectMemory();
    expect(after.bytes).toBeLessThanOrEqual(CAP);
    const list = (await (await fetch(`${server.adminUrl}/api/v1/endpoints/flooded/requests?limit=1000`)).json()) as ExchangeListResponse;
    // Far fewer than the 600+ exchanges: the oldest were evicted for memory, not for the ring (10000).
    expect(list.requests.length).toBeGreaterThan(0);
    expect(list.requests.length).toBeLessThan(60);
    expect(list.requests.length).toBe(after.exchanges);
    // What is kept is within the cap, and the newest survive.
    let kept = 0;
    for (const summary of list.requests) {
      const record = (await (await fetch(`${server.adminUrl}/api/v1/requests/${summary.id}`)).json()) as ExchangeRecord;
      kept += Buffer.from(record.request.body.kept, 'base64').length + Buffer.from(record.response?.body.kept ?? '', 'base64').length;
      expect(record.request.body.size).toBe(Number(summary.target.split('/')[2]));
    }
    expect(kept).toBeLessThanOrEqual(CAP);
    expect(list.requests[0].target.startsWith('/flood/1048576/')).toBe(true);
    // An upload that wanted more than the cap was cut where nothing more fit, its size still whole.
    const newest = (await (await fetch(`${server.adminUrl}/api/v1/requests/${list.requests[0].id}`)).json()) as ExchangeRecord;
    expect(newest.request.body).toMatchObject({ size: 1024 * 1024, truncated: true });
    expect(newest.replayable).toBe(false);
  });
});
