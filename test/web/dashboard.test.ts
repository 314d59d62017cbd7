/**
 * The dashboard in a real browser against the real API server: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), the dashboard built with Vite into web/dist and served by `startServer` at `/`, on a generated
 * sample (6 subscriptions, 1,500 resources) in a SQLite store. Signs in with a token, opens every page at 1280×800,
 * checks that the numbers on screen are the API's (fetched with the same token), creates an exemption from the
 * Recommendations page and sees the secure score change; an invalid token shows the sign-in error. A screenshot of
 * each page goes to test-artifacts/screenshots/.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { Api, closeAll, countOf, executablePath, numberOf, openPage, screenshot, serveSample, WEB, type RunningServer } from './helpers.js';

const MCSB_ASSIGNMENT = '/providers/Microsoft.Management/managementGroups/contoso-root/providers/Microsoft.Authorization/policyAssignments/mcsb-mg-root';
const V = {
  subscriptions: '2022-12-01',
  scores: '2020-01-01',
  pricings: '2024-01-01',
  assessments: '2021-06-01',
  compliance: '2019-01-01-preview',
  attackPaths: '2023-11-01-preview',
  resources: '2021-04-01',
  exemptions: '2022-07-01-preview',
};

let dir: string;
let server: RunningServer;
let api: Api;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let token: string;
let sub: string;
const pageErrors: string[] = [];

const get = <T = any>(path: string) => api.get<T>(path);
const all = <T = any>(path: string) => api.all<T>(path);
const sec = (s: string) => `/subscriptions/${s}/providers/Microsoft.Security`;
const num = (testId: string) => numberOf(page, testId);
const shot = (name: string, fullPage = true) => screenshot(page, name, fullPage);
const open = (route: string) => page.goto(`${server.url}/#/${route}`);

if (!executablePath) console.log('SKIP dashboard tests: no /usr/bin/chromium (apt-get install chromium, or set PALISADE_CHROMIUM)');
describe.skipIf(!executablePath)('dashboard in Chromium', () => {
  beforeAll(async () => {
    ({ dir, server } = await serveSample({
      prefix: 'palisade-web-',
      webRoot: join(WEB, 'dist'),
      prepare: async ({ store, sample }) => {
        expect((await runCli(['sample', '--out', sample, '--subscriptions', '6', '--resources', '1500', '-o', 'none'])).code).toBe(0);
        expect((await runCli(['estate', 'import', '--from', sample, '--store', store, '-o', 'none'])).code).toBe(0);
      },
    }));
    token = server.createToken({ role: 'SecurityAdmin', scope: '/' });
    api = new Api(server.url, token);
    // The subscription with the most attack paths that have a choke point, so every page has something to show.
    const subs = await all<{ subscriptionId: string }>(`/subscriptions?api-version=${V.subscriptions}`);
    let best = -1;
    for (const s of subs) {
      const paths = await all<any>(`${sec(s.subscriptionId)}/attackPaths?api-version=${V.attackPaths}`);
      const n = paths.filter((p) => p.properties.chokePoints?.length).length;
      if (n > best) [best, sub] = [n, s.subscriptionId];
    }
    ({ browser, context, page } = await openPage(pageErrors));
  }, 240_000);

  afterAll(() => closeAll({ context, browser, server, dir }));

  it('shows the sign-in error for an invalid token', async () => {
    await page.goto(`${server.url}/`);
    await page.getByLabel('Access token', { exact: true }).fill('not-a-palisade-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const err = page.getByTestId('signin-error');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/not accepted/i);
    expect(await countOf(page.getByRole('navigation', { name: 'Pages' }), 0)).toBe(0);
    await shot('signin-error');
  });

  it('signs in with a token and shows who is signed in', async () => {
    await page.getByLabel('Access token', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    expect(await page.getByTestId('whoami').textContent()).toContain('SecurityAdmin');
    // the subscription picker lists the API's subscriptions
    const subs = await all<{ subscriptionId: string }>(`/subscriptions?api-version=${V.subscriptions}`);
    // (the placeholder option shows until the current subscription is chosen: wait for the real ones)
    await page.waitForFunction((n) => document.querySelectorAll('#subscription option:not([value=""])').length === n, subs.length, { timeout: 15_000 });
    expect(await countOf(page.locator('#subscription option:not([value=""])'), subs.length)).toBe(subs.length);
  });

  it('Overview: secure score, plans and attack paths equal the API', async () => {
    await open(`overview?sub=${sub}`);
    const score = await get(`${sec(sub)}/secureScores/ascScore?api-version=${V.scores}`);
    expect(await num('score-current')).toBe(score.properties.score.current);
    expect(await num('score-max')).toBe(score.properties.score.max);
    expect(await num('score-percent')).toBeCloseTo(score.properties.score.percentage * 100, 1);
    const pricings = await all<any>(`${sec(sub)}/pricings?api-version=${V.pricings}`);
    expect(await num('plans-total')).toBe(pricings.length);
    expect(await num('plans-standard')).toBe(pricings.filter((p) => p.properties.pricingTier === 'Standard').length);
    const paths = await all<any>(`${sec(sub)}/attackPaths?api-version=${V.attackPaths}`);
    expect(await num('paths-total')).toBe(paths.length);
    for (const r of ['Critical', 'High', 'Medium', 'Low']) expect(await num(`paths-${r}`)).toBe(paths.filter((p) => p.properties.riskLevel === r).length);
    await page.getByTestId('priorities').waitFor({ timeout: 60_000 });
    const prio = await get(`/palisade/v1/priorities?subscriptionId=${sub}&top=10`);
    const items = Array.isArray(prio) ? prio : prio.value;
    expect(await countOf(page.getByTestId('priorities').locator('tbody tr'), items.length)).toBe(items.length);
    // points at risk of the top recommendations: the control's points per resource (max / assessed) × the resources
    // on which the recommendation is the control's only unhealthy one (the priorities with otherUnhealthyInControl 0)
    const top = page.getByTestId('top-recommendations');
    await top.waitFor({ timeout: 60_000 });
    const controls = await all<any>(`${sec(sub)}/secureScores/ascScore/secureScoreControls?api-version=${V.scores}&$expand=definition`);
    const allPrio = await get(`/palisade/v1/priorities?subscriptionId=${sub}`);
    const every: any[] = Array.isArray(allPrio) ? allPrio : allPrio.value;
    const rows = top.locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const row of await rows.all()) {
      const key = (await row.getAttribute('data-key'))!;
      const mine = every.filter((i) => i.assessmentKey === key && i.points > 0);
      const ctl = controls.find((c) => c.name.toLowerCase() === mine[0].controlId.toLowerCase()).properties;
      const expected = (ctl.score.max * mine.filter((i) => i.otherUnhealthyInControl === 0).length) / (ctl.healthyResourceCount + ctl.unhealthyResourceCount);
      expect(Number((await row.getByTestId('rec-points').textContent())!.replace(/[+,]/g, ''))).toBe(Math.round(expected * 100) / 100);
    }
    await shot('overview');
  });

  it('Recommendations: counts equal the API, filter and sort work, detail lists the resources', async () => {
    await open(`recommendations?sub=${sub}`);
    const assessments = await all<any>(`${sec(sub)}/assessments?api-version=${V.assessments}&$expand=metadata`);
    expect(assessments.length).toBeGreaterThan(100); // more than one page of 100: the dashboard follows nextLink
    const keys = new Set(assessments.map((a) => a.name));
    const unhealthy = new Set(assessments.filter((a) => a.properties.status.code === 'Unhealthy').map((a) => a.name));
    expect(await num('rec-total-count')).toBe(keys.size);
    expect(await num('rec-unhealthy-count')).toBe(unhealthy.size);
    const rows = page.getByTestId('recommendations-table').locator('tbody tr');
    expect(await countOf(rows, unhealthy.size)).toBe(unhealthy.size);
    await shot('recommendations');
    // filter by severity: as many rows as unhealthy recommendations of that severity
    const high = new Set(assessments.filter((a) => a.properties.status.code === 'Unhealthy' && a.properties.metadata?.severity === 'High').map((a) => a.name));
    await page.getByLabel('Severity', { exact: true }).selectOption('High');
    await expect.poll(() => rows.count()).toBe(high.size);
    await page.getByLabel('Severity', { exact: true }).selectOption('');
    // sort by name ascending
    await page.getByRole('button', { name: /^Recommendation/ }).click();
    await page.getByRole('button', { name: /^Recommendation/ }).click();
    // the table re-renders after the click: read the names once they are sorted (or fail after the poll's timeout)
    const sortedNames = async () => {
      const names = await page.getByTestId('recommendations-table').locator('tbody tr td:first-child a').allTextContents();
      return names.length > 1 && names.every((n, i) => i === 0 || names[i - 1].localeCompare(n, undefined, { numeric: true, sensitivity: 'base' }) <= 0);
    };
    await expect.poll(sortedNames).toBe(true);
    // detail of the first one: as many resource rows as assessments of that key
    await page.getByTestId('recommendations-table').locator('tbody tr td:first-child a').first().click();
    await page.getByTestId('rec-resources').waitFor();
    const key = new URLSearchParams(page.url().split('?')[1]).get('rec')!;
    expect(await countOf(page.getByTestId('rec-resources').locator('tbody tr'), assessments.filter((a) => a.name === key).length)).toBe(assessments.filter((a) => a.name === key).length);
    await shot('recommendation-detail');
  });

  it('Secure score controls: the controls and their points equal the API', async () => {
    await open(`controls?sub=${sub}`);
    const controls = await all<any>(`${sec(sub)}/secureScores/ascScore/secureScoreControls?api-version=${V.scores}&$expand=definition`);
    expect(await num('controls-count')).toBe(controls.length);
    const table = page.getByTestId('controls-table');
    expect(await countOf(table.locator('tbody tr'), controls.length)).toBe(controls.length);
    for (const c of controls) {
      const cell = table.locator(`tr[data-control="${c.name}"] [data-testid="control-current"]`);
      expect(Number((await cell.textContent())!.replace(/,/g, ''))).toBe(c.properties.score.current);
    }
    // expand the control with the most points at risk: its recommendations are listed
    const worst = [...controls].sort((a, b) => b.properties.score.max - b.properties.score.current - (a.properties.score.max - a.properties.score.current))[0];
    await table.locator(`tr[data-control="${worst.name}"] button`).click();
    expect(await countOf(table.locator('.rec-list li'), worst.properties.definition.properties.assessmentDefinitions.length)).toBe(worst.properties.definition.properties.assessmentDefinitions.length);
    await shot('controls');
  });

  it('Regulatory compliance: standard → control → resources, with the API counts', async () => {
    await open(`compliance?sub=${sub}`);
    const standards = await all<any>(`${sec(sub)}/regulatoryComplianceStandards?api-version=${V.compliance}`);
    const cards = page.getByTestId('standards');
    await cards.waitFor({ timeout: 60_000 });
    for (const s of standards) {
      const card = cards.locator(`[data-standard="${s.name}"]`);
      expect(Number(await card.getByTestId('std-passed').textContent())).toBe(s.properties.passedControls);
      expect(Number(await card.getByTestId('std-failed').textContent())).toBe(s.properties.failedControls);
      expect(Number(await card.getByTestId('std-skipped').textContent())).toBe(s.properties.skippedControls);
    }
    await shot('compliance');
    const std = standards[0].name;
    await cards.locator(`[data-standard="${std}"] h2 a`).click();
    const controls = await all<any>(`${sec(sub)}/regulatoryComplianceStandards/${std}/regulatoryComplianceControls?api-version=${V.compliance}`);
    const table = page.getByTestId('compliance-controls');
    await table.waitFor({ timeout: 60_000 });
    expect(await countOf(table.locator('tbody tr'), controls.length)).toBe(controls.length);
    await shot('compliance-controls');
    const failed = controls.find((c) => c.properties.state === 'Failed');
    expect(failed).toBeTruthy();
    await table.locator(`tr[data-control="${failed.name}"] a`).click();
    const assessments = await all<any>(`${sec(sub)}/regulatoryComplianceStandards/${std}/regulatoryComplianceControls/${failed.name}/regulatoryComplianceAssessments?api-version=${V.compliance}`);
    const ra = page.getByTestId('compliance-assessments');
    await ra.waitFor({ timeout: 60_000 });
    expect(await countOf(ra.locator('tbody tr'), assessments.length)).toBe(assessments.length);
    // open a failing one: its failed + passed resources are listed
    const failing = assessments.find((a) => a.properties.failedResources > 0);
    await ra.getByRole('button', { name: failing.properties.description }).click();
    const res = page.getByTestId('compliance-resources');
    await res.waitFor({ timeout: 60_000 });
    expect(await countOf(res.getByText('Failed', { exact: true }), failing.properties.failedResources)).toBe(failing.properties.failedResources);
    expect(await countOf(res.getByText('Passed', { exact: true }), failing.properties.passedResources)).toBe(failing.properties.passedResources);
    await shot('compliance-resources');
    // an API error is shown where the data would be, with the server's code and message
    await open(`compliance?sub=${sub}&std=No-Such-Standard`);
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 60_000 });
    const text = (await alert.textContent())!;
    expect(text).toMatch(/Could not load the standard's controls \(HTTP 4\d\d\)/);
    expect(text).toContain('No-Such-Standard');
    await shot('compliance-error');
  });

  it('Attack paths: the list equals the API; a path is drawn with its choke point marked', async () => {
    await open(`attack-paths?sub=${sub}`);
    const paths = await all<any>(`${sec(sub)}/attackPaths?api-version=${V.attackPaths}`);
    expect(await num('ap-count')).toBe(paths.length);
    expect(await countOf(page.getByTestId('attack-paths-table').locator('tbody tr'), paths.length)).toBe(paths.length);
    await shot('attack-paths');
    const withChoke = paths.find((p) => p.properties.chokePoints?.length);
    expect(withChoke, 'the sample has an attack path with a choke point').toBeTruthy();
    await page.getByRole('link', { name: withChoke.properties.displayName }).click();
    const graph = page.getByTestId('attack-path-graph');
    await graph.waitFor();
    await expect.poll(() => graph.getAttribute('data-choke-edges')).toBe(String(withChoke.properties.chokePoints.length));
    expect(await countOf(page.getByTestId('attack-path-steps').locator('li'), withChoke.properties.graphComponent.connections.length)).toBe(withChoke.properties.graphComponent.connections.length);
    expect(await page.getByTestId('choke-point').first().textContent()).toContain('choke point');
    await expect(graph.locator('canvas').count()).resolves.toBeGreaterThan(0);
    await shot('attack-path');
  });

  it('Inventory: the resource count equals the API', async () => {
    await open(`inventory?sub=${sub}`);
    const resources = await all<any>(`/subscriptions/${sub}/resources?api-version=${V.resources}`);
    expect(resources.length).toBeGreaterThan(100);
    expect(await num('inv-total')).toBe(resources.length);
    expect(await num('inv-types')).toBe(new Set(resources.map((r) => r.type)).size);
    const type = resources[0].type;
    await page.getByLabel('Type', { exact: true }).selectOption(type);
    expect(await num('inv-shown')).toBe(resources.filter((r) => r.type === type).length);
    await page.getByLabel('Type', { exact: true }).selectOption('');
    await shot('inventory');
  });

  it('creates an exemption from the Recommendations page and the secure score changes', async () => {
    const controls = await all<any>(`${sec(sub)}/secureScores/ascScore/secureScoreControls?api-version=${V.scores}&$expand=definition`);
    const healthyIn = new Map(controls.map((c) => [c.name.toLowerCase(), c.properties.healthyResourceCount as number]));
    const prio = await get(`/palisade/v1/priorities?subscriptionId=${sub}`);
    const items: any[] = Array.isArray(prio) ? prio : prio.value;
    // A fix that moves the score: the only unhealthy recommendation of its resource in a control that has healthy
    // resources (an exempt resource leaves the control's denominator).
    const target = items.find((i) => i.points > 0 && i.otherUnhealthyInControl === 0 && (healthyIn.get(i.controlId.toLowerCase()) ?? 0) > 0);
    expect(target, 'a prioritised item whose exemption changes the score').toBeTruthy();
    const before = (await get(`${sec(sub)}/secureScores/ascScore?api-version=${V.scores}`)).properties.score.current;

    await open(`recommendations?sub=${sub}&rec=${target.assessmentKey}`);
    await page.getByTestId('rec-resources').waitFor({ timeout: 60_000 });
    expect(await num('rec-score-current')).toBe(before);
    const row = page.locator(`tr[data-resource-id="${target.resourceId}"]`);
    await row.getByRole('button', { name: /^Exempt/ }).click();
    const dialog = page.getByTestId('exemption-dialog');
    await dialog.waitFor();
    const name = await dialog.getByLabel('Name', { exact: true }).inputValue();
    await dialog.getByLabel('Justification').fill('Accepted risk: browser test');
    await shot('exemption-dialog', false);
    await dialog.getByRole('button', { name: 'Create exemption' }).click();
    await page.getByTestId('exemption-done').waitFor({ timeout: 60_000 });
    await expect.poll(() => num('rec-score-current'), { timeout: 60_000 }).not.toBe(before);

    const after = (await get(`${sec(sub)}/secureScores/ascScore?api-version=${V.scores}`)).properties.score.current;
    expect(after).toBeGreaterThan(before);
    expect(await num('rec-score-current')).toBe(after);
    // the exemption is what the form said: the MCSB assignment, the recommendation's reference, at the resource
    const ex = await get(`${target.resourceId}/providers/Microsoft.Authorization/policyExemptions/${name}?api-version=${V.exemptions}`);
    expect(ex.properties.policyAssignmentId.toLowerCase()).toBe(MCSB_ASSIGNMENT.toLowerCase());
    expect(ex.properties.exemptionCategory).toBe('Waiver');
    expect(ex.properties.policyDefinitionReferenceIds).toHaveLength(1);
    // the resource's assessment is now not applicable, and the Overview shows the new score
    await expect.poll(() => row.locator('.status').textContent(), { timeout: 30_000 }).toBe('Not applicable');
    await shot('recommendation-exempted');
    await open(`overview?sub=${sub}`);
    await expect.poll(() => num('score-current'), { timeout: 60_000 }).toBe(after);
   }, 180_000);

  it('a Reader cannot exempt: the button is disabled and says why', async () => {
    const reader = server.createToken({ role: 'Reader', scope: `/subscriptions/${sub}` });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await ctx.newPage();
      await p.goto(`${server.url}/`);
      await p.getByLabel('Access token', { exact: true }).fill(reader);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('navigation', { name: 'Pages' }).waitFor();
      const assessments = await all<any>(`${sec(sub)}/assessments?api-version=${V.assessments}`);
      const key = assessments.find((a) => a.properties.status.code === 'Unhealthy').name;
      await p.goto(`${server.url}/#/recommendations?sub=${sub}&rec=${key}`);
      await p.getByTestId('rec-resources').waitFor({ timeout: 60_000 });
      await expect(p.getByRole('button', { name: /^Exempt/ }).first().isDisabled()).resolves.toBe(true);
      expect(await countOf(p.getByText(/Your role \(Reader\) cannot create exemptions/), 1)).toBe(1);
    } finally {
      await ctx.close();
    }
   }, 180_000);

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
