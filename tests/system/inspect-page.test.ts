/// <reference lib="dom" />
// (The page.waitForFunction / evaluate callbacks below run in the browser.)
import { createServer, type Server } from 'node:http';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { type ManagedProcess, waitFor } from '@piko/testing';
import { launchChromium, screenshot } from './support/chromium';
import { type PikoServer, startAgent, startPikoServer, waitForRoute } from './support/piko';
import { listenOnLoopback, closeHttpServer } from './support/loopback-http';

jest.setTimeout(240_000);

// The status page's Requests section (traffic inspection, issue 11) in headless Chromium against
// a real `piko server` with inspection on, a real agent and a local service: captures appear live
// as requests go through the proxy, the detail shows redacted headers as redacted and captured
// markup as text, Replay reaches the service and the diff of the two responses appears, the
// capture switch turns inspection on for another endpoint. With admin.auth and
// admin.api.public_read, as an operator would run it: the page reads without a token and asks
// for one when Replay is refused.

const UI_TIMEOUT = 60_000;
const ADMIN_KEY = 'inspect-page-test-admin-key-0123456789';
const SCRIPT_HEADER = '<script>window.__pwned = "header"</script>';
const SCRIPT_BODY = '<img src=x onerror="window.__pwned = \'img\'"><script>window.__pwned = "body"</script>';

/** The local service: counts GETs of /items (its JSON answer changes each time), records every request. */
class CountingShop {
  readonly received: Array<{ method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }> = [];
  private count = 0;
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.url === '/events') {
        // A server-sent event stream held open for 3 s: listed as a connection, open, then closed.
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('data: first\n\n');
        setTimeout(() => res.end('data: last\n\n'), 3_000);
        return;
      }
      if (req.url?.startsWith('/items')) {
        this.count++;
        res.writeHead(200, { 'content-type': 'application/json', 'x-count': String(this.count) });
        res.end(JSON.stringify({ count: this.count, items: ['apple', 'pear'] }));
        return;
      }
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end('stored');
    });
  });

  listen(): Promise<number> {
    return listenOnLoopback(this.server);
  }

  close(): Promise<void> {
    return closeHttpServer(this.server);
  }
}

describe('the Requests section of the status page in headless Chromium (piko server, inspection on)', () => {
  let browser: Browser;
  let server: PikoServer;
  let token: string;
  const shops: CountingShop[] = [];
  const agents: ManagedProcess[] = [];

  async function shop(endpoint: string): Promise<CountingShop> {
    const s = new CountingShop();
    shops.push(s);
    agents.push(await startAgent('http', endpoint, String(await s.listen()), server.upstreamUrl, ['--access-log=false']));
    await waitForRoute(server.proxyUrl, endpoint, '/warm-up');
    return s;
  }

  async function send(endpoint: string, path: string, init: RequestInit = {}): Promise<number> {
    const res = await fetch(`${server.proxyUrl}${path}`, { ...init, headers: { 'x-piko-endpoint': endpoint, ...(init.headers as Record<string, string>) } });
    await res.arrayBuffer();
    return res.status;
  }

  async function openPage(): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    const res = await page.goto(`${server.adminUrl}/`);
    expect(res?.status()).toBe(200);
    return { page, errors, requests };
  }

  /** Shows an endpoint's requests with its row's Requests button. */
  async function showRequests(page: Page, endpoint: string): Promise<void> {
    await page.locator(`#endpoints tbody tr[data-key="${endpoint}"]`).getByRole('button', { name: `Requests of ${endpoint}` }).click({ timeout: UI_TIMEOUT });
    await page.locator('#requests-endpoint-name', { hasText: `of ${endpoint}` }).waitFor({ timeout: UI_TIMEOUT });
  }

  const listRow = (page: Page, target: string) => page.locator('#requests tbody tr', { has: page.locator('button[data-request]', { hasText: target }) });

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startPikoServer([
      '--proxy.inspect.endpoints', 'shop,gone',
      '--proxy.inspect.body-bytes', '1024',
      '--admin.auth.hmac-secret-key', ADMIN_KEY,
      '--admin.api.public-read',
    ]);
    token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(ADMIN_KEY));
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(agents.map((a) => a.stop('SIGKILL')));
    await server?.process.stop();
    await Promise.all(shops.map((s) => s.close()));
  });

  it('lists captures live as requests go through the proxy; the detail shows redacted headers as redacted and captured markup as inert text', async () => {
    await shop('shop');
    const { page, errors, requests } = await openPage();
    await showRequests(page, 'shop');
    await page.locator('#inspect-source', { hasText: '(from proxy.inspect in the config)' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('#inspect-enabled').isChecked()).toBe(true);
    // The list was read (waitForRoute's request is in it) on a live channel reopened for shop only.
    await listRow(page, '/warm-up').waitFor({ timeout: UI_TIMEOUT });
    expect(requests.filter((u) => u.endsWith('/api/v1/events?endpoint=shop'))).toHaveLength(1);
    const lists = () => requests.filter((u) => u.includes('/api/v1/endpoints/shop/requests')).length;
    const listsBefore = lists();

    // Sent after the list was read: they can only arrive over the live channel.
    expect(await send('shop', '/items?page=1', { headers: { authorization: 'Bearer service-secret', cookie: 'sid=cookie-secret', 'x-evil': SCRIPT_HEADER } })).toBe(200);
    await listRow(page, '/items?page=1').waitFor({ timeout: UI_TIMEOUT });
    expect(await send('shop', '/submit', { method: 'POST', headers: { 'content-type': 'text/html' }, body: SCRIPT_BODY })).toBe(201);
    await listRow(page, '/submit').waitFor({ timeout: UI_TIMEOUT });
    expect(lists()).toBe(listsBefore);
    // Newest first.
    const targets = await page.locator('#requests tbody button[data-request]').allTextContents();
    expect(targets.indexOf('/submit')).toBeLessThan(targets.indexOf('/items?page=1'));
    expect(await listRow(page, '/submit').locator('td').nth(1).textContent()).toBe('POST');
    // A capture is announced when it starts too (status not yet known): its row fills in when it ends.
    await listRow(page, '/submit').locator('td').nth(3).filter({ hasText: /^201$/ }).waitFor({ timeout: UI_TIMEOUT });

    // Keyboard: focus the row's button and press Enter.
    await listRow(page, '/items?page=1').locator('button[data-request]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#detail-title', { hasText: 'GET /items?page=1' }).waitFor({ timeout: UI_TIMEOUT });
    const header = (name: string) => page.locator('#request-headers tbody tr', { has: page.locator('th', { hasText: new RegExp(`^${name}$`) }) }).locator('td');
    expect(await header('authorization').textContent()).toBe('[redacted]');
    expect(await header('authorization').getAttribute('class')).toBe('redacted');
    expect(await header('cookie').textContent()).toBe('[redacted]');
    expect(await header('x-evil').textContent()).toBe(SCRIPT_HEADER);
    expect(await page.locator('#response-body pre').textContent()).toBe(JSON.stringify({ count: 1, items: ['apple', 'pear'] }, null, 2));
    expect(await page.locator('#response-body-size').textContent()).toMatch(/^\d+ bytes \(all kept\)$/);
    expect(await page.content()).not.toContain('service-secret');

    await listRow(page, '/submit').locator('button[data-request]').click();
    await page.locator('#detail-title', { hasText: 'POST /submit' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('#request-body pre').textContent()).toBe(SCRIPT_BODY);
    await page.locator('#request-body button[data-mode="hex"]').click();
    expect(await page.locator('#request-body pre').textContent()).toMatch(/^00000000: 3c69 6d67 2073 7263 3d78 206f 6e65 7272 {2}<img src=x onerr\n/);
    // Shown, never run: no element was made from the captured markup, nothing set the flag, no CSP report.
    expect(await page.locator('#request-detail script, #request-detail img, #requests script, #requests img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    await screenshot(page, 'inspect-page-detail');

    // Rows arriving while the detail is read do not move it: the list's box keeps its height.
    const detailTop = async () => (await page.locator('#request-detail').boundingBox())?.y;
    const before = await detailTop();
    for (let i = 0; i < 12; i++) expect(await send('shop', `/items?burst=${i}`)).toBe(200);
    await listRow(page, '/items?burst=11').waitFor({ timeout: UI_TIMEOUT });
    expect(await detailTop()).toBe(before);
    // ArrowDown moves from one row's button to the next.
    await listRow(page, '/items?burst=11').locator('button[data-request]').focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('/items?burst=10');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a server-sent event stream is listed as a connection: open, then updated in place when it closes', async () => {
    const { page, errors } = await openPage();
    await showRequests(page, 'shop');
    const streaming = fetch(`${server.proxyUrl}/events`, { headers: { 'x-piko-endpoint': 'shop' } }).then((res) => res.text());
    const row = listRow(page, '/events');
    await row.waitFor({ timeout: UI_TIMEOUT });
    expect(await row.locator('.badge').first().textContent()).toBe('sse');
    await page.waitForFunction(() => document.querySelector('#requests tbody tr:has(button[title="/events"]) td:nth-child(6)')?.textContent === 'open', undefined, { timeout: UI_TIMEOUT });
    expect(await streaming).toBe('data: first\n\ndata: last\n\n');
    // The same capture again with its final numbers: the same row, its total now known.
    await page.waitForFunction(() => {
      const cells = document.querySelectorAll('#requests tbody tr:has(button[title="/events"]) td:nth-child(6)');
      return cells.length === 1 && cells[0].textContent !== 'open';
    }, undefined, { timeout: UI_TIMEOUT });
    expect(await row.count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a body longer than proxy.inspect.body_bytes says its size and where it was cut', async () => {
    const { page } = await openPage();
    await showRequests(page, 'shop');
    expect(await send('shop', '/upload', { method: 'POST', body: 'x'.repeat(5000) })).toBe(201);
    await listRow(page, '/upload').locator('button[data-request]').click({ timeout: UI_TIMEOUT });
    await page.locator('#detail-title', { hasText: 'POST /upload' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('#request-body-size').textContent()).toBe('5,000 bytes; cut: only the first 1,024 bytes were kept');
    expect((await page.locator('#request-body pre').textContent())?.length).toBe(1024);
    // Not captured in full: it cannot be replayed, and the page says why.
    expect(await page.locator('#replay').isDisabled()).toBe(true);
    expect(await page.locator('#replay-why').textContent()).toBe('cannot be replayed: the request body was not captured in full');
    await page.close();
  });

  it('a 502 Piko made (no upstream for the endpoint) shows in the list and the detail with its cause; an endpoint without upstreams can be typed in', async () => {
    const { page, errors } = await openPage();
    // Not in the endpoints table (nothing serves it): its ID is typed into the form.
    await page.locator('#requests-endpoint').fill('gone');
    await page.locator('#requests-form button[type="submit"]').click();
    await page.locator('#requests-empty', { hasText: 'No request captured yet' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await send('gone', '/down')).toBe(502);
    const row = listRow(page, '/down');
    await row.waitFor({ timeout: UI_TIMEOUT });
    await row.locator('td').nth(3).filter({ hasText: /^502piko$/ }).waitFor({ timeout: UI_TIMEOUT });
    await row.locator('button[data-request]').click();
    await page.locator('#detail-title', { hasText: 'GET /down' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('#request-detail dd.error-cause').textContent()).toMatch(/^502 made by Piko: .+/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Replay asks for the token, then reaches the service; the diff of the two responses appears; Edit and replay sends the edits', async () => {
    const shopService = shops[0];
    const { page, errors } = await openPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await showRequests(page, 'shop');
    expect(await send('shop', '/items?page=2')).toBe(200);
    await listRow(page, '/items?page=2').locator('button[data-request]').click({ timeout: UI_TIMEOUT });
    await page.locator('#detail-title', { hasText: 'GET /items?page=2' }).waitFor({ timeout: UI_TIMEOUT });
    const originalCount = JSON.parse((await page.locator('#response-body pre').textContent()) ?? '{}').count as number;

    // public_read: reading needs no token, replaying does.
    const receivedBefore = shopService.received.length;
    await page.locator('#replay').click();
    await page.locator('#notice[data-kind="error"]').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('#notice').textContent()).toMatch(/^replay \S+ failed: 401 .+ Enter the admin token above\.$/);
    expect(shopService.received.length).toBe(receivedBefore);

    await page.locator('#token').fill(token);
    await page.locator('#token-form button[type="submit"]').click();
    await page.locator('#replay').click();
    await page.locator('#replay-diff').waitFor({ timeout: UI_TIMEOUT });
    // The replay reached the service, as the original did.
    const replayed = shopService.received[shopService.received.length - 1];
    expect([replayed.method, replayed.url]).toEqual(['GET', '/items?page=2']);
    expect(await page.locator('#notice').textContent()).toMatch(/^Replayed \S+ as \S+: 200\.$/);
    expect(await page.locator('#diff-status').textContent()).toBe('Status: 200 → 200 (same)');
    // The service's counter moved: x-count changed, the body's count line removed and added.
    expect(await page.locator('#diff-headers tr[data-change="changed"] th').allTextContents()).toContain('x-count');
    expect(await page.locator('#diff-body del').textContent()).toBe(`-   "count": ${originalCount},\n`);
    expect(await page.locator('#diff-body ins').textContent()).toBe(`+   "count": ${originalCount + 1},\n`);
    expect(await page.locator('#diff-body-note').textContent()).toBe('Body: different (compared as JSON)');
    // The replay is a capture too, listed live and marked as a replay.
    await page.locator('#requests tbody tr', { has: page.locator('.badge.replay') }).first().waitFor({ timeout: UI_TIMEOUT });
    await screenshot(page, 'inspect-page-replay');

    // Edit and replay: another path and an added header reach the service.
    await page.locator('#replay-edit').click();
    await page.locator('#replay-path').fill('/items?edited=yes');
    await page.locator('#replay-headers').fill(`${await page.locator('#replay-headers').inputValue()}\nx-edited: by the page`);
    const noticeBefore = await page.locator('#notice').textContent();
    await page.locator('#replay-form button[type="submit"]').click();
    await waitFor('the edited replay at the service', async () => (shopService.received.some((r) => r.url === '/items?edited=yes') ? true : undefined), UI_TIMEOUT);
    await page.waitForFunction((before) => document.getElementById('notice')?.textContent !== before, noticeBefore, { timeout: UI_TIMEOUT });
    expect(await page.locator('#notice').textContent()).toMatch(/^Replayed \S+ as \S+: 200\.$/);
    await page.locator('#replay-diff').waitFor({ timeout: UI_TIMEOUT });
    const edited = shopService.received.find((r) => r.url === '/items?edited=yes');
    if (!edited) throw new Error('not received');
    expect(edited.headers['x-edited']).toBe('by the page');
    // The browser logs the refused replay's 401 as a failed resource: that one was meant.
    expect(errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
    await page.close();
  });

  it('filters by method, and the capture switch turns inspection on for an endpoint at run time', async () => {
    const quiet = await shop('quiet');
    const { page, errors } = await openPage();
    await page.locator('#token').fill(token);
    await page.locator('#token-form button[type="submit"]').click();

    // Filter: only POSTs; a GET that arrives live is left out.
    await showRequests(page, 'shop');
    await page.locator('#filter-method').fill('POST');
    await page.locator('#requests-form button[type="submit"]').click();
    await page.waitForFunction(() => [...document.querySelectorAll('#requests tbody td:nth-child(2)')].every((td) => td.textContent === 'POST') && document.querySelectorAll('#requests tbody tr').length > 0, undefined, { timeout: UI_TIMEOUT });
    expect(await send('shop', '/items?filtered=out')).toBe(200);
    expect(await send('shop', '/submit?filtered=in', { method: 'POST', body: 'x' })).toBe(201);
    await listRow(page, '/submit?filtered=in').waitFor({ timeout: UI_TIMEOUT });
    expect(await listRow(page, '/items?filtered=out').count()).toBe(0);
    await page.locator('#filter-method').fill('');

    // quiet is not in proxy.inspect.endpoints: off until switched on here.
    await showRequests(page, 'quiet');
    await page.locator('#requests-empty', { hasText: 'Capture is off for this endpoint: turn it on above to record its requests.' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('#inspect-enabled').isChecked()).toBe(false);
    await page.locator('#inspect-enabled').check();
    await page.locator('#notice', { hasText: 'Capture on for quiet on every proxy.' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('#inspect-source').textContent()).toBe('(set at run time)');
    expect(await send('quiet', '/now-captured')).toBe(201);
    await listRow(page, '/now-captured').waitFor({ timeout: UI_TIMEOUT });
    expect(quiet.received.map((r) => r.url)).toContain('/now-captured');
    expect(errors).toEqual([]);
    await page.close();
  });
});
