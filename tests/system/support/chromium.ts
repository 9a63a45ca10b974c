import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium package (tools/preflight.mjs stops the run, naming the install, when it is missing). */
export const CHROMIUM = '/usr/bin/chromium';

/** Where system tests write screenshots (gitignored). */
export const ARTIFACTS = join(__dirname, '../artifacts');

/**
 * Headless Chromium through playwright-core, never a downloaded browser build: loopback only, no
 * background traffic (updates, sync, QUIC probes), so a test sees only the requests its page makes.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (tools/preflight.mjs checks it)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Writes a full-page PNG to tests/system/artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
