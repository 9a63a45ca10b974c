import { SignJWT } from 'jose';
import type { ManagedProcess } from '@piko/testing';
import { curl } from './support/curl';
import { startAgent, startPikoServer, waitForRoute, type PikoServer } from './support/piko';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(60_000);

const ADMIN_KEY = 'admin-read-auth-test-key';
// A name nobody could guess: if it shows up in an unauthenticated answer, the admin port leaked it.
const ENDPOINT = 'payroll-9f3c2e7a';

// Issue 8: "the admin port lists every endpoint ID and node address to anyone". With admin.auth
// set, every read route of the admin port needs the token; what stays open (probes, the status
// page's static files) names neither endpoints nor node addresses.
describe('admin.auth protects every read of the admin port', () => {
  let service: UpstreamService;
  let server: PikoServer;
  let agent: ManagedProcess;
  let token: string;

  beforeAll(async () => {
    service = new UpstreamService('admin-read');
    const port = await service.listen();
    server = await startPikoServer(['--admin.auth.hmac-secret-key', ADMIN_KEY]);
    agent = await startAgent('http', ENDPOINT, String(port), server.upstreamUrl);
    await waitForRoute(server.proxyUrl, ENDPOINT);
    token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(ADMIN_KEY));
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.process.stop();
    await service?.close();
  });

  /** What an unauthenticated caller can learn: a node address is any of the server's ports. */
  function leaks(body: string): string[] {
    const secrets = [ENDPOINT, String(server.proxyPort), String(server.upstreamPort)];
    return secrets.filter((secret) => body.includes(secret));
  }

  it('the API, the live feed, Go Piko status paths and /metrics answer 401 without a token, and leak nothing', async () => {
    for (const path of ['/api/v1/endpoints', '/api/v1/nodes', '/api/v1/events', '/metrics', '/status/upstream/endpoints', '/status/cluster/nodes', '/status/cluster/nodes/local']) {
      const res = await curl([`${server.adminUrl}${path}`]);
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 401, body: '{"error":"missing authorization"}\n' });
    }
  });

  it('what stays open (probes, the status page shell) names no endpoint and no node address', async () => {
    for (const path of ['/health', '/ready', '/']) {
      const res = await curl([`${server.adminUrl}${path}`]);
      expect({ path, status: res.status, leaks: leaks(res.body) }).toEqual({ path, status: 200, leaks: [] });
    }
  });

  it('with the token, the same API lists the endpoint (the check above could see it)', async () => {
    const res = await curl(['-H', `Authorization: Bearer ${token}`, `${server.adminUrl}/api/v1/endpoints`]);
    expect(res.status).toBe(200);
    expect(leaks(res.body)).toContain(ENDPOINT);
  });
});
