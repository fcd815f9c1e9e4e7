import * as fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/test-app';
import { axeViolations, launchBrowser, listen, screenshot, until, watchProblems } from './support/browser';
import { importWebPopulation, type WebPopulation } from './support/population';

jest.setTimeout(60_000);

/**
 * The front in headless Chromium against the real api on a SQLite file, with people posted
 * through the api: each caller signs in with its own token and sees only what the api gives it.
 */
describe('the web front in a browser', () => {
  let app: TestApp;
  let base: string;
  let browser: Browser;
  let people: WebPopulation;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('sqlite'), launchBrowser()]);
    base = await listen(app);
    people = await importWebPopulation(app);
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await browser?.close();
    await app?.close();
  });

  /** A fresh tab signed in by pasting the token, as in embedded mode; records every URL it asks for. */
  async function signIn(actor: string, role: 'caseworker' | 'analyst' | 'admin', sub: string) {
    const context = await browser.newContext({ locale: 'en-GB', acceptDownloads: true });
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    const page = await context.newPage();
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    const problems = watchProblems(page);
    const token = await app.token(actor, role, sub);
    await page.goto(base + '/');
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText(`Signed in as ${sub}`).waitFor();
    return { page, urls, problems, token };
  }

  async function expectAccessible(page: Page) {
    expect(await axeViolations(page)).toEqual([]);
  }

  const cspProblems = (problems: string[]) => problems.filter((p) => /Content Security Policy|Refused to/i.test(p));

  async function lookUp(page: Page, subject: string) {
    await page.getByLabel('Dossier number, personnummer or person id').fill(subject);
    await page.getByRole('button', { name: 'Find', exact: true }).click();
  }

  const eventTypes = (page: Page) => page.locator('li.event').evaluateAll((items) => items.map((i) => i.getAttribute('data-type')));

  it('signs in with a pasted token, kept in sessionStorage only, and is accessible in both languages', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(base + '/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible(page);
    // The first Tab reaches the skip link, which moves focus to the page's content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    await screenshot(page, 'sign-in');
    await page.getByLabel('Access token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'That is not a valid token.' }).waitFor();

    await page.getByRole('button', { name: 'Svenska' }).click();
    await page.getByRole('heading', { name: 'Logga in' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('sv');
    await expectAccessible(page);
    const token = await app.token('municipality:2281', 'caseworker', 'anna');
    await page.getByLabel('Åtkomsttoken').fill(token);
    await page.getByRole('button', { name: 'Logga in', exact: true }).click();
    await page.getByRole('link', { name: 'Sök person' }).waitFor();

    const storage = (await page.evaluate('({ local: localStorage.length, session: Object.values(sessionStorage) })')) as { local: number; session: string[] };
    expect(storage.local).toBe(0);
    expect(storage.session).toContain(token);
    expect(page.url()).toBe(`${base}/`);
    // A reload in the same tab keeps the session; signing out forgets the token.
    await page.reload();
    await page.getByRole('link', { name: 'Sök person' }).waitFor();
    await page.getByRole('button', { name: 'Logga ut' }).click();
    await page.getByRole('heading', { name: 'Logga in' }).waitFor();
    expect(await page.evaluate('Object.values(sessionStorage)')).not.toContain(token);
    expect(cspProblems(problems)).toEqual([]);
  });

  it('a municipality caseworker finds its person, reads the timeline as of a date, and cannot find another municipality’s', async () => {
    const { page, urls, problems } = await signIn('municipality:2281', 'caseworker', 'anna');
    expect(await page.evaluate('localStorage.length')).toBe(0);
    await page.getByRole('link', { name: 'Find a person' }).click();
    await lookUp(page, people.anna.pnr!);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await page.locator('li.event').first().waitFor();
    const types = await eventTypes(page);
    expect(types).toEqual(expect.arrayContaining(['MigrationCaseOpened', 'ResidencePermitGranted', 'SettledInMunicipality', 'SfiEnrolled', 'EstablishmentProgrammeStarted']));
    // Health facts are the region's alone.
    expect(types).not.toContain('HealthExaminationOffered');
    expect(await page.locator('dd[data-field="phase"]').textContent()).toBe('establishment');
    expect(await page.locator('dd[data-field="municipalityCode"]').textContent()).toBe('2281');
    // By keyboard: an event's details open with Enter on its summary.
    const permit = page.locator('li.event[data-type="ResidencePermitGranted"]');
    await permit.locator('summary').focus();
    await page.keyboard.press('Enter');
    expect(await permit.locator('details').getAttribute('open')).not.toBeNull();
    await expect(permit.locator('dl').textContent()).resolves.toContain('permitType');
    // A municipality sees the permit but not its ground, nor the citizenship.
    expect(await permit.locator('dl').textContent()).not.toContain('ground');
    expect(await page.locator('li.event[data-type="MigrationCaseOpened"] dl').textContent()).not.toContain('citizenship');
    await expectAccessible(page);
    await screenshot(page, 'timeline-municipality');

    await page.getByLabel('As of').fill('2023-07-20');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    const known = await until(() => eventTypes(page), (types) => types.length > 0 && !types.includes('SfiEnrolled'), 'the timeline as of 2023-07-20');
    expect(known).toEqual(['MigrationCaseOpened', 'ResidencePermitGranted', 'MunicipalityAssigned', 'PopulationRegistered', 'SettledInMunicipality']);
    expect(urls.some((u) => u.includes('asOf=2023-07-20T23%3A59%3A59Z'))).toBe(true);

    await lookUp(page, `dossier:${people.timra.dossier}`);
    await page.getByRole('alert').filter({ hasText: 'Not found, or not in your agency’s scope.' }).waitFor();
    await screenshot(page, 'not-found');

    // Identifiers went in request bodies only: no URL the browser asked for carries one.
    for (const secret of [people.anna.pnr!, people.anna.dossier, people.timra.dossier, people.anna.dossier.replace('-', '')]) {
      expect(urls.filter((u) => u.includes(secret))).toEqual([]);
    }
    expect(cspProblems(problems)).toEqual([]);
  });

  it('a municipality caseworker pages, filters and sorts the chain gaps and opens a person from them; the other views list only its own', async () => {
    const { page, problems } = await signIn('municipality:2281', 'caseworker', 'anna');
    await page.getByRole('link', { name: 'Chain gaps' }).click();
    expect(await page.title()).toBe('Chain gaps – Kedja');
    await page.getByLabel('Gap', { exact: true }).selectOption('permit-to-settlement');
    await page.getByLabel('Rows per page').selectOption('25');
    await page.getByRole('button', { name: 'Apply' }).click();
    const rows = page.locator('table tbody tr');
    const caption = () => page.locator('table caption').textContent().catch(() => null);
    const firstPage = await until(() => rows.allTextContents(), (r) => r.length === 25 && r.every((row) => row.includes('permit-to-settlement')), 'a first page of 25 permit gaps');
    expect(await caption()).toBe('Chain gaps – Page 1');
    await page.getByRole('button', { name: 'Next page' }).click();
    await until(caption, (c) => c === 'Chain gaps – Page 2', 'page 2');
    const secondPage = await until(() => rows.allTextContents(), (r) => r.length === 5, 'a second page of the last 5');
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    const listed = [...firstPage, ...secondPage].join('\n');
    for (const person of people.cohort) expect(listed).toContain(person.personId);
    expect(listed).not.toContain(people.timra.personId);

    await page.getByRole('button', { name: 'Previous page' }).click();
    await until(() => rows.count(), (n) => n === 25, 'page 1 again');
    // Sorting by keyboard: the column heading is a button.
    await page.getByRole('button', { name: 'Days open' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('th[aria-sort="ascending"]').waitFor();
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain('Days open');
    const days = (await page.locator('table tbody tr td:nth-child(4)').allTextContents()).map((d) => Number(d.replace(/\D/g, '')));
    expect(days).toEqual([...days].sort((a, b) => a - b));
    await page.getByRole('button', { name: 'Days open' }).click();
    expect(await page.locator('th[aria-sort="descending"]').count()).toBe(1);
    await expectAccessible(page);
    await screenshot(page, 'chain-gaps');

    const first = people.cohort.find((p) => firstPage.some((r) => r.includes(p.personId)))!;
    await page.getByRole('button', { name: `Open the timeline of ${first.personId}` }).click();
    await page.locator('li.event[data-type="ResidencePermitGranted"]').waitFor();
    expect(page.url()).toBe(`${base}/person`);

    await page.getByRole('link', { name: 'Settlement queue' }).click();
    const queue = (await until(() => rows.allTextContents(), (r) => r.some((row) => row.includes(people.cohort[0].personId)), 'the settlement queue')).join('\n');
    expect(queue).toContain(people.cohort[0].personId);
    expect(queue).not.toContain(people.timra.personId);
    await screenshot(page, 'settlement-queue');

    await page.getByRole('link', { name: 'Residents' }).click();
    expect(await page.getByLabel('Municipality code (kommunkod)').inputValue()).toBe('2281');
    // 31 residents and assignments, ordered by person id: all on one page of 100.
    await page.getByLabel('Rows per page').selectOption('100');
    await until(() => rows.count(), (n) => n === 31, 'the 31 people Sundsvall holds');
    expect((await rows.allTextContents()).join('\n')).toContain(people.anna.personId);
    await expectAccessible(page);
    await screenshot(page, 'residents');

    await page.getByRole('link', { name: 'County overview' }).click();
    await until(caption, (c) => c === 'County overview – Page 1', 'the county overview');
    // A municipality reads its own row of the county overview only.
    const overview = await until(() => rows.allTextContents(), (r) => r.length > 0, 'overview rows');
    expect(overview).toHaveLength(1);
    expect(overview[0]).toContain('2281');
    expect(cspProblems(problems)).toEqual([]);
  });

  it('another municipality lists only its own person, and an empty filter says so', async () => {
    const { page } = await signIn('municipality:2262', 'caseworker', 'timra-handlaggare');
    await page.getByRole('link', { name: 'Chain gaps' }).click();
    const rows = page.locator('table tbody tr');
    const listed = (await until(() => rows.allTextContents(), (r) => r.length > 0, 'Timrå’s gaps')).join('\n');
    expect(listed).toContain(people.timra.personId);
    for (const person of [people.anna, ...people.cohort]) expect(listed).not.toContain(person.personId);
    // Never settled, so no SFI gap yet.
    await page.getByLabel('Gap', { exact: true }).selectOption('settlement-to-sfi');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('status').filter({ hasText: 'Nothing to show.' }).waitFor();
    await screenshot(page, 'chain-gaps-empty');
  });

  it('Arbetsförmedlingen sees the programme and the permit ground, never health facts or citizenship', async () => {
    const { page } = await signIn('arbetsformedlingen', 'caseworker', 'af-handlaggare');
    expect(await page.getByRole('link', { name: 'Residents' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Find a person' }).click();
    await lookUp(page, `dossier:${people.anna.dossier}`);
    await page.locator('li.event').first().waitFor();
    const types = await eventTypes(page);
    expect(types).toEqual(expect.arrayContaining(['EstablishmentProgrammeStarted', 'SfiEnrolled', 'EstablishmentAllowanceGranted']));
    expect(types).not.toContain('HealthExaminationOffered');
    const permit = page.locator('li.event[data-type="ResidencePermitGranted"]');
    await permit.locator('summary').click();
    expect(await permit.locator('dl').textContent()).toContain('ground');
    expect(await page.locator('li.event[data-type="MigrationCaseOpened"] dl').textContent()).not.toContain('citizenship');
    await screenshot(page, 'timeline-arbetsformedlingen');

    await page.getByRole('link', { name: 'Establishment' }).click();
    await until(() => page.locator('table tbody tr').allTextContents(), (r) => r.some((row) => row.includes(people.anna.personId)), 'anna in the establishment view');
    await expectAccessible(page);
    await screenshot(page, 'establishment');
  });

  it('a county board reads its county overview and no person-level timeline', async () => {
    const { page } = await signIn('county:22', 'caseworker', 'lansstyrelsen');
    const menu = await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link').allTextContents();
    expect(menu).toEqual(['County overview']);
    await page.getByRole('link', { name: 'County overview' }).click();
    expect(await page.getByLabel('County code (länskod)').inputValue()).toBe('22');
    const overview = (await until(() => page.locator('table tbody tr').allTextContents(), (r) => r.length > 1, 'the county’s municipalities')).join('\n');
    expect(overview).toContain('Sundsvall');
    expect(overview).toContain('Timrå');
    await expectAccessible(page);
    await screenshot(page, 'county-overview');

    // Even by typing the address, the api refuses it a timeline.
    await page.goto(base + '/person');
    await lookUp(page, `dossier:${people.anna.dossier}`);
    await page.getByRole('alert').filter({ hasText: 'Your agency may not read this.' }).waitFor();
    await page.getByLabel('County code (länskod)').count();
    await screenshot(page, 'county-no-timeline');
  });

  it('an analyst draws the 2016 cohort’s time to work by gender, compares two as-of dates and downloads CSV, SVG and PNG', async () => {
    const { page, problems } = await signIn('analyst', 'analyst', 'analytiker');
    const menu = await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link').allTextContents();
    expect(menu).toEqual(['Time to event']);
    await page.getByRole('link', { name: 'Time to event' }).click();
    await page.getByLabel('From (starts the clock)').selectOption('ResidencePermitGranted');
    await page.getByLabel('To (stops the clock; one or more)').selectOption(['EmploymentStarted']);
    await page.getByLabel('Year of the start event').fill('2016');
    await page.getByRole('checkbox', { name: 'gender' }).check();
    await page.getByRole('button', { name: 'Run analysis' }).click();
    await page.locator('#km-chart path.curve').first().waitFor({ state: 'attached' });
    expect(await page.locator('#km-chart path.curve').count()).toBe(2);
    // Each curve steps up at least twice (disclosure control still releases steps for groups of fifteen).
    const steps = await page.locator('#km-chart path.curve').evaluateAll((paths) => paths.map((p) => (p.getAttribute('d') ?? '').split('V').length - 1));
    expect(steps.every((n) => n >= 2)).toBe(true);
    const medians = await page.locator('table.medians tbody tr').allTextContents();
    expect(medians).toHaveLength(2);
    expect(medians.join('\n')).toMatch(/gender=female/);
    expect(medians.join('\n')).toMatch(/gender=male/);
    expect(await page.locator('table.medians thead').textContent()).toContain('Share by day 365');
    // Number at risk at day 0 is the group's size: fifteen women and fifteen men.
    expect(await page.locator('table.at-risk tbody tr td:nth-child(2)').allTextContents()).toEqual(['15', '15']);
    await expectAccessible(page);
    await screenshot(page, 'analytics');

    const save = async (button: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
      return { name: download.suggestedFilename(), body: fs.readFileSync((await download.path())!) };
    };
    const csv = await save('Download CSV (summary)');
    expect(csv.name).toBe('time-to-event.csv');
    const lines = csv.body.toString('utf8').trim().split(/\r\n/);
    expect(lines[0]).toBe('asOf,group,n,events,censored,median,medianLower,medianUpper,share90,share365,share730');
    expect(lines).toHaveLength(3);
    const curves = await save('Download CSV (curves)');
    expect(curves.body.toString('utf8').split(/\r\n/)[0]).toBe('asOf,group,day,atRisk,events,censored,survival,lower,upper');
    const svg = await save('Download chart (SVG)');
    expect(svg.body.toString('utf8')).toMatch(/^<\?xml[^>]*>\n<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.body.toString('utf8')).toContain('class="curve"');
    const png = await save('Download chart (PNG)');
    expect(png.body.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.body.length).toBeGreaterThan(2000);

    // Compared with what was known at the end of 2017: the same groups again, dashed.
    await page.getByLabel('Compare with as of (optional)').fill('2017-12-31');
    await page.getByRole('button', { name: 'Run analysis' }).click();
    await until(() => page.locator('#km-chart path.curve').count(), (n) => n === 4, 'four curves');
    expect(await page.locator('#km-chart path.curve[stroke-dasharray]').count()).toBe(2);
    expect(await page.locator('table.medians tbody tr').count()).toBe(4);
    await screenshot(page, 'analytics-compared');

    await page.goto(base + '/person');
    await lookUp(page, `dossier:${people.anna.dossier}`);
    await page.getByRole('alert').filter({ hasText: 'Your agency may not read this.' }).waitFor();
    expect(cspProblems(problems)).toEqual([]);
  });

  it('a platform admin reads who read a person’s record', async () => {
    const { page } = await signIn('platform', 'admin', 'dataskydd');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Subject (dossier number, personnummer or person id)').fill(`person:${people.anna.personId}`);
    await page.getByRole('button', { name: 'Show audit log' }).click();
    await page.locator('table tbody tr').first().waitFor();
    const rows = (await page.locator('table tbody tr').allTextContents()).join('\n');
    // The municipality's and Arbetsförmedlingen's reads in the tests above.
    expect(rows).toContain('municipality:2281');
    expect(rows).toContain('arbetsformedlingen');
    await expectAccessible(page);
    await screenshot(page, 'audit-log');
  });

  // Disclosure control of aggregates is built on another branch; here the page is shown answers of
  // the shape it releases (a value withheld is null, its group or row naming it in suppressedFields,
  // a horizon marked suppressed) to check that it reads "suppressed" and never 0.
  it('shows withheld aggregate cells as "suppressed", not 0', async () => {
    const { page } = await signIn('analyst', 'analyst', 'analytiker');
    await page.route('**/v1/analytics/time-to-event', (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({
          asOf: '2026-12-01T00:00:00Z',
          groups: [
            {
              key: { gender: 'female' }, n: 40, events: 12, censored: null, median: null, medianCi: { lower: null, upper: null },
              curve: [{ day: 100, atRisk: 40, events: 6, censored: 0, survival: 0.85, lower: 0.7, upper: 0.93 }, { day: 300, atRisk: 34, events: 6, censored: 0, survival: 0.7, lower: 0.55, upper: 0.81 }],
              horizons: [{ day: 90, share: 0 }, { day: 365, share: null, suppressed: true }],
              suppressed: true, suppressedFields: ['censored', 'median', 'medianCi', 'horizons'],
            },
          ],
        }),
      }),
    );
    await page.getByRole('link', { name: 'Time to event' }).click();
    await page.getByRole('button', { name: 'Run analysis' }).click();
    const row = page.locator('table.medians tbody tr').first();
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells).toEqual(['40', '12', 'suppressed', 'suppressed', 'suppressed – suppressed', '0.0 %', 'suppressed']);
    await page.unroute('**/v1/analytics/time-to-event');
  });
});
