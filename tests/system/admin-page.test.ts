import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import type { ManagedProcess } from '@piko/testing';
import { launchChromium, screenshot } from './support/chromium';
import { TestCluster } from './support/cluster';
import { type PikoServer, startAgent, startPikoServer, waitForRoute } from './support/piko';
import { UpstreamService } from './support/upstream-service';

jest.setTimeout(180_000);

// The live status page at / on the admin port, driven in headless Chromium (Debian's chromium
// through playwright-core) against real piko processes, agents and, for the cluster, real Redis
// and NATS. What a user sees is what is asserted: table rows, the connection badge, notices.

/** Generous: the page updates every second, but this machine may be loaded. */
const UI_TIMEOUT = 30_000;

interface OpenedPage {
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  /** Console errors (a CSP violation is one) and uncaught exceptions. */
  errors: string[];
}

async function openStatusPage(browser: Browser, adminUrl: string): Promise<OpenedPage> {
  const page = await browser.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  const res = await page.goto(`${adminUrl}/`);
  expect(res?.status()).toBe(200);
  return { page, requests, errors };
}

const row = (page: Page, table: string, key: string) => page.locator(`#${table} tbody tr[data-key="${key}"]`);

describe('admin status page in headless Chromium', () => {
  let browser: Browser;
  const services: UpstreamService[] = [];
  const agents: ManagedProcess[] = [];

  async function service(name: string): Promise<number> {
    const s = new UpstreamService(name);
    services.push(s);
    return s.listen();
  }

  async function agent(endpointId: string, upstreamUrl: string): Promise<ManagedProcess> {
    const a = await startAgent('http', endpointId, String(await service(endpointId)), upstreamUrl, ['--access-log=false']);
    agents.push(a);
    return a;
  }

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
    await Promise.all(services.splice(0).map((s) => s.close()));
  });

  describe('piko server (one process)', () => {
    let server: PikoServer;

    beforeAll(async () => {
      server = await startPikoServer();
    });

    afterAll(async () => {
      await server?.process.stop();
    });

    it('shows the node, and an endpoint appearing when its agent connects and going when it leaves; strict CSP, nothing fetched from elsewhere', async () => {
      const { page, requests, errors } = await openStatusPage(browser, server.adminUrl);
      const csp = (await page.request.get(`${server.adminUrl}/`)).headers()['content-security-policy'];
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/unsafe-inline|https?:/);

      await page.locator('#connection[data-state="live"]').waitFor({ timeout: UI_TIMEOUT });
      await row(page, 'nodes', 'local').waitFor({ timeout: UI_TIMEOUT });
      expect(await row(page, 'nodes', 'local').locator('td').nth(1).textContent()).toBe('gateway');
      await expect(page.locator('#endpoints-empty').isVisible()).resolves.toBe(true);

      const demo = await agent('page-demo', server.upstreamUrl);
      await waitForRoute(server.proxyUrl, 'page-demo');
      await row(page, 'endpoints', 'page-demo').waitFor({ timeout: UI_TIMEOUT });
      expect(await row(page, 'endpoints', 'page-demo').locator('td').nth(1).textContent()).toBe('1');
      expect(await page.locator('#count-endpoints').textContent()).toBe('1');
      await screenshot(page, 'admin-page-server');

      await demo.stop();
      await row(page, 'endpoints', 'page-demo').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
      await page.locator('#endpoints-empty').waitFor({ state: 'visible', timeout: UI_TIMEOUT });

      // Everything the page loaded came from the admin port itself: no CDN, no other origin.
      expect(requests.length).toBeGreaterThanOrEqual(3);
      for (const url of requests) expect(url.startsWith(`${server.adminUrl}/`) || url.startsWith('data:')).toBe(true);
      expect(errors).toEqual([]);
      await page.close();
    });
  });

  describe('a cluster: proxy, gateways and admin as separate processes over real Redis and NATS', () => {
    let cluster: TestCluster;

    afterAll(async () => {
      await cluster?.stop();
    });

    it("lists every node by role, and each gateway's endpoints as agents come and go", async () => {
      cluster = await TestCluster.start(['--cluster.resync-interval', '1s']);
      const [g1, g2] = [await cluster.gateway('gateway-1'), await cluster.gateway('gateway-2')];
      await cluster.proxy('proxy-1');
      const admin = await cluster.admin('admin');
      const { page, errors } = await openStatusPage(browser, admin.url);

      const roles = async () => (await page.locator('#nodes tbody tr td:nth-child(2)').allTextContents()).sort();
      await page.waitForFunction(() => document.querySelectorAll('#nodes tbody tr').length === 4, undefined, { timeout: UI_TIMEOUT });
      expect(await roles()).toEqual(['admin', 'gateway', 'gateway', 'proxy']);
      expect(await page.locator('#count-roles').textContent()).toBe('1 admin, 2 gateway, 1 proxy');

      await agent('on-g1', g1.url);
      const onG2 = await agent('on-g2', g2.url);
      await agent('on-g2', g2.url);
      await row(page, 'endpoints', 'on-g1').waitFor({ timeout: UI_TIMEOUT });
      await page.waitForFunction(
        () => document.querySelector('#endpoints tbody tr[data-key="on-g2"] td:nth-child(2)')?.textContent === '2',
        undefined,
        { timeout: UI_TIMEOUT },
      );
      expect(await page.locator('#count-upstreams').textContent()).toBe('3');
      await screenshot(page, 'admin-page-cluster');

      await onG2.stop();
      await page.waitForFunction(
        () => document.querySelector('#endpoints tbody tr[data-key="on-g2"] td:nth-child(2)')?.textContent === '1',
        undefined,
        { timeout: UI_TIMEOUT },
      );
      expect(errors).toEqual([]);
      await page.close();
    });
  });

  describe('admin.auth', () => {
    const ADMIN_KEY = 'admin-page-test-key-0123456789abcdef';
    let server: PikoServer;

    beforeAll(async () => {
      server = await startPikoServer(['--admin.auth.hmac-secret-key', ADMIN_KEY]);
    });

    afterAll(async () => {
      await server?.process.stop();
    });

    it('the page loads without a token, asks for one, and goes live once given it (sent as a Bearer header, never in a URL)', async () => {
      const { page, requests } = await openStatusPage(browser, server.adminUrl);
      await page.locator('#connection[data-state="unauthorized"]').waitFor({ timeout: UI_TIMEOUT });
      expect(await page.locator('#notice').textContent()).toContain('requires a token');

      // A wrong token is refused, and the page says so.
      const wrong = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode('not-the-admin-key-0123456789abcdef'));
      await page.locator('#token').fill(wrong);
      await page.locator('#token-form button[type="submit"]').click();
      await page.locator('#notice', { hasText: 'was refused' }).waitFor({ timeout: UI_TIMEOUT });

      const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(ADMIN_KEY));
      const authorized: string[] = [];
      page.on('request', (r) => {
        if (r.url().endsWith('/api/v1/events') && r.headers()['authorization'] === `Bearer ${token}`) authorized.push(r.url());
      });
      await page.locator('#token').fill(token);
      await page.locator('#token-form button[type="submit"]').click();
      await page.locator('#connection[data-state="live"]').waitFor({ timeout: UI_TIMEOUT });
      await row(page, 'nodes', 'local').waitFor({ timeout: UI_TIMEOUT });
      expect(authorized.length).toBeGreaterThanOrEqual(1);
      for (const url of requests) expect(url).not.toContain(token);

      // The token lives in this tab's sessionStorage: a reload stays live without typing it again.
      await page.reload();
      await page.locator('#connection[data-state="live"]').waitFor({ timeout: UI_TIMEOUT });
      await page.close();
    });
  });
});
