import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { source as axeSource } from 'axe-core';
import type { TestApp } from '../../support/test-app';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const ARTIFACTS = path.resolve(__dirname, '../../../test-results/web');

/** The browser tests drive the front that `npm run build` made; without it they stop, saying so. */
export function requireBuiltFront(): void {
  const index = path.resolve(__dirname, '../../../dist/web/index.html');
  if (!fs.existsSync(index)) throw new Error('dist/web is missing: run `npm run build` (npm test does) before the web tests');
}

/** Debian's chromium, never a downloaded browser (.ci/run installs it with apt-get). */
export async function launchBrowser(): Promise<Browser> {
  requireBuiltFront();
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** The test api listening on loopback, so that a real browser can load the front from it. */
export async function listen(app: TestApp): Promise<string> {
  await app.kedja.app.listen(0, '127.0.0.1');
  const address = app.kedja.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

/** WCAG 2.1 A and AA rules of axe-core on the page as it stands; answers the violations' ids and targets. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  const result = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`)) as {
    violations: { id: string; nodes: { target: unknown }[] }[];
  };
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Every console error and CSP report of a page, to assert the front runs under its own CSP. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

/**
 * Polls until `ok` holds for what `read` answers (a page re-renders after an action resolves).
 * Not page.waitForFunction with a string: polling that evaluates it in the page, where the CSP forbids eval.
 */
export async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last seen ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}
