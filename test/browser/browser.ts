/**
 * Shared by the browser tests: headless Debian chromium through playwright-core (no browser
 * download), a real Aloft node on a free port with a temporary data directory, and the folder the
 * screenshots go to (.tap/browser-artifacts/, ignored by git; CI can keep it as an artifact).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startService, type Service } from '../../src/service/service.ts';

export const CHROMIUM = process.env.ALOFT_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../.tap/browser-artifacts');
export const CORPUS = path.resolve(import.meta.dirname, '../fixtures/ssim');

/** Why the browser tests cannot run here, or undefined when they can. */
export function skipReason(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does; or set ALOFT_CHROMIUM)`;
}

export async function launch(t: Test): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  t.teardown(() => browser.close());
  return browser;
}

/** A page that fails the test on any uncaught error in the browser. */
export async function openPage(t: Test, browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (error) => t.fail(`uncaught error in the page: ${error.message}`));
  await page.goto(url);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export interface Node {
  service: Service;
  readonly url: string;
  readonly dir: string;
}

export async function startNode(t: Test, prefix: string): Promise<Node> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `aloft-${prefix}-`));
  const service = await startService(
    { host: '127.0.0.1', port: 0, data: dir, workers: 1, demoSeason: false, durability: 'commit' },
    () => undefined,
  );
  const node = { service, url: `http://127.0.0.1:${service.port}`, dir };
  t.teardown(async () => {
    await node.service.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return node;
}

/** A JSON request from "another client" (not the page). */
export async function call(url: string, method: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
