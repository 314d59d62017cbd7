/**
 * The program and alert pages (issues #7 and #8) in a real browser against the real API server, like
 * dashboard.test.ts: a generated sample with telemetry (6 subscriptions, 1,500 resources) imported into a SQLite store
 * and scanned twice (two points of secure score history), the sample's attack telemetry POSTed to the server (alerts),
 * two governance rules PUT and run over the API (one Manually owned on High, one by the `owner` tag on Medium) and an
 * overdue manual assignment. Signs in with an Owner token for the tenant root, opens Security alerts, Governance and
 * Program at 1280×800, checks the numbers on screen against the API, filters the alerts, changes an alert's status
 * from the page and reads it back from the API, creates a governance rule from the page, copies a fix command, and
 * checks that a Reader sees the status buttons disabled with the reason. Screenshots go to test-artifacts/screenshots/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';
import { Api, closeAll, countOf, executablePath, numberOf, openPage, screenshot, serveSample, signIn, type RunningServer } from './helpers.js';

const NOW = '2026-09-01T00:00:00Z';
const DAY = 86_400_000;
const ALERTS = '2022-01-01';
const GOV = '2022-01-01-preview';
const SEVERITIES = ['High', 'Medium', 'Low', 'Informational'];
const ALERT_STATUSES = ['Active', 'InProgress', 'Resolved', 'Dismissed'];
const GOV_STATUSES = ['OnTime', 'Overdue', 'Completed', 'Unassigned'];
const MANUAL_OWNER = 'secops@contoso.com';
const LATE_OWNER = 'late.owner@contoso.com';

interface Attack {
  alertType: string;
  expectAlert: boolean;
  subscriptionId: string;
  resourceId: string;
  files: string[];
}

let dir: string;
let server: RunningServer;
let api: Api;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let sub: string;
const pageErrors: string[] = [];

const alertsPath = () => `/subscriptions/${sub}/providers/Microsoft.Security/alerts?api-version=${ALERTS}`;
const governance = (query = '') => api.get(`/palisade/v1/governance/assignments?subscriptionId=${sub}${query}`);
const num = (testId: string) => numberOf(page, testId);
const open = (route: string) => page.goto(`${server.url}/#/${route}`);

function rule(displayName: string, priority: number, owner: { type: 'Manually' | 'ByTag'; value: string }, severities: string[], days = 30, grace = true) {
  return {
    properties: {
      displayName,
      rulePriority: priority,
      ruleType: 'Integrated',
      sourceResourceType: 'Assessments',
      remediationTimeframe: `${days}.00:00:00`,
      isGracePeriod: grace,
      ownerSource: owner,
      conditionSets: [{ conditions: [{ property: '$.Severity', value: JSON.stringify(severities), operator: 'In' }] }],
    },
  };
}

/** PUT a governance rule at the subscription and run it (202). */
async function putRule(name: string, body: unknown): Promise<void> {
  const base = `/subscriptions/${sub}/providers/Microsoft.Security/governanceRules/${name}`;
  const put = await api.call(`${base}?api-version=${GOV}`, { method: 'PUT', body: JSON.stringify(body) });
  expect(put.status, JSON.stringify(put.body)).toBe(201);
  const run = await api.call(`${base}/execute?api-version=${GOV}`, { method: 'POST', body: '{}' });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
}

if (!executablePath) console.log('SKIP program page tests: no /usr/bin/chromium (apt-get install chromium, or set PALISADE_CHROMIUM)');
describe.skipIf(!executablePath)('alert, governance and program pages in Chromium', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    let sample: string;
    ({ dir, server, sample } = await serveSample({
      prefix: 'palisade-web-program-',
      env: { PALISADE_NOW: NOW },
      prepare: async ({ store, sample }) => {
        expect((await runCli(['sample', '--out', sample, '--subscriptions', '6', '--resources', '1500', '--telemetry', '-o', 'none'])).code).toBe(0);
        expect((await runCli(['estate', 'import', '--from', sample, '--store', store, '-o', 'none'])).code).toBe(0);
        // two saved scans a week apart: the score history has two points and the "secure score" check passes
        for (const at of [new Date(Date.parse(NOW) - 7 * DAY).toISOString(), NOW]) {
          const scan = await runCli(['scan', '--store', store, '-o', 'none'], { PALISADE_NOW: at });
          expect(scan.code, scan.stderr).toBe(0);
        }
      },
    }));
    api = new Api(server.url, server.createToken({ role: 'Owner', scope: '/' }));

    // The sample's attacks, posted as the telemetry they are (see test/api/protection.test.ts).
    const attacks: Attack[] = JSON.parse(readFileSync(join(sample, 'telemetry', 'labels.json'), 'utf8')).attacks;
    const index: Record<string, string> = JSON.parse(readFileSync(join(sample, 'telemetry', 'index.json'), 'utf8')).resources;
    for (const a of attacks) {
      const file = a.files[0];
      const stem = file.split('/').pop()!.replace(/\.(jsonl|json|log)$/, '');
      const url = `/palisade/v1/telemetry?format=${file.split('/')[0]}&resourceId=${encodeURIComponent(index[stem] ?? a.resourceId)}`;
      const r = await api.call(url, { method: 'POST', body: readFileSync(join(sample, 'telemetry', file), 'utf8'), headers: { 'content-type': 'text/plain' } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    // The subscription with the most alerts.
    const subs = await api.all<{ subscriptionId: string }>('/subscriptions?api-version=2022-12-01');
    let best = -1;
    for (const s of subs) {
      const n = (await api.all(`/subscriptions/${s.subscriptionId}/providers/Microsoft.Security/alerts?api-version=${ALERTS}`)).length;
      if (n > best) [best, sub] = [n, s.subscriptionId];
    }
    expect(best).toBeGreaterThan(3);

    // Governance: High → one person, Medium → the resource's owner tag; and one manual assignment already overdue.
    await putRule('high-to-secops', rule('High severity: SecOps, 30 days', 100, { type: 'Manually', value: MANUAL_OWNER }, ['High']));
    await putRule('medium-by-owner-tag', rule('Medium severity: the owner tag, 14 days', 200, { type: 'ByTag', value: 'owner' }, ['Medium'], 14, false));
    const mine = (await governance(`&owner=${encodeURIComponent(MANUAL_OWNER)}`)).value;
    expect(mine.length).toBeGreaterThan(1);
    const late = await api.call(`${mine[0].resourceId}/providers/Microsoft.Security/assessments/${mine[0].assessmentKey}/governanceAssignments/late-1?api-version=${GOV}`, {
      method: 'PUT',
      body: JSON.stringify({ properties: { owner: LATE_OWNER, remediationDueDate: new Date(Date.parse(NOW) - 10 * DAY).toISOString(), isGracePeriod: false } }),
    });
    expect(late.status, JSON.stringify(late.body)).toBeLessThan(300);

    ({ browser, context, page } = await openPage(pageErrors));
    await signIn(page, server.url, api.token);
  }, 300_000);

  afterAll(() => closeAll({ context, browser, server, dir }));

  it('the navigation lists the three new pages', async () => {
    const nav = page.getByRole('navigation', { name: 'Pages' });
    for (const [name, id] of [
      ['Security alerts', 'alerts'],
      ['Governance', 'governance'],
      ['Program', 'program'],
    ]) {
      expect(await nav.getByRole('link', { name, exact: true }).getAttribute('href')).toMatch(new RegExp(`^#/${id}\\b`));
    }
  });

  it('Security alerts: counts by severity and status equal the API; severity, status and search filter the list', async () => {
    await open(`alerts?sub=${sub}`);
    const alerts = await api.all<any>(alertsPath());
    expect(await num('alerts-total')).toBe(alerts.length);
    for (const s of SEVERITIES) expect(await num(`alerts-sev-${s}`), s).toBe(alerts.filter((a) => a.properties.severity === s).length);
    for (const s of ALERT_STATUSES) expect(await num(`alerts-status-${s}`), s).toBe(alerts.filter((a) => a.properties.status === s).length);
    const rows = page.getByTestId('alerts-table').locator('tbody tr');
    expect(await countOf(rows, alerts.length)).toBe(alerts.length);
    await screenshot(page, 'alerts');

    const high = alerts.filter((a) => a.properties.severity === 'High');
    expect(high.length).toBeGreaterThan(0);
    await page.getByLabel('Severity', { exact: true }).selectOption('High');
    await expect.poll(() => rows.count()).toBe(high.length);
    expect(new Set(await rows.locator('td:first-child').allTextContents())).toEqual(new Set(['High']));
    expect(await num('alerts-shown')).toBe(high.length);
    await page.getByLabel('Status', { exact: true }).selectOption('Dismissed');
    await expect.poll(() => page.getByText('No alert matches the filters.').count()).toBe(1);
    await page.getByLabel('Status', { exact: true }).selectOption('Active');
    await expect.poll(() => rows.count()).toBe(high.filter((a) => a.properties.status === 'Active').length);
    await page.getByLabel('Severity', { exact: true }).selectOption('');
    await page.getByLabel('Status', { exact: true }).selectOption('');
    // the severity chip filters too; search by alert type
    const chip = page.getByRole('button', { name: /^Medium \d+$/ });
    await chip.click();
    await expect.poll(() => chip.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => rows.count()).toBe(alerts.filter((a) => a.properties.severity === 'Medium').length);
    await chip.click();
    const one = alerts[0].properties.alertType as string;
    await page.getByLabel('Search', { exact: true }).fill(one);
    await expect.poll(() => rows.count()).toBe(alerts.filter((a) => a.properties.alertType.toLowerCase().includes(one.toLowerCase()) || a.properties.alertDisplayName.toLowerCase().includes(one.toLowerCase()) || (a.properties.compromisedEntity ?? '').toLowerCase().includes(one.toLowerCase())).length);
    await page.getByLabel('Search', { exact: true }).fill('');
    await expect.poll(() => rows.count()).toBe(alerts.length);
  });

  it('Security alerts: the detail shows the alert; a status change from the page reaches the API', async () => {
    const alerts = await api.all<any>(alertsPath());
    const alert = alerts.find((a) => a.properties.severity === 'High' && a.properties.status === 'Active' && a.properties.remediationSteps.length && a.properties.entities.length);
    expect(alert, 'an active High alert with remediation steps and entities').toBeTruthy();
    await open(`alerts?sub=${sub}`);
    await page.getByTestId('alerts-table').locator(`tr[data-alert="${alert.name}"] a`).click();
    const detail = page.getByTestId('alert-detail');
    await detail.waitFor();
    const p = alert.properties;
    expect(await detail.getByRole('heading', { level: 2 }).textContent()).toBe(p.alertDisplayName);
    expect(await page.getByTestId('alert-description').textContent()).toBe(p.description);
    expect(await page.getByTestId('alert-remediation').locator('li').allTextContents()).toEqual(p.remediationSteps);
    expect(await page.getByTestId('alert-entities').locator('tbody tr').count()).toBe(p.entities.length);
    expect(await page.getByTestId('alert-evidence').locator('tr').count()).toBe(Object.keys(p.extendedProperties).length);
    expect(await page.getByTestId('alert-status').textContent()).toBe('Active');
    await expect(detail.getByRole('button', { name: 'Reactivate' }).isDisabled()).resolves.toBe(true);

    const read = async () => (await api.get(`${alert.id}?api-version=${ALERTS}`)).properties.status;
    await detail.getByRole('button', { name: 'Start investigating' }).click();
    await expect.poll(() => page.getByTestId('alert-status').textContent(), { timeout: 30_000 }).toBe('In progress');
    expect(await read()).toBe('InProgress');
    await detail.getByRole('button', { name: 'Resolve' }).click();
    await expect.poll(() => page.getByTestId('alert-status').textContent(), { timeout: 30_000 }).toBe('Resolved');
    expect(await read()).toBe('Resolved');
    expect(await page.getByTestId('alert-status-message').textContent()).toContain('resolved');
    await expect(detail.getByRole('button', { name: 'Resolve' }).isDisabled()).resolves.toBe(true);
    await screenshot(page, 'alert-detail');

    // back to the list: the counts follow
    await detail.getByRole('link', { name: '← All alerts' }).click();
    const after = await api.all<any>(alertsPath());
    for (const s of ALERT_STATUSES) await expect.poll(() => num(`alerts-status-${s}`)).toBe(after.filter((a) => a.properties.status === s).length);
    expect(await num('alerts-status-Resolved')).toBeGreaterThan(0);
    await page.getByLabel('Status', { exact: true }).selectOption('Resolved');
    await expect.poll(() => page.getByTestId('alerts-table').locator('tbody tr').count()).toBe(after.filter((a) => a.properties.status === 'Resolved').length);
    expect(await page.getByTestId('alerts-table').locator(`tr[data-alert="${alert.name}"]`).getAttribute('data-status')).toBe('Resolved');
    await screenshot(page, 'alerts-resolved');
  });

  it('Governance: rules, owners (overdue first) and assignments equal the API; filter by owner and status', async () => {
    await open(`governance?sub=${sub}`);
    const g = await governance();
    expect(await num('gov-rules-count')).toBe(g.rules.length);
    expect(await countOf(page.getByTestId('gov-rules').locator('tbody tr'), g.rules.length)).toBe(g.rules.length);
    expect(await num('gov-total')).toBe(g.value.length);
    for (const s of GOV_STATUSES) expect(await num(`gov-status-${s}`), s).toBe((await governance(`&status=${s}`)).value.length);
    expect(await num('gov-status-Overdue')).toBeGreaterThan(0);

    // every owner's counts, from the API filtered by that owner
    const owners = page.getByTestId('gov-owners').locator('tbody tr');
    const ownerNames = [...new Set(g.value.filter((a: any) => a.owner).map((a: any) => a.owner.toLowerCase()))];
    expect(ownerNames.length).toBeGreaterThan(2);
    expect(await countOf(owners, ownerNames.length)).toBe(ownerNames.length);
    expect(await num('gov-owners-count')).toBe(ownerNames.length);
    for (const row of await owners.all()) {
      const owner = (await row.getAttribute('data-owner'))!;
      const theirs: any[] = (await governance(`&owner=${encodeURIComponent(owner)}`)).value;
      const n = (s: string) => theirs.filter((a) => a.status === s).length;
      const cell = async (id: string) => Number(await row.getByTestId(id).textContent());
      expect(await cell('owner-overdue'), owner).toBe(n('Overdue'));
      expect(await cell('owner-ontime'), owner).toBe(n('OnTime'));
      expect(await cell('owner-open'), owner).toBe(n('Overdue') + n('OnTime'));
      expect(await cell('owner-completed'), owner).toBe(n('Completed'));
    }
    // overdue first
    expect(await owners.first().getAttribute('data-owner')).toBe(LATE_OWNER);
    await screenshot(page, 'governance', false);

    // filter by owner (from the owners table), then by status
    const table = page.getByTestId('gov-assignments').locator('tbody tr');
    const manual: any[] = (await governance(`&owner=${encodeURIComponent(MANUAL_OWNER)}`)).value;
    await page.getByTestId('gov-owners').getByRole('button', { name: MANUAL_OWNER, exact: true }).click();
    await expect.poll(() => num('gov-shown')).toBe(manual.length);
    expect(await countOf(table, Math.min(200, manual.length))).toBe(Math.min(200, manual.length));
    expect(await page.getByLabel('Owner', { exact: true }).inputValue()).toBe(MANUAL_OWNER);
    await page.getByLabel('Owner', { exact: true }).selectOption('');
    const overdue: any[] = (await governance('&status=Overdue')).value;
    await page.getByLabel('Status', { exact: true }).selectOption('Overdue');
    await expect.poll(() => num('gov-shown')).toBe(overdue.length);
    expect(await countOf(table, overdue.length)).toBe(overdue.length);
    expect(new Set(await table.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status'))))).toEqual(new Set(['Overdue']));
    await screenshot(page, 'governance-overdue');
    await page.getByLabel('Status', { exact: true }).selectOption('');
    const all = g.value.length;
    await expect.poll(() => num('gov-shown')).toBe(all);
  });

  it('Governance: a rule created from the page is saved and applied', async () => {
    await open(`governance?sub=${sub}`);
    await page.getByTestId('gov-rules').waitFor({ timeout: 150_000 });
    await page.getByRole('button', { name: 'New rule' }).click();
    const dialog = page.getByTestId('gov-rule-dialog');
    await dialog.waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill('low-to-appsec');
    await dialog.getByLabel('Display name').fill('Low severity: AppSec');
    await dialog.getByLabel('High', { exact: true }).uncheck();
    await dialog.getByLabel('Low', { exact: true }).check();
    await dialog.getByLabel('Owner email').fill('appsec@contoso.com');
    await dialog.getByLabel('Remediation timeframe').selectOption('90');
    await screenshot(page, 'governance-rule-dialog', false);
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    await page.getByTestId('gov-rule-created').waitFor({ timeout: 150_000 });

    const created = await api.get(`/subscriptions/${sub}/providers/Microsoft.Security/governanceRules/low-to-appsec?api-version=${GOV}`);
    expect(created.properties).toMatchObject({ displayName: 'Low severity: AppSec', remediationTimeframe: '90.00:00:00', ownerSource: { type: 'Manually', value: 'appsec@contoso.com' } });
    expect(JSON.parse(created.properties.conditionSets[0].conditions[0].value)).toEqual(['Low']);
    const theirs: any[] = (await governance('&owner=appsec@contoso.com')).value;
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.every((a) => a.severity === 'Low')).toBe(true);
    const g = await governance();
    await expect.poll(() => num('gov-rules-count')).toBe(g.rules.length);
    await expect.poll(() => num('gov-total')).toBe(g.value.length);
    const row = page.getByTestId('gov-owners').locator('tr[data-owner="appsec@contoso.com"]');
    await expect.poll(() => row.getByTestId('owner-open').textContent()).toBe(String(theirs.filter((a) => a.status === 'OnTime' || a.status === 'Overdue').length));

    // the same name again is refused before a PUT would replace the rule
    await page.getByRole('button', { name: 'New rule' }).click();
    await dialog.waitFor();
    await dialog.getByLabel('Name', { exact: true }).fill('low-to-appsec');
    await dialog.getByLabel('Owner email').fill('someone@contoso.com');
    await dialog.getByRole('button', { name: 'Create rule' }).click();
    expect(await dialog.getByTestId('gov-rule-error').textContent()).toContain("already has a rule named 'low-to-appsec'");
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect((await api.get(`/subscriptions/${sub}/providers/Microsoft.Security/governanceRules/low-to-appsec?api-version=${GOV}`)).properties.ownerSource.value).toBe('appsec@contoso.com');
  });

  it('Program: the verify checks and their statuses equal the API; the fix commands are copyable; the score trend is drawn', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    // verifying takes seconds: the page says it is loading meanwhile (held back 2 s here, so the state is seen for sure)
    const hold = '**/palisade/v1/verify';
    let held: Promise<void> = Promise.resolve();
    await page.route(hold, (route) => {
      held = new Promise((r) => setTimeout(r, 2000)).then(() => route.continue());
      return held;
    });
    const checks = page.getByTestId('verify-checks');
    try {
      await open(`program?sub=${sub}`);
      await page.getByRole('status').filter({ hasText: 'Loading the program checks' }).waitFor({ timeout: 10_000 });
      expect(await checks.count()).toBe(0);
      await checks.waitFor({ timeout: 90_000 });
    } finally {
      await held;
      await page.unroute(hold);
    }
    const v = await api.get('/palisade/v1/verify');
    expect(v.checks.length).toBeGreaterThan(3);
    expect(await num('verify-total')).toBe(v.checks.length);
    for (const s of ['pass', 'fail', 'warn']) expect(await num(`verify-${s}`), s).toBe(v.checks.filter((c: any) => c.status === s).length);
    expect(await page.getByTestId('verify-overall').textContent()).toBe(v.passed ? 'PASS' : 'FAIL');
    expect(await countOf(checks.locator(':scope > li'), v.checks.length)).toBe(v.checks.length);
    for (const c of v.checks) {
      const item = checks.locator(`li[data-check="${c.id}"]`);
      expect(await item.getAttribute('data-status'), c.id).toBe(c.status);
      expect(await item.getByTestId('check-status').textContent(), c.id).toBe(c.status.toUpperCase());
      expect(await item.getByTestId('check-summary').textContent(), c.id).toBe(c.summary);
      expect(await item.locator('pre code').allTextContents(), c.id).toEqual(c.fix);
    }
    // the checks this setup decides: a scan is saved, governance rules assign owners
    expect(v.checks.find((c: any) => c.id === 'secureScore')?.status).toBe('pass');
    expect(v.checks.find((c: any) => c.id === 'governance')?.status).toBe('pass');

    // copy the first fix command of a failing check
    const failing = v.checks.find((c: any) => c.fix.length);
    expect(failing, 'a check with fix commands').toBeTruthy();
    await checks.locator(`li[data-check="${failing.id}"]`).getByRole('button', { name: /^Copy the command/ }).first().click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(failing.fix[0]);
    expect(await checks.locator(`li[data-check="${failing.id}"]`).getByRole('button', { name: /^Copy the command/ }).first().textContent()).toBe('Copied');

    // the trend: one point per saved scan of the subscription
    const history = (await api.get(`/palisade/v1/score-history?subscriptionId=${sub}`)).value;
    expect(history.length).toBe(2);
    const trend = page.getByTestId('program-trend');
    await trend.waitFor();
    expect(await trend.getAttribute('aria-label')).toBe(`Secure score trend, ${history.length} points`);
    await screenshot(page, 'program');
  }, 300_000);

  it('a Reader sees the alert status buttons disabled with the reason, and the tenant-wide pages say why they are empty', async () => {
    const reader = server.createToken({ role: 'Reader', scope: `/subscriptions/${sub}` });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await ctx.newPage();
      p.on('pageerror', (e) => pageErrors.push(e.message));
      await signIn(p, server.url, reader);
      const alert = (await api.all<any>(alertsPath()))[0];
      await p.goto(`${server.url}/#/alerts?sub=${sub}&alert=${alert.name}`);
      const detail = p.getByTestId('alert-detail');
      await detail.waitFor({ timeout: 150_000 }); // the first load waits for the server, slow while CI runs other files
      const buttons = detail.getByRole('group', { name: "Change the alert's status" }).getByRole('button');
      expect(await buttons.count()).toBe(4);
      for (const b of await buttons.all()) expect(await b.isDisabled()).toBe(true);
      expect(await p.getByTestId('alert-readonly').textContent()).toMatch(/Your role \(Reader\) cannot change an alert's status/);
      // governance and verify span the estate: a subscription token gets the server's 403, shown where the data would be
      await p.goto(`${server.url}/#/governance?sub=${sub}`);
      const err = p.getByRole('alert');
      await err.waitFor({ timeout: 150_000 });
      expect(await err.textContent()).toMatch(/Could not load governance rules and assignments \(HTTP 403\)/);
      expect(await countOf(p.getByText(/needs a token whose scope is the tenant root/), 1)).toBe(1);
      await screenshot(p, 'governance-reader', false);
      await p.goto(`${server.url}/#/program?sub=${sub}`);
      await p.getByRole('alert').filter({ hasText: 'Could not load the program checks' }).waitFor({ timeout: 150_000 });
      expect(await p.getByRole('alert').textContent()).toMatch(/\(HTTP 403\)/);
    } finally {
      await ctx.close();
    }
  }, 300_000);

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
