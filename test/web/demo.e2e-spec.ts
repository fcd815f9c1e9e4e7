import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { runDemo, type Demo } from '../../apps/api/src/demo/demo';
import { axeViolations, launchBrowser, screenshot } from './support/browser';

jest.setTimeout(90_000);

/** `npx kedja demo`: a new user opens the printed URL and signs in with a ready-made token. */
describe('the demo in a browser', () => {
  let demo: Demo;
  let browser: Browser;
  let base: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-web-demo-'));

  beforeAll(async () => {
    [demo, browser] = await Promise.all([runDemo({ dataDir, persons: 300, seed: 1, port: 0, log: () => undefined }), launchBrowser()]);
    base = `http://127.0.0.1:${(demo.kedja.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.kedja.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('offers the printed tokens on the sign-in page; a municipality works its chain gaps and an analyst draws curves', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(base + '/');
    const offered = await page.locator('.demo-tokens button').allTextContents();
    expect(offered).toEqual(Object.keys(demo.tokens).map((label) => `Sign in as ${label}`));
    await expect(axeViolations(page)).resolves.toEqual([]);
    await screenshot(page, 'demo-sign-in');

    const municipality = Object.keys(demo.tokens).find((label) => label.startsWith('municipality:'))!;
    await page.getByRole('button', { name: `Sign in as ${municipality}` }).click();
    await page.getByRole('link', { name: 'Chain gaps' }).click();
    await page.locator('table tbody tr').first().waitFor();
    await page.getByRole('button', { name: /^Open the timeline of / }).first().click();
    await page.locator('li.event').first().waitFor();
    await screenshot(page, 'demo-chain-gap-timeline');
    await page.getByRole('button', { name: 'Sign out' }).click();

    await page.getByRole('button', { name: 'Sign in as analyst' }).click();
    await page.getByRole('link', { name: 'Time to event' }).click();
    await page.getByRole('checkbox', { name: 'gender' }).check();
    await page.getByRole('button', { name: 'Run analysis' }).click();
    await page.locator('#km-chart path.curve').first().waitFor({ state: 'attached' });
    expect(await page.locator('#km-chart path.curve').count()).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'demo-analytics');
    await context.close();
  });
});
