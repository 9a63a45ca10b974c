/// <reference lib="dom" />
// (The page.waitForFunction callbacks below run in the browser.)
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { freePort, type ManagedProcess, waitFor } from '@piko/testing';
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
      // Request rates sampled every second, so the chart moves within the test.
      server = await startPikoServer(['--admin.api.stats-interval', '1s']);
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
      // Its session, as the gateway reports it.
      await page.locator('#upstreams tbody tr', { hasText: 'page-demo' }).waitFor({ timeout: UI_TIMEOUT });
      expect(await page.locator('#upstreams tbody tr td:nth-child(2)').allTextContents()).toEqual(['page-demo']);

      await demo.stop();
      await row(page, 'endpoints', 'page-demo').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
      await page.locator('#endpoints-empty').waitFor({ state: 'visible', timeout: UI_TIMEOUT });

      // Everything the page loaded came from the admin port itself: no CDN, no other origin.
      expect(requests.length).toBeGreaterThanOrEqual(3);
      for (const url of requests) expect(url.startsWith(`${server.adminUrl}/`) || url.startsWith('data:')).toBe(true);
      expect(errors).toEqual([]);
      await page.close();
    });

    it('charts requests/s and errors/s per endpoint from real traffic through the proxy', async () => {
      await agent('busy', server.upstreamUrl);
      // An agent whose local service is not running: every request through it is a 502, an error.
      const broken = await startAgent('http', 'broken', String(await freePort()), server.upstreamUrl, ['--access-log=false']);
      agents.push(broken);
      await waitForRoute(server.proxyUrl, 'busy');
      const { page, errors } = await openStatusPage(browser, server.adminUrl);
      await row(page, 'endpoints', 'busy').waitFor({ timeout: UI_TIMEOUT });
      await row(page, 'endpoints', 'broken').waitFor({ timeout: UI_TIMEOUT });

      let sending = true;
      const traffic = (async () => {
        while (sending) {
          for (const endpoint of ['busy', 'busy', 'broken']) {
            const res = await fetch(`${server.proxyUrl}/`, { headers: { 'x-piko-endpoint': endpoint } });
            await res.arrayBuffer();
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const cell = (endpoint: string, column: number) =>
        page.waitForFunction(
          ([e, c]) => Number(document.querySelector(`#endpoints tbody tr[data-key="${e}"] td:nth-child(${c})`)?.textContent) > 0,
          [endpoint, column] as const,
          { timeout: UI_TIMEOUT },
        );
      try {
        await cell('busy', 4); // requests/s
        await cell('broken', 5); // errors/s
        await page.waitForFunction(() => Number(document.getElementById('rate-errors')?.textContent) > 0, undefined, { timeout: UI_TIMEOUT });
        expect(await row(page, 'endpoints', 'busy').locator('td').nth(4).textContent()).toBe('0');
        // A solid line for busy's requests and a dashed one for broken's errors; the legend names both.
        await page.locator('#chart polyline.requests[data-endpoint="busy"]').first().waitFor({ state: 'attached', timeout: UI_TIMEOUT });
        await page.locator('#chart polyline.errors[data-endpoint="broken"]').first().waitFor({ state: 'attached', timeout: UI_TIMEOUT });
        await page.locator('#legend li', { hasText: 'busy' }).waitFor({ timeout: UI_TIMEOUT });
        await page.locator('#legend li', { hasText: 'broken' }).waitFor({ timeout: UI_TIMEOUT });
        // Let the newest line grow for a few points before the picture (earlier runs of the line,
        // before a gap when no page was open, come first).
        await page.waitForFunction(
          () => ([...document.querySelectorAll('#chart polyline.requests[data-endpoint="busy"]')].pop()?.getAttribute('points')?.split(' ').length ?? 0) >= 5,
          undefined,
          { timeout: UI_TIMEOUT },
        );
        await screenshot(page, 'admin-page-traffic');
      } finally {
        sending = false;
        await traffic;
      }
      expect(errors).toEqual([]);
      await page.close();
    });

    it("Disconnect on an endpoint's row reaches the agent: told go-away, it logs it and reconnects; the page says which gateway acted", async () => {
      const kicked = await agent('kick-me', server.upstreamUrl);
      await waitForRoute(server.proxyUrl, 'kick-me');
      const { page, errors } = await openStatusPage(browser, server.adminUrl);
      page.on('dialog', (dialog) => void dialog.accept());
      await row(page, 'endpoints', 'kick-me').waitFor({ timeout: UI_TIMEOUT });
      const connectedBefore = (kicked.logs.match(/"msg":"connected"/g) ?? []).length;
      await page.locator('#upstreams tbody tr', { hasText: 'kick-me' }).waitFor({ timeout: UI_TIMEOUT });
      const firstSession = await page.locator('#upstreams tbody tr', { hasText: 'kick-me' }).getAttribute('data-key');

      await row(page, 'endpoints', 'kick-me').getByRole('button', { name: 'Disconnect' }).click();
      await page.locator('#notice[data-kind="ok"]').waitFor({ timeout: UI_TIMEOUT });
      expect(await page.locator('#notice').textContent()).toBe('disconnect endpoint kick-me: acted: local (1 session told go-away)');

      // The agent's side: the session ended and it dialled again (a go-away is not a shutdown).
      await kicked.waitForOutput(/disconnected; reconnecting/, UI_TIMEOUT);
      await waitFor('the agent reconnected', async () => ((kicked.logs.match(/"msg":"connected"/g) ?? []).length > connectedBefore ? true : undefined), UI_TIMEOUT);
      await waitForRoute(server.proxyUrl, 'kick-me');
      await screenshot(page, 'admin-page-disconnect');

      // Disconnect one session from the upstreams table (DELETE /api/v1/upstreams/:id).
      const reconnects = (kicked.logs.match(/disconnected; reconnecting/g) ?? []).length;
      // Once the old session has gone from the table, the new one is the only row of kick-me.
      await page.waitForFunction(
        (old) => {
          const rows = [...document.querySelectorAll<HTMLElement>('#upstreams tbody tr')].filter((tr) => tr.children[1]?.textContent === 'kick-me');
          return rows.length === 1 && rows[0].dataset.key !== old;
        },
        firstSession,
        { timeout: UI_TIMEOUT },
      );
      const sessionId = await page.locator('#upstreams tbody tr', { hasText: 'kick-me' }).getAttribute('data-key');
      await row(page, 'upstreams', sessionId ?? '').getByRole('button', { name: 'Disconnect' }).click();
      await page.locator('#notice', { hasText: 'disconnect upstream' }).waitFor({ timeout: UI_TIMEOUT });
      expect(await page.locator('#notice').textContent()).toBe(`disconnect upstream ${sessionId}: acted: local (1 session told go-away)`);
      await waitFor('the agent told go-away again', async () => ((kicked.logs.match(/disconnected; reconnecting/g) ?? []).length > reconnects ? true : undefined), UI_TIMEOUT);
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

      const onG1 = await agent('on-g1', g1.url);
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

      // Drain gateway-1 from the page: it turns draining, and its agent is told go-away.
      page.on('dialog', (dialog) => void dialog.accept());
      const g1Id = await page.locator('#nodes tbody tr', { hasText: `127.0.0.1:${g1.port}` }).getAttribute('data-key');
      expect(g1Id).toMatch(/^gateway-/);
      await row(page, 'nodes', g1Id ?? '').getByRole('button', { name: 'Drain' }).click();
      await page.locator('#notice[data-kind="ok"]').waitFor({ timeout: UI_TIMEOUT });
      expect(await page.locator('#notice').textContent()).toBe(`drain node ${g1Id}: acted: ${g1Id} (1 session told go-away)`);
      await page.waitForFunction((id) => document.querySelector(`#nodes tbody tr[data-key="${id}"] td:nth-child(3)`)?.textContent === 'draining', g1Id, { timeout: UI_TIMEOUT });
      await onG1.waitForOutput(/disconnected; reconnecting/, UI_TIMEOUT);
      await screenshot(page, 'admin-page-cluster-drained');
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

    it('with admin.api.public_read the page reads without a token; an action asks for one, and works once given it', async () => {
      const open = await startPikoServer(['--admin.auth.hmac-secret-key', ADMIN_KEY, '--admin.api.public-read']);
      try {
        const kicked = await agent('public-read', open.upstreamUrl);
        const { page } = await openStatusPage(browser, open.adminUrl);
        page.on('dialog', (dialog) => void dialog.accept());
        await page.locator('#connection[data-state="live"]').waitFor({ timeout: UI_TIMEOUT });
        await row(page, 'endpoints', 'public-read').waitFor({ timeout: UI_TIMEOUT });

        await row(page, 'endpoints', 'public-read').getByRole('button', { name: 'Disconnect' }).click();
        await page.locator('#notice[data-kind="error"]').waitFor({ timeout: UI_TIMEOUT });
        expect(await page.locator('#notice').textContent()).toMatch(/^disconnect endpoint public-read failed \(401\): .+ Enter the admin token above\.$/);
        expect(kicked.logs).not.toMatch(/disconnected; reconnecting/);

        const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(ADMIN_KEY));
        await page.locator('#token').fill(token);
        await page.locator('#token-form button[type="submit"]').click();
        await row(page, 'endpoints', 'public-read').getByRole('button', { name: 'Disconnect' }).click();
        await page.locator('#notice[data-kind="ok"]').waitFor({ timeout: UI_TIMEOUT });
        await kicked.waitForOutput(/disconnected; reconnecting/, UI_TIMEOUT);
        await page.close();
      } finally {
        await open.process.stop();
      }
    });
  });
});
