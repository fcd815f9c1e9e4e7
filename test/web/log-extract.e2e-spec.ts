import * as fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { openApiDocument } from '../../apps/api/src/openapi/openapi';
import { startTestApp, type TestApp } from '../support/test-app';
import { axeViolations, launchBrowser, listen, screenshot } from './support/browser';
import { importWebPopulation, type WebPopulation } from './support/population';

jest.setTimeout(60_000);

// GET /v1/audit/extract (CONTRACT.md Amendments v1.1) is built on another branch; the page is
// built to the contract, and this test runs wherever the api documents the endpoint.
const hasExtract = Object.keys(openApiDocument().paths ?? {}).includes('/v1/audit/extract');
const describeExtract = hasExtract ? describe : describe.skip;

describeExtract('the log extract page (GET /v1/audit/extract)', () => {
  let app: TestApp;
  let browser: Browser;
  let base: string;
  let people: WebPopulation;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('sqlite'), launchBrowser()]);
    base = await listen(app);
    people = await importWebPopulation(app);
    const caseworker = await app.token('municipality:2281', 'caseworker', 'anna');
    const read = await app.http().get(`/v1/persons/person:${people.anna.personId}/timeline`).set('Authorization', `Bearer ${caseworker}`).set('X-Purpose', 'utredning');
    expect(read.status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows a platform admin each read of the person’s record, and downloads it as CSV', async () => {
    const context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await page.goto(base + '/');
    await page.getByLabel('Access token').fill(await app.token('platform', 'admin', 'dataskydd'));
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Subject (dossier number, personnummer or person id)').fill(`person:${people.anna.personId}`);
    await page.getByRole('button', { name: 'Show log extract' }).click();
    const section = page.locator('section[aria-labelledby="extract-title"]');
    await section.locator('tbody tr').first().waitFor();
    const rows = (await section.locator('tbody tr').allTextContents()).join('\n');
    expect(rows).toContain('municipality:2281');
    expect(rows).toContain('timeline');
    expect(rows).toContain('utredning');
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'log-extract');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download log extract (CSV)' }).click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8').split(/\r\n/);
    expect(csv[0]).toBe('at,actor,user,kind,purpose,outcome');
    expect(csv.some((line) => line.includes('municipality:2281,anna,timeline,utredning'))).toBe(true);

    // A period after today holds no reads yet.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('From', { exact: true }).fill(tomorrow);
    await page.getByRole('button', { name: 'Show log extract' }).click();
    await section.getByText('Nothing to show.').waitFor();
    await context.close();
  });
});
