/**
 * Governance end to end on a small real estate (test/fixtures/estate-small plus the MCSB initiative assigned at
 * contoso-root) in a real SQLite store, through the real CLI and the posture pipeline:
 * rules → assignments (priority, owner by tag / manual, missing tag → Unassigned, excluded scopes, tag conditions),
 * due dates stable across scans, OnTime → Overdue (clock moved) → Completed (resource fixed; resource removed),
 * the grace period's effect on the secure score, and the weekly notifications received by a real SMTP listener
 * (smtp-server) and a local HTTP webhook receiver, sent once per week.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCSB_INITIATIVE_ID } from '../../src/catalog/index.js';
import { allGovernanceAssignments, gracePeriodCheck, loadGracePeriodCheck, withGracePeriod, type GovernanceAssignmentRecord } from '../../src/program/index.js';
import { PostureSession, type ServiceContext } from '../../src/service/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { runCli } from '../cli/helpers.js';

const S1 = '1e5c0a6b-3b0e-4b0c-9f6e-000000000001';
const S2 = '1e5c0a6b-3b0e-4b0c-9f6e-000000000002';
const ST = `/subscriptions/${S1}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stcorpprod01`;
const VM = `/subscriptions/${S1}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-web-01`;
const KV = `/subscriptions/${S2}/resourceGroups/rg-ops/providers/Microsoft.KeyVault/vaults/kv-ops-01`;
const STOPS = `/subscriptions/${S2}/resourceGroups/rg-ops/providers/Microsoft.Storage/storageAccounts/stopslogs`;
/** "Storage account public access should be disallowed" (High): stcorpprod01 allows public blob access. */
const PUBLIC_ACCESS = 'fefb85d0-6d90-51f1-9721-9915a6793f27';
const T0 = '2026-09-01T00:00:00.000Z'; // a Tuesday, ISO week 2026-W36
const T1 = '2026-09-05T00:00:00.000Z';
const T2 = '2026-09-09T00:00:00.000Z'; // after T0 + 7 days, before T0 + 14 days; ISO week 2026-W37
const T3 = '2026-09-16T00:00:00.000Z'; // after T0 + 14 days
const DAY = 86_400_000;
const SMTP_PASSWORD = 'smtp-Secret-7731';
const WEBHOOK_TOKEN = 'sig-Token-55120';

let dir: string;
let store: string;

async function cli(at: string, ...args: string[]) {
  return runCli([...args, '--store', store], { PALISADE_NOW: at });
}

async function json<T = any>(at: string, ...args: string[]): Promise<T> {
  const r = await cli(at, ...args);
  if (r.code !== 0) throw new Error(`palisade ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function context(env: NodeJS.ProcessEnv): ServiceContext & { close(): Promise<void> } {
  let opened: Store | undefined;
  return {
    store: async () => (opened ??= await openStore(store)),
    io: { env },
    options: {},
    progress: () => ({ update: () => undefined, stop: () => undefined }),
    logger: { info: () => undefined, warning: () => undefined },
    close: async () => {
      await opened?.close();
      opened = undefined;
    },
  };
}

async function withStore<T>(body: (s: Store) => Promise<T>): Promise<T> {
  const s = await openStore(store);
  try {
    return await body(s);
  } finally {
    await s.close();
  }
}

function byResourceAndKey(list: any[], resourceId: string, key: string): any {
  return list.find((a) => a.properties.assessedResourceId.toLowerCase() === resourceId.toLowerCase() && a.properties.assessmentKey === key);
}

function rowsOf(file: string): any[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-governance-'));
  const estate = join(dir, 'estate');
  cpSync(join(import.meta.dirname, '..', 'fixtures', 'estate-small'), estate, { recursive: true });
  // stcorpprod01 names the owner's manager in a tag (for the escalation)
  const resources = rowsOf(join(estate, 'resources.jsonl')).map((r) => (r.name === 'stcorpprod01' ? { ...r, tags: { ...r.tags, manager: 'lead@contoso.com' } } : r));
  writeFileSync(join(estate, 'resources.jsonl'), resources.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(
    join(estate, 'policyresources.jsonl'),
    JSON.stringify({
      id: '/providers/Microsoft.Management/managementGroups/contoso-root/providers/Microsoft.Authorization/policyAssignments/mcsb',
      name: 'mcsb',
      type: 'Microsoft.Authorization/policyAssignments',
      properties: { displayName: 'Microsoft cloud security benchmark', policyDefinitionId: MCSB_INITIATIVE_ID, scope: '/providers/Microsoft.Management/managementGroups/contoso-root', parameters: {}, enforcementMode: 'Default' },
    }) + '\n',
  );
  store = join(dir, 'p.db');
  const imported = await runCli(['estate', 'import', '--from', estate, '--store', store, '-o', 'none']);
  expect(imported.code, imported.stderr).toBe(0);
});

describe('governance rules and assignments', () => {
  it('creates the rules with the CLI (flags, --file, management-group scope) and lists them', async () => {
    // R1: the public-access recommendation in S1, owner from the resource's `owner` tag, 7 days, grace period
    const r1 = await json(T0, 'security', 'governance-rule', 'create', '--subscription', S1, '-n', 'public-storage-7d', '--display-name', 'Public storage: 7 days',
      '--rule-priority', '10', '--remediation-timeframe', '7', '--is-grace-period', 'true', '--owner-source-type', 'ByTag', '--owner-source-value', 'owner',
      '--condition-sets', JSON.stringify([{ conditions: [{ property: '$.AssessmentKey', operator: 'In', value: JSON.stringify([PUBLIC_ACCESS]) }] }]));
    expect(r1).toMatchObject({
      id: `/subscriptions/${S1}/providers/Microsoft.Security/governanceRules/public-storage-7d`,
      name: 'public-storage-7d',
      type: 'Microsoft.Security/governanceRules',
      properties: { remediationTimeframe: '7.00:00:00', isGracePeriod: true, rulePriority: 10, ruleType: 'Integrated', sourceResourceType: 'Assessments', ownerSource: { type: 'ByTag', value: 'owner' }, metadata: { createdOn: T0 } },
    });
    // R2 from an ARM body: High/Medium storage, VM and key vault recommendations anywhere under contoso-root, 14 days
    const body = join(dir, 'r2.json');
    writeFileSync(body, JSON.stringify({
      properties: {
        displayName: 'Workload owners: 14 days', remediationTimeframe: '14.00:00:00', isGracePeriod: true, rulePriority: 100, ruleType: 'Integrated', sourceResourceType: 'Assessments',
        conditionSets: [{ conditions: [
          { property: '$.Severity', operator: 'In', value: '["High", "Medium"]' },
          { property: '$.ResourceType', operator: 'In', value: '["Microsoft.Storage/storageAccounts", "Microsoft.Compute/virtualMachines", "Microsoft.KeyVault/vaults"]' },
        ] }],
        ownerSource: { type: 'ByTag', value: 'owner' },
      },
    }));
    const r2 = await json(T0, 'security', 'governance-rule', 'create', '-m', 'contoso-root', '-n', 'workload-owners-14d', '--file', body);
    expect(r2.id).toBe('/providers/Microsoft.Management/managementGroups/contoso-root/providers/Microsoft.Security/governanceRules/workload-owners-14d');
    // R3: High severity everywhere at the highest priority, but S1 excluded: matches nothing in this estate
    await json(T0, 'security', 'governance-rule', 'create', '-m', 'contoso-root', '-n', 'high-everywhere', '--display-name', 'High', '--rule-priority', '5',
      '--owner-source-type', 'Manually', '--owner-source-value', 'soc@contoso.com', '--excluded-scopes', `/subscriptions/${S1}`,
      '--condition-sets', '[{"conditions":[{"property":"$.Severity","operator":"Equals","value":"High"}]}]');
    // R4: confidential data in S2 (a tag condition), a named owner, 30 days, no grace, no manager emails
    await json(T0, 'security', 'governance-rule', 'create', '--subscription', S2, '-n', 'confidential-30d', '--display-name', 'Confidential data', '--rule-priority', '50',
      '--remediation-timeframe', '30.00:00:00', '--owner-source-type', 'Manually', '--owner-source-value', 'data-owner@contoso.com', '--disable-manager-email-notification',
      '--condition-sets', '[{"conditions":[{"property":"$.Tags.dataClassification","operator":"Equals","value":"confidential"}]}]');

    const all = await json(T0, 'security', 'governance-rule', 'list');
    expect(all.value.map((r: any) => r.name)).toEqual(['high-everywhere', 'workload-owners-14d', 'public-storage-7d', 'confidential-30d']);
    const inS1 = await json(T0, 'security', 'governance-rule', 'list', '--subscription', S1);
    expect(inS1.value.map((r: any) => r.name)).toEqual(['public-storage-7d']);
    expect((await json(T0, 'security', 'governance-rule', 'show', '-n', 'confidential-30d')).properties.governanceEmailNotification).toEqual({ disableManagerEmailNotification: true, disableOwnerEmailNotification: false });
  });

  let first: any[];

  it('assigns each unhealthy (recommendation, resource) to the highest-priority matching rule', async () => {
    first = (await json(T0, 'security', 'governance-assignment', 'list')).value;
    const pub = byResourceAndKey(first, ST, PUBLIC_ACCESS);
    // R1 (priority 10) wins over R2 (100); R3 (5) excludes S1
    expect(pub.properties).toMatchObject({ owner: 'ana@contoso.com', status: 'OnTime', isGracePeriod: true, severity: 'High', firstUnhealthyDate: T0, remediationDueDate: new Date(Date.parse(T0) + 7 * DAY).toISOString() });
    expect(pub.properties.governanceRuleId).toBe(`/subscriptions/${S1}/providers/Microsoft.Security/governanceRules/public-storage-7d`);
    expect(pub.id).toBe(`${ST}/providers/Microsoft.Security/assessments/${PUBLIC_ACCESS}/governanceAssignments/${pub.name}`);
    expect(pub.type).toBe('Microsoft.Security/assessments/governanceAssignments');
    expect(pub.name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const storage = first.filter((a) => a.properties.assessedResourceId === ST && a.properties.assessmentKey !== PUBLIC_ACCESS);
    expect(storage.length).toBeGreaterThan(0);
    for (const a of storage) {
      expect(a.properties.governanceRuleId).toMatch(/workload-owners-14d$/);
      expect(a.properties).toMatchObject({ owner: 'ana@contoso.com', status: 'OnTime', remediationDueDate: new Date(Date.parse(T0) + 14 * DAY).toISOString() });
    }
    // owner by tag, tag missing → Unassigned (the VM has no owner tag)
    const vm = first.filter((a) => a.properties.assessedResourceId === VM);
    expect(vm.length).toBeGreaterThan(0);
    for (const a of vm) expect(a.properties.status).toBe('Unassigned');
    for (const a of vm) expect(a.properties.owner).toBeUndefined();
    // the tag condition (R4, priority 50) beats R2 for the confidential key vault
    const kv = first.filter((a) => a.properties.assessedResourceId === KV);
    expect(kv.length).toBeGreaterThan(0);
    for (const a of kv) expect(a.properties).toMatchObject({ owner: 'data-owner@contoso.com', isGracePeriod: false, remediationDueDate: new Date(Date.parse(T0) + 30 * DAY).toISOString() });
    // stopslogs (S2) falls to R2, owner ops@ from its tag
    expect(first.filter((a) => a.properties.assessedResourceId === STOPS).every((a) => a.properties.owner === 'ops@contoso.com')).toBe(true);
    // subscription-level recommendations match no rule; R3 assigned nothing
    expect(first.some((a) => /^\/subscriptions\/[^/]+$/.test(a.properties.assessedResourceId))).toBe(false);
    expect(first.some((a) => /high-everywhere$/.test(a.properties.governanceRuleId ?? ''))).toBe(false);
    // overdue first, then the earliest due date
    const due = first.filter((a) => a.properties.status !== 'Unassigned').map((a) => a.properties.remediationDueDate);
    expect(due).toEqual([...due].sort());
  });

  it('keeps due dates stable across scans (first-seen time from the store)', async () => {
    const later = (await json(T1, 'security', 'governance-assignment', 'list')).value;
    expect(later.length).toBe(first.length);
    for (const a of first) {
      const b = byResourceAndKey(later, a.properties.assessedResourceId, a.properties.assessmentKey);
      expect(b.name).toBe(a.name);
      expect(b.properties.firstUnhealthyDate).toBe(T0);
      expect(b.properties.remediationDueDate).toBe(a.properties.remediationDueDate);
    }
  });

  it('shows the grace period on the secure score: higher while in grace, equal again after the due dates', async () => {
    const ctx = context({ PALISADE_NOW: T0 });
    try {
      // an explicit (empty) score option: the plain score, without the stored grace periods
      const session = await PostureSession.open(ctx, { at: T0, score: {} });
      const records = await allGovernanceAssignments(await ctx.store());
      const without = session.run.subscriptionScore(S1)!.score;
      const inGrace = withGracePeriod(session.run, gracePeriodCheck(records, new Date(T0))).subscriptionScore(S1)!.score;
      expect(inGrace.percentage).toBeGreaterThan(without.percentage);
      expect(inGrace.current).toBeGreaterThan(without.current);
      // the posture session takes the check too (what `palisade scan` / secure-score can pass)
      const viaSession = await PostureSession.open(ctx, { at: T0, score: { inGracePeriod: await loadGracePeriodCheck(await ctx.store(), new Date(T0)) } });
      expect(viaSession.run.subscriptionScore(S1)!.score).toEqual(inGrace);
      // without a score option the session applies the grace periods the stored assignments hold (what every command sees)
      expect((await PostureSession.open(ctx, { at: T0 })).run.subscriptionScore(S1)!.score).toEqual(inGrace);
      // between the two due dates only R2's items are still in grace; after both, the score is the plain one
      const between = withGracePeriod(session.run, gracePeriodCheck(records, new Date(T2))).subscriptionScore(S1)!.score;
      expect(between.current).toBeLessThanOrEqual(inGrace.current);
      expect(between.current).toBeGreaterThanOrEqual(without.current);
      expect(withGracePeriod(session.run, gracePeriodCheck(records, new Date(T3))).subscriptionScore(S1)!.score).toEqual(without);
      // S2's key vault rule has no grace period: its items never lift the score
      const kvKeys = records.filter((r) => r.resourceId === KV);
      expect(kvKeys.every((r) => !gracePeriodCheck(records, new Date(T0))(r.assessmentKey, r.resourceId))).toBe(true);
    } finally {
      await ctx.close();
    }
  });

  it('turns OnTime into Overdue when the clock passes the due date (--overdue, --owner)', async () => {
    const overdue = (await json(T2, 'security', 'governance-assignment', 'list', '--overdue')).value;
    expect(overdue.map((a: any) => [a.properties.assessedResourceId, a.properties.assessmentKey, a.properties.status])).toEqual([[ST, PUBLIC_ACCESS, 'Overdue']]);
    const ana = (await json(T2, 'security', 'governance-assignment', 'list', '--owner', 'ANA@contoso.com')).value;
    expect(ana[0].properties.assessmentKey).toBe(PUBLIC_ACCESS);
    expect(ana.slice(1).every((a: any) => a.properties.status === 'OnTime')).toBe(true);
    expect(ana.every((a: any) => a.properties.owner === 'ana@contoso.com')).toBe(true);
    const table = await cli(T2, 'security', 'governance-assignment', 'list', '--overdue', '-o', 'table');
    expect(table.code).toBe(0);
    const [header, , row] = table.stdout.split('\n');
    expect(header.split(/\s+/)).toEqual(['DueDate', 'Owner', 'Recommendation', 'Resource', 'Severity', 'Status']);
    expect(row).toContain('2026-09-08');
    expect(row).toContain('ana@contoso.com');
    expect(row).toMatch(/Overdue$/);
  });
});

describe('governance notifications', () => {
  interface Mail {
    from: string;
    to: string[];
    user?: string;
    raw: string;
  }
  const mails: Mail[] = [];
  const posts: Array<{ url: string; headers: IncomingHttpHeaders; body: any }> = [];
  let smtp: SMTPServer;
  let http: Server;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'palisade' && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        let raw = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (raw += chunk));
        stream.on('end', () => {
          const from = session.envelope.mailFrom;
          mails.push({ from: from ? from.address : '', to: session.envelope.rcptTo.map((r) => r.address), user: session.user as string | undefined, raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    http = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => {
        posts.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(text) });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    env = {
      PALISADE_SMTP_HOST: '127.0.0.1',
      PALISADE_SMTP_PORT: String((smtp.server.address() as AddressInfo).port),
      PALISADE_SMTP_SECURE: 'false',
      PALISADE_SMTP_USER: 'palisade',
      PALISADE_SMTP_PASSWORD: SMTP_PASSWORD,
      PALISADE_SMTP_FROM: 'Palisade <palisade@contoso.com>',
      PALISADE_GOVERNANCE_WEBHOOK_URL: `http://127.0.0.1:${(http.address() as AddressInfo).port}/hooks/governance?sig=${WEBHOOK_TOKEN}`,
    };
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  async function notify(at: string, ...args: string[]) {
    return runCli(['security', 'governance-assignment', 'notify', ...args, '--store', store], { ...env, PALISADE_NOW: at });
  }

  /** Headers unfolded, and the text/plain part decoded (quoted-printable). */
  function parse(raw: string): { subject: string; text: string } {
    const [head] = raw.split(/\r?\n\r?\n/);
    const subject = /^Subject: (.*)$/im.exec(head.replace(/\r?\n[ \t]+/g, ' '))![1];
    const part = /Content-Type: text\/plain[^]*?\r?\n\r?\n([^]*?)\r?\n--/i.exec(raw)![1];
    const text = part.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return { subject, text };
  }

  it('--dry-run reports what would be sent and sends nothing', async () => {
    const r = await notify(T2, '--dry-run');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ week: '2026-W37', dryRun: true, sent: 0 });
    expect(result.outcomes.every((o: any) => o.status === 'wouldSend')).toBe(true);
    expect(result.outcomes.length).toBeGreaterThan(0);
    expect(mails).toEqual([]);
    expect(posts).toEqual([]);
  });

  it('sends owner digests (overdue first) and the manager escalation by SMTP and webhook', async () => {
    const r = await notify(T2);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    // secrets never printed: not the password, not the webhook token
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(SMTP_PASSWORD);
      expect(text).not.toContain(WEBHOOK_TOKEN);
    }
    expect(result.channels.webhook).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/governance \(query hidden\)$/);
    const owners = ['ana@contoso.com', 'data-owner@contoso.com', 'ops@contoso.com'];
    expect(result.outcomes.map((o: any) => `${o.kind} ${o.recipient} ${o.channel} ${o.status}`)).toEqual([
      ...owners.flatMap((o) => [`OwnerDigest ${o} email sent`, `OwnerDigest ${o} webhook sent`]),
      'ManagerEscalation lead@contoso.com email sent',
      'ManagerEscalation lead@contoso.com webhook sent',
    ]);
    expect(result.skipped).toEqual([]);

    // the SMTP listener got one mail per recipient, authenticated with the configured user
    expect(mails.map((m) => m.to.join(','))).toEqual([...owners, 'lead@contoso.com']);
    expect(mails.every((m) => m.from === 'palisade@contoso.com' && m.user === 'palisade')).toBe(true);
    const ana = parse(mails[0].raw);
    expect(ana.subject).toBe('Palisade governance digest 2026-W37: ' + `${result.outcomes[0].items} open recommendations, 1 overdue`);
    expect(ana.text.indexOf('OVERDUE')).toBeGreaterThanOrEqual(0);
    expect(ana.text.indexOf('OVERDUE')).toBeLessThan(ana.text.indexOf('ON TIME'));
    expect(ana.text.indexOf('Storage account public access should be disallowed')).toBeLessThan(ana.text.indexOf('ON TIME'));
    expect(ana.text).toContain('due 2026-09-08 (1 day overdue)');
    const escalation = parse(mails[3].raw);
    expect(escalation.subject).toBe('Palisade governance escalation 2026-W37: 1 overdue recommendation (ana@contoso.com)');
    expect(escalation.text).toContain(ST);
    expect(escalation.text).toContain('owner ana@contoso.com');
    const ops = parse(mails[2].raw);
    expect(ops.subject).toMatch(/^Palisade governance digest 2026-W37: \d+ open recommendations?, 0 overdue$/);
    expect(ops.text).not.toContain('OVERDUE');

    // the webhook got the same four messages as JSON, the token in the URL it was given
    expect(posts.map((p) => `${p.body.type} ${p.body.recipient}`)).toEqual([...owners.map((o) => `Palisade.Governance.OwnerDigest ${o}`), 'Palisade.Governance.ManagerEscalation lead@contoso.com']);
    expect(posts.every((p) => p.url === `/hooks/governance?sig=${WEBHOOK_TOKEN}` && /^[0-9a-f]{64}$/.test(String(p.headers['idempotency-key'])))).toBe(true);
    const anaHook = posts[0].body;
    expect(anaHook.items[0]).toMatchObject({ assessmentKey: PUBLIC_ACCESS, resourceId: ST, status: 'Overdue', daysOverdue: 1 });
    expect(anaHook.items.slice(1).every((i: any) => i.status === 'OnTime')).toBe(true);
    expect(anaHook.counts).toEqual({ items: anaHook.items.length, overdue: 1 });
    expect(posts[3].body.items.map((i: any) => [i.resourceId, i.assessmentKey, i.owner])).toEqual([[ST, PUBLIC_ACCESS, 'ana@contoso.com']]);
  });

  it('does not resend in the same ISO week, and sends again the next week', async () => {
    const again = await notify('2026-09-11T09:00:00Z');
    expect(again.code, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout);
    expect(result).toMatchObject({ week: '2026-W37', sent: 0, alreadySent: 8, failed: 0 });
    expect(mails.length).toBe(4);
    expect(posts.length).toBe(4);

    const nextWeek = JSON.parse((await notify(T3)).stdout);
    expect(nextWeek.week).toBe('2026-W38');
    expect(nextWeek.sent).toBeGreaterThan(0);
    expect(mails.length).toBeGreaterThan(4);
  });

  it('reports a failing channel with exit code 1, without the secret, and retries it on the next run', async () => {
    const broken = { ...env, PALISADE_SMTP_PASSWORD: 'wrong-password-991' };
    const before = mails.length;
    const r = await runCli(['security', 'governance-assignment', 'notify', '--store', store, '--at', '2026-09-23T00:00:00Z'], broken);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('GovernanceNotificationFailed');
    expect(r.stderr + r.stdout).not.toContain('wrong-password-991');
    expect(mails.length).toBe(before);
    const retried = JSON.parse((await runCli(['security', 'governance-assignment', 'notify', '--store', store, '--at', '2026-09-23T00:00:00Z'], env)).stdout);
    expect(retried.failed).toBe(0);
    expect(retried.outcomes.filter((o: any) => o.channel === 'email').every((o: any) => o.status === 'sent')).toBe(true);
    expect(retried.outcomes.filter((o: any) => o.channel === 'webhook').every((o: any) => o.status === 'alreadySent')).toBe(true);
  });
});

describe('completion', () => {
  it('completes an assignment when the resource is fixed, and when the resource leaves the estate', async () => {
    const fixed = join(dir, 'fixed.jsonl');
    const row = rowsOf(join(dir, 'estate', 'resources.jsonl')).find((r) => r.name === 'stcorpprod01');
    writeFileSync(fixed, JSON.stringify({ ...row, properties: { ...row.properties, allowBlobPublicAccess: false } }) + '\n');
    const imported = await runCli(['estate', 'import', '--from', fixed, '--mode', 'merge', '--store', store, '-o', 'none']);
    expect(imported.code, imported.stderr).toBe(0);
    await withStore((s) => s.deleteResources([VM]));

    const list = (await json(T2, 'security', 'governance-assignment', 'list', '--include-completed')).value;
    expect(byResourceAndKey(list, ST, PUBLIC_ACCESS).properties).toMatchObject({ status: 'Completed', completionReason: 'Healthy', completedDate: T2 });
    const vm = list.filter((a: any) => a.properties.assessedResourceId === VM);
    expect(vm.length).toBeGreaterThan(0);
    for (const a of vm) expect(a.properties).toMatchObject({ status: 'Completed', completionReason: 'ResourceRemoved' });
    // the default list shows only open assignments; --overdue is empty now
    const open = (await json(T2, 'security', 'governance-assignment', 'list')).value;
    expect(open.some((a: any) => a.properties.status === 'Completed')).toBe(false);
    expect((await json(T2, 'security', 'governance-assignment', 'list', '--overdue')).value).toEqual([]);
    // show reads the stored assignment; a completed one no longer counts for grace
    const shown = await json(T2, 'security', 'governance-assignment', 'show', '--assessment-name', PUBLIC_ACCESS, '--assessed-resource-id', ST);
    expect(shown.properties.status).toBe('Completed');
    const records: GovernanceAssignmentRecord[] = await withStore((s) => allGovernanceAssignments(s));
    expect(gracePeriodCheck(records, new Date(T0))(PUBLIC_ACCESS, ST)).toBe(false);
    const missing = await cli(T2, 'security', 'governance-assignment', 'show', '--assessment-name', PUBLIC_ACCESS, '--assessed-resource-id', KV);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('GovernanceAssignmentNotFound');
  });
});
