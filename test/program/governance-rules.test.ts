/**
 * Governance rules and the assignment engine without a policy scan: rule CRUD and validation (coded errors with JSON
 * paths) over a real SQLite store holding test/fixtures/estate-small, the engine on hand-made assessments (priority,
 * kept assignments, override, rule deletion and disabling, reopening, ByTag owners, ServiceNow rules, manual
 * assignments), the weekly messages, the notification settings, ISO weeks and the CLI's argument errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagementGroupTree } from '../../src/estate/index.js';
import { PalisadeError } from '../../src/core/index.js';
import {
  allGovernanceAssignments,
  buildGovernanceMessages,
  deleteGovernanceAssignment,
  deleteGovernanceRule,
  findGovernanceRule,
  getGovernanceAssignment,
  getGovernanceRule,
  governanceNotifyConfig,
  governanceStatus,
  governanceWeek,
  listGovernanceAssignments,
  listGovernanceRules,
  putGovernanceAssignment,
  putGovernanceRule,
  refreshGovernance,
  sendGovernanceNotifications,
  type GovernanceAssessment,
  type GovernanceResource,
} from '../../src/program/index.js';
import { redactSecrets } from '../../src/program/governance/notify-config.js';
import { openStore, type Store } from '../../src/store/index.js';
import { runCli } from '../cli/helpers.js';

const S1 = '1e5c0a6b-3b0e-4b0c-9f6e-000000000001';
const S2 = '1e5c0a6b-3b0e-4b0c-9f6e-000000000002';
const ST = `/subscriptions/${S1}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stcorpprod01`;
const VM = `/subscriptions/${S1}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-web-01`;
const KV = `/subscriptions/${S2}/resourceGroups/rg-ops/providers/Microsoft.KeyVault/vaults/kv-ops-01`;
const DAY = 86_400_000;
const T0 = new Date('2026-09-01T00:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);

/** The ARM example's body (PutGovernanceRule_example.json). */
function exampleBody(overrides: Record<string, unknown> = {}): { properties: Record<string, unknown> } {
  return {
    properties: {
      displayName: "Admin's rule",
      description: 'A rule for critical recommendations',
      remediationTimeframe: '7.00:00:00',
      isGracePeriod: true,
      rulePriority: 200,
      isDisabled: false,
      ruleType: 'Integrated',
      sourceResourceType: 'Assessments',
      conditionSets: [{ conditions: [{ property: '$.AssessmentKey', value: '["b1cd27e0-4ecc-4246-939f-49c426d9d72f", "fe83f80b-073d-4ccf-93d9-6797eb870201"]', operator: 'In' }] }],
      ownerSource: { type: 'Manually', value: 'user@contoso.com' },
      governanceEmailNotification: { disableManagerEmailNotification: false, disableOwnerEmailNotification: false },
      ...overrides,
    },
  };
}

let dir: string;
let storePath: string;
let store: Store;
let hierarchy: ManagementGroupTree;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-governance-rules-'));
  storePath = join(dir, 'p.db');
  const r = await runCli(['estate', 'import', '--from', join(import.meta.dirname, '..', 'fixtures', 'estate-small'), '--store', storePath, '-o', 'none']);
  expect(r.code, r.stderr).toBe(0);
  store = await openStore(storePath);
  hierarchy = ManagementGroupTree.fromRows((await store.listResources({ tables: ['resourcecontainers'] })).map((x) => x.row));
});

afterAll(async () => {
  await store.close();
});

async function clearGovernance(): Promise<void> {
  for (const c of ['governance-rules', 'governance-assignments']) for (const d of await store.listDocuments(c)) await store.deleteDocument(c, d.key);
}

async function expectError(promise: Promise<unknown>, code: string, path?: string): Promise<PalisadeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(PalisadeError);
  const e = error as PalisadeError;
  expect(e.code, e.message).toBe(code);
  if (path !== undefined) expect(e.location?.path).toBe(path);
  return e;
}

describe('governance rule CRUD', () => {
  it('PUT creates (201) then updates (200) the example rule; GET, list and DELETE', async () => {
    await clearGovernance();
    const created = await putGovernanceRule(store, `subscriptions/${S1}`, 'ad9a8e26-29d9-4829-bb30-e597a58cdbb8', exampleBody(), { now: T0, principal: 'c23b5354' });
    expect(created.created).toBe(true);
    expect(created.resource).toEqual({
      id: `/subscriptions/${S1}/providers/Microsoft.Security/governanceRules/ad9a8e26-29d9-4829-bb30-e597a58cdbb8`,
      name: 'ad9a8e26-29d9-4829-bb30-e597a58cdbb8',
      type: 'Microsoft.Security/governanceRules',
      properties: {
        tenantId: '72f988bf-0000-4000-8000-000000000000',
        ...exampleBody().properties,
        excludedScopes: [],
        includeMemberScopes: false,
        metadata: { createdBy: 'c23b5354', createdOn: T0.toISOString(), updatedBy: 'c23b5354', updatedOn: T0.toISOString() },
      },
    });
    const updated = await putGovernanceRule(store, `/subscriptions/${S1}`, 'ad9a8e26-29d9-4829-bb30-e597a58cdbb8', exampleBody({ displayName: 'Renamed', tenantId: 'ignored', metadata: { createdOn: 'ignored' } }), { now: at(1), principal: 'other' });
    expect(updated.created).toBe(false);
    expect(updated.resource.properties).toMatchObject({ displayName: 'Renamed', tenantId: '72f988bf-0000-4000-8000-000000000000', metadata: { createdBy: 'c23b5354', createdOn: T0.toISOString(), updatedBy: 'other', updatedOn: at(1).toISOString() } });
    expect(await getGovernanceRule(store, `subscriptions/${S1}`, 'AD9A8E26-29d9-4829-bb30-e597a58cdbb8')).toEqual(updated.resource);
    // defaults when the body is silent
    const minimal = await putGovernanceRule(store, 'providers/Microsoft.Management/managementGroups/contoso-root', 'minimal', {
      properties: { displayName: 'Minimal', rulePriority: 1, ruleType: 'Integrated', sourceResourceType: 'Assessments', conditionSets: [{ conditions: [{ property: '$.Severity', operator: 'Equals', value: 'High' }] }], ownerSource: { type: 'ByTag', value: 'owner' } },
    });
    expect(minimal.resource.properties).toMatchObject({ remediationTimeframe: '7.00:00:00', isGracePeriod: false, isDisabled: false, excludedScopes: [], includeMemberScopes: false, governanceEmailNotification: { disableManagerEmailNotification: false, disableOwnerEmailNotification: false } });
    expect((await listGovernanceRules(store, { scope: `subscriptions/${S1}` })).map((r) => r.name)).toEqual(['ad9a8e26-29d9-4829-bb30-e597a58cdbb8']);
    expect((await listGovernanceRules(store)).map((r) => r.name)).toEqual(['minimal', 'ad9a8e26-29d9-4829-bb30-e597a58cdbb8']);
    expect((await findGovernanceRule(store, 'MINIMAL'))?.id).toBe('/providers/Microsoft.Management/managementGroups/contoso-root/providers/Microsoft.Security/governanceRules/minimal');
    expect(await deleteGovernanceRule(store, `subscriptions/${S1}`, 'ad9a8e26-29d9-4829-bb30-e597a58cdbb8')).toBe(true);
    expect(await deleteGovernanceRule(store, `subscriptions/${S1}`, 'ad9a8e26-29d9-4829-bb30-e597a58cdbb8')).toBe(false);
    expect(await getGovernanceRule(store, `subscriptions/${S1}`, 'ad9a8e26-29d9-4829-bb30-e597a58cdbb8')).toBeUndefined();
  });

  it('refuses a second rule with the same priority at one scope, not at another', async () => {
    await clearGovernance();
    await putGovernanceRule(store, `subscriptions/${S1}`, 'a', exampleBody({ rulePriority: 10 }));
    await expectError(putGovernanceRule(store, `subscriptions/${S1}`, 'b', exampleBody({ rulePriority: 10 })), 'GovernanceRulePriorityConflict', '$.properties.rulePriority');
    await putGovernanceRule(store, `subscriptions/${S1}`, 'a', exampleBody({ rulePriority: 10, displayName: 'same rule, same priority' }));
    await putGovernanceRule(store, `subscriptions/${S2}`, 'b', exampleBody({ rulePriority: 10 }));
  });

  it('checks the scope and the name', async () => {
    await expectError(putGovernanceRule(store, 'subscriptions/not-a-guid', 'x', exampleBody()), 'InvalidGovernanceScope');
    await expectError(putGovernanceRule(store, `subscriptions/${S1}/resourceGroups/rg-app`, 'x', exampleBody()), 'InvalidGovernanceScope');
    await expectError(putGovernanceRule(store, 'subscriptions/00000000-0000-4000-8000-000000000000', 'x', exampleBody()), 'GovernanceScopeNotFound');
    await expectError(putGovernanceRule(store, 'providers/Microsoft.Management/managementGroups/nowhere', 'x', exampleBody()), 'GovernanceScopeNotFound');
    await expectError(putGovernanceRule(store, `subscriptions/${S1}`, 'bad/name', exampleBody()), 'InvalidGovernanceRuleName');
  });

  const invalid: Array<[string, Record<string, unknown>, string, string]> = [
    ['missing displayName', { displayName: undefined }, 'MissingRequiredProperty', '$.properties.displayName'],
    ['timeframe not offered', { remediationTimeframe: '8.00:00:00' }, 'InvalidRemediationTimeframe', '$.properties.remediationTimeframe'],
    ['timeframe with hours', { remediationTimeframe: '7.12:00:00' }, 'InvalidRemediationTimeframe', '$.properties.remediationTimeframe'],
    ['priority above 1000', { rulePriority: 1001 }, 'InvalidRulePriority', '$.properties.rulePriority'],
    ['priority not an integer', { rulePriority: 1.5 }, 'InvalidRulePriority', '$.properties.rulePriority'],
    ['rule type', { ruleType: 'Jira' }, 'InvalidRuleType', '$.properties.ruleType'],
    ['source type', { sourceResourceType: 'Alerts' }, 'InvalidSourceResourceType', '$.properties.sourceResourceType'],
    ['owner type', { ownerSource: { type: 'ByManager', value: 'x' } }, 'InvalidOwnerSourceType', '$.properties.ownerSource.type'],
    ['manual owner not an email', { ownerSource: { type: 'Manually', value: 'ana' } }, 'InvalidOwnerSource', '$.properties.ownerSource.value'],
    ['no condition sets', { conditionSets: [] }, 'InvalidConditionSets', '$.properties.conditionSets'],
    ['unsupported property', { conditionSets: [{ conditions: [{ property: '$.Owner', operator: 'Equals', value: 'x' }] }] }, 'UnsupportedConditionProperty', '$.properties.conditionSets[0].conditions[0].property'],
    ['operator', { conditionSets: [{ conditions: [{ property: '$.Severity', operator: 'Contains', value: 'High' }] }] }, 'InvalidConditionOperator', '$.properties.conditionSets[0].conditions[0].operator'],
    ['In without a JSON array', { conditionSets: [{ conditions: [{ property: '$.AssessmentKey', operator: 'In', value: 'k1, k2' }] }] }, 'InvalidConditionValue', '$.properties.conditionSets[0].conditions[0].value'],
    ['broken JSON', { conditionSets: [{ conditions: [{ property: '$.AssessmentKey', operator: 'In', value: '["k1",' }] }] }, 'InvalidConditionValue', '$.properties.conditionSets[0].conditions[0].value'],
    ['empty condition set', { conditionSets: [{}, { conditions: [{ property: '$.Severity', operator: 'In', value: '["Critical"]' }] }] }, 'InvalidConditionSets', '$.properties.conditionSets[0]'],
    ['excluded scope', { excludedScopes: ['not a scope'] }, 'InvalidExcludedScope', '$.properties.excludedScopes[0]'],
    ['boolean', { isGracePeriod: 'yes' }, 'InvalidPropertyType', '$.properties.isGracePeriod'],
  ];
  for (const [what, overrides, code, path] of invalid) {
    it(`rejects a body with a bad ${what}: ${code} at ${path}`, async () => {
      const body = exampleBody(overrides);
      for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete body.properties[k];
      const e = await expectError(putGovernanceRule(store, `subscriptions/${S1}`, 'bad', body), code, path);
      expect(e.kind).toBe('validation');
      expect(e.message).toContain(path);
    });
  }

  it('reports every problem of a body in details, the first as the error', async () => {
    const e = await expectError(putGovernanceRule(store, `subscriptions/${S1}`, 'bad', exampleBody({ remediationTimeframe: '1 week', rulePriority: -1, conditionSets: [{ conditions: [{ property: '$.Severity', operator: 'In', value: '["Critical"]' }] }] })), 'InvalidRemediationTimeframe');
    expect(e.details.map((d) => [d.code, d.target])).toEqual([
      ['InvalidRemediationTimeframe', '$.properties.remediationTimeframe'],
      ['InvalidRulePriority', '$.properties.rulePriority'],
      ['InvalidConditionValue', '$.properties.conditionSets[0].conditions[0].value'],
    ]);
    await expectError(putGovernanceRule(store, `subscriptions/${S1}`, 'bad', 'not an object'), 'InvalidRequestContent', '$.properties');
    expect(await getGovernanceRule(store, `subscriptions/${S1}`, 'bad')).toBeUndefined();
  });

  it('does not let input keys reach Object.prototype', async () => {
    const body = JSON.parse(
      '{"properties": {"__proto__": {"polluted": 1}, "displayName": "p", "rulePriority": 999, "ruleType": "Integrated", "sourceResourceType": "Assessments", "ownerSource": {"type": "ByTag", "value": "__proto__"}, ' +
        '"conditionSets": [{"conditions": [{"property": "$.Tags.__proto__", "operator": "Equals", "value": "x"}]}], "governanceEmailNotification": {"__proto__": {"polluted": 2}}}}',
    );
    const r = await putGovernanceRule(store, `subscriptions/${S1}`, 'proto', body);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(r.resource.properties)).not.toContain('__proto__');
    await deleteGovernanceRule(store, `subscriptions/${S1}`, 'proto');
  });
});

// ------------------------------------------------------------------------------------------------ the engine

function assessment(resourceId: string, key: string, severity: 'High' | 'Medium' | 'Low', status: 'Healthy' | 'Unhealthy' | 'NotApplicable' = 'Unhealthy'): GovernanceAssessment {
  const sub = /\/subscriptions\/([^/]+)/.exec(resourceId)![1];
  const type = /\/providers\/([^/]+\/[^/]+)\//.exec(`${resourceId}/`)?.[1] ?? 'Microsoft.Resources/subscriptions';
  return { assessmentKey: key, displayName: `Recommendation ${key}`, resourceId, subscriptionId: sub, resourceType: type, severity, status: { code: status } };
}

function rule(priority: number, owner: string, conditions: Array<Record<string, string>>, extra: Record<string, unknown> = {}) {
  return {
    properties: {
      displayName: `rule ${priority}`,
      rulePriority: priority,
      ruleType: 'Integrated',
      sourceResourceType: 'Assessments',
      ownerSource: owner.includes('@') ? { type: 'Manually', value: owner } : { type: 'ByTag', value: owner },
      conditionSets: [{ conditions }],
      ...extra,
    },
  };
}

const ALL = [{ property: '$.Severity', operator: 'In', value: '["High", "Medium", "Low"]' }];
const HIGH = [{ property: '$.Severity', operator: 'Equals', value: 'High' }];

describe('assignment engine', () => {
  let tags: Record<string, Record<string, string>>;
  const resources = (id: string): GovernanceResource | undefined => (tags[id] ? { id, type: 'x', tags: tags[id] } : undefined);
  const refresh = (assessments: GovernanceAssessment[], now: Date, override = false) => refreshGovernance(store, { assessments, now, hierarchy, resources, override });
  const one = async (resourceId: string, key: string) => (await allGovernanceAssignments(store)).find((r) => r.resourceId === resourceId && r.assessmentKey === key)!;

  beforeAll(() => {
    tags = { [ST]: { owner: 'ana@contoso.com' }, [VM]: {} };
  });

  it('keeps an assignment with its rule; override, deletion and disabling move it to the next rule', async () => {
    await clearGovernance();
    await putGovernanceRule(store, `subscriptions/${S1}`, 'all-30d', rule(200, 'a@contoso.com', ALL, { remediationTimeframe: '30.00:00:00' }));
    const x = assessment(ST, 'key-x', 'High');
    let r = await refresh([x], T0);
    expect([r.created, r.activeRules]).toEqual([1, 1]);
    expect(await one(ST, 'key-x')).toMatchObject({ owner: 'a@contoso.com', remediationDueDate: at(30).toISOString(), ruleId: `/subscriptions/${S1}/providers/Microsoft.Security/governanceRules/all-30d` });

    // a rule of higher priority appears: the open assignment is kept, a new item goes to the new rule
    await putGovernanceRule(store, `subscriptions/${S1}`, 'high-7d', rule(100, 'b@contoso.com', HIGH));
    const y = assessment(VM, 'key-y', 'High');
    r = await refresh([x, y], at(1));
    expect([r.created, r.reassigned]).toEqual([1, 0]);
    expect(await one(ST, 'key-x')).toMatchObject({ owner: 'a@contoso.com', remediationDueDate: at(30).toISOString() });
    expect(await one(VM, 'key-y')).toMatchObject({ owner: 'b@contoso.com', firstUnhealthyDate: at(1).toISOString(), remediationDueDate: at(8).toISOString() });

    // override re-applies the rules: due date from the first-seen time and the new rule's timeframe
    r = await refresh([x, y], at(2), true);
    expect(r.reassigned).toBe(1);
    expect(await one(ST, 'key-x')).toMatchObject({ owner: 'b@contoso.com', firstUnhealthyDate: T0.toISOString(), remediationDueDate: at(7).toISOString() });

    // the rule is deleted: the next matching rule takes over, first-seen time kept
    await deleteGovernanceRule(store, `subscriptions/${S1}`, 'high-7d');
    r = await refresh([x, y], at(3));
    expect(r.reassigned).toBe(2);
    expect(await one(ST, 'key-x')).toMatchObject({ owner: 'a@contoso.com', remediationDueDate: at(30).toISOString() });
    expect(await one(VM, 'key-y')).toMatchObject({ owner: 'a@contoso.com', remediationDueDate: at(31).toISOString() });

    // disabled: no rule matches any more, the assignments go
    await putGovernanceRule(store, `subscriptions/${S1}`, 'all-30d', rule(200, 'a@contoso.com', ALL, { isDisabled: true }));
    r = await refresh([x, y], at(4));
    expect([r.removed, r.activeRules, r.skippedRules, r.unmatched]).toEqual([2, 0, 1, 0]);
    expect(await allGovernanceAssignments(store)).toEqual([]);
    r = await refresh([x, y], at(5));
    expect(r.unmatched).toBe(2);
  });

  it('completes on Healthy / NotApplicable / removal and starts a new cycle when unhealthy again', async () => {
    await clearGovernance();
    await putGovernanceRule(store, `subscriptions/${S1}`, 'all-7d', rule(1, 'a@contoso.com', ALL, { isGracePeriod: true }));
    await refresh([assessment(ST, 'k1', 'High'), assessment(ST, 'k2', 'Low'), assessment(VM, 'k3', 'Medium')], T0);
    const r = await refresh([assessment(ST, 'k1', 'High', 'Healthy'), assessment(ST, 'k2', 'Low', 'NotApplicable')], at(2));
    expect(r.completed).toBe(3);
    expect(await one(ST, 'k1')).toMatchObject({ completionReason: 'Healthy', completedDate: at(2).toISOString() });
    expect(await one(ST, 'k2')).toMatchObject({ completionReason: 'NotApplicable' });
    expect(await one(VM, 'k3')).toMatchObject({ completionReason: 'ResourceRemoved' });
    expect(governanceStatus(await one(ST, 'k1'), at(9))).toBe('Completed');
    // unhealthy again: a new assignment, a new SLA
    await refresh([assessment(ST, 'k1', 'High')], at(10));
    const again = await one(ST, 'k1');
    expect(again).toMatchObject({ firstUnhealthyDate: at(10).toISOString(), remediationDueDate: at(17).toISOString() });
    expect(again.completedDate).toBeUndefined();
    expect(governanceStatus(again, at(12))).toBe('OnTime');
    expect(governanceStatus(again, at(18))).toBe('Overdue');
  });

  it('re-reads a ByTag owner on every refresh; a missing tag is Unassigned; the due date stays', async () => {
    await clearGovernance();
    await putGovernanceRule(store, `subscriptions/${S1}`, 'by-tag', rule(1, 'Owner', ALL, { remediationTimeframe: '14.00:00:00' }));
    await refresh([assessment(ST, 'k', 'High'), assessment(VM, 'k', 'High')], T0);
    expect((await one(ST, 'k')).owner).toBe('ana@contoso.com');
    expect(governanceStatus(await one(VM, 'k'), at(20))).toBe('Unassigned');
    tags = { [ST]: { OWNER: 'bo@contoso.com' }, [VM]: { owner: 'vm@contoso.com' } };
    await refresh([assessment(ST, 'k', 'High'), assessment(VM, 'k', 'High')], at(3));
    expect(await one(ST, 'k')).toMatchObject({ owner: 'bo@contoso.com', remediationDueDate: at(14).toISOString() });
    expect(await one(VM, 'k')).toMatchObject({ owner: 'vm@contoso.com', remediationDueDate: at(14).toISOString() });
    expect(governanceStatus(await one(VM, 'k'), at(20))).toBe('Overdue');
  });

  it('prefers a subscription rule to a management-group rule of equal priority; skips ServiceNow rules; applies MG rules below the group', async () => {
    await clearGovernance();
    await putGovernanceRule(store, 'providers/Microsoft.Management/managementGroups/contoso-root', 'mg', rule(10, 'mg@contoso.com', ALL));
    await putGovernanceRule(store, `subscriptions/${S1}`, 'sub', rule(10, 'sub@contoso.com', ALL));
    await putGovernanceRule(store, `subscriptions/${S1}`, 'snow', rule(1, 'snow@contoso.com', ALL, { ruleType: 'ServiceNow' }));
    await putGovernanceRule(store, 'providers/Microsoft.Management/managementGroups/platform', 'platform', rule(20, 'platform@contoso.com', [{ property: '$.Scope', operator: 'In', value: JSON.stringify([`/subscriptions/${S2}/resourceGroups/rg-ops`]) }]));
    const r = await refresh([assessment(ST, 'k', 'High'), assessment(KV, 'k', 'High'), assessment(KV, 'k2', 'Low')], T0);
    expect([r.activeRules, r.skippedRules]).toEqual([3, 1]);
    expect((await one(ST, 'k')).owner).toBe('sub@contoso.com');
    expect((await one(KV, 'k')).owner).toBe('mg@contoso.com'); // S2 is under platform and contoso-root: priority 10 beats 20
    await deleteGovernanceRule(store, 'providers/Microsoft.Management/managementGroups/contoso-root', 'mg');
    await refresh([assessment(ST, 'k', 'High'), assessment(KV, 'k', 'High')], at(1));
    expect((await one(KV, 'k')).owner).toBe('platform@contoso.com');
  });

  it('stores manual assignments (the ARM example) that the engine keeps, and lists / gets / deletes them', async () => {
    await clearGovernance();
    await putGovernanceRule(store, `subscriptions/${S1}`, 'all', rule(1, 'rule@contoso.com', ALL));
    const body = {
      properties: {
        owner: 'user@contoso.com',
        remediationDueDate: '2022-01-07T13:00:00.0000000Z',
        remediationEta: { eta: '2022-01-08T13:00:00.0000000Z', justification: 'Justification of ETA' },
        isGracePeriod: true,
        governanceEmailNotification: { disableManagerEmailNotification: false, disableOwnerEmailNotification: false },
        additionalData: { ticketNumber: 123123, ticketLink: 'https://snow.com', ticketStatus: 'Active' },
      },
    };
    const put = await putGovernanceAssignment(store, VM, '6b9421dd-5555-2251-9b3d-2be58e2f82cd', '6634ff9f-127b-4bf2-8e6e-b1737f5e789c', body, { now: T0 });
    expect(put.created).toBe(true);
    expect(put.resource).toMatchObject({
      id: `${VM}/providers/Microsoft.Security/assessments/6b9421dd-5555-2251-9b3d-2be58e2f82cd/governanceAssignments/6634ff9f-127b-4bf2-8e6e-b1737f5e789c`,
      type: 'Microsoft.Security/assessments/governanceAssignments',
      properties: { ...body.properties, remediationDueDate: '2022-01-07T13:00:00.000Z', remediationEta: { eta: '2022-01-08T13:00:00.000Z', justification: 'Justification of ETA' }, status: 'Overdue' },
    });
    await refresh([assessment(VM, '6b9421dd-5555-2251-9b3d-2be58e2f82cd', 'High')], at(1));
    const got = await getGovernanceAssignment(store, VM, '6b9421dd-5555-2251-9b3d-2be58e2f82cd', '6634ff9f-127b-4bf2-8e6e-b1737f5e789c', at(1));
    expect(got?.properties.owner).toBe('user@contoso.com');
    expect(got?.properties.governanceRuleId).toBeUndefined();
    expect((await listGovernanceAssignments(store, { resourceId: VM, assessmentKey: '6b9421dd-5555-2251-9b3d-2be58e2f82cd' }, at(1))).length).toBe(1);
    expect(await getGovernanceAssignment(store, VM, '6b9421dd-5555-2251-9b3d-2be58e2f82cd', 'other-name', at(1))).toBeUndefined();
    await expectError(putGovernanceAssignment(store, VM, 'k', 'n', { properties: { owner: 'ana' } }), 'MissingRequiredProperty', '$.properties.remediationDueDate');
    await expectError(putGovernanceAssignment(store, VM, 'k', 'n', { properties: { remediationDueDate: 'tomorrow' } }), 'InvalidRemediationDueDate', '$.properties.remediationDueDate');
    expect(await deleteGovernanceAssignment(store, VM, '6b9421dd-5555-2251-9b3d-2be58e2f82cd', '6634ff9f-127b-4bf2-8e6e-b1737f5e789c')).toBe(true);
    expect(await deleteGovernanceAssignment(store, VM, '6b9421dd-5555-2251-9b3d-2be58e2f82cd', '6634ff9f-127b-4bf2-8e6e-b1737f5e789c')).toBe(false);
  });
});

// ------------------------------------------------------------------------------------------------ notifications

describe('notification messages and settings', () => {
  it('builds digests and escalations: manager by tag, else by mapping; skips owners without an email address', async () => {
    await clearGovernance();
    await putGovernanceRule(store, `subscriptions/${S1}`, 'tagged', rule(1, 'owner', ALL, { remediationTimeframe: '7.00:00:00' }));
    await putGovernanceRule(store, `subscriptions/${S2}`, 'quiet', rule(2, 'quiet@contoso.com', ALL, { governanceEmailNotification: { disableOwnerEmailNotification: true, disableManagerEmailNotification: true } }));
    const tags: Record<string, Record<string, string>> = { [ST]: { owner: 'ana@contoso.com', Manager: 'boss@contoso.com' }, [VM]: { owner: 'Ana Lopez' } };
    const resources = (id: string) => (tags[id] ? { id, type: 'x', tags: tags[id] } : undefined);
    await refreshGovernance(store, { assessments: [assessment(ST, 'a', 'Low'), assessment(VM, 'b', 'High'), assessment(KV, 'c', 'High')], now: T0, resources, hierarchy });
    await refreshGovernance(store, { assessments: [assessment(ST, 'a', 'Low'), assessment(VM, 'b', 'High'), assessment(KV, 'c', 'High'), assessment(ST, 'd', 'High')], now: at(3), resources, hierarchy });
    const records = await allGovernanceAssignments(store);
    const config = governanceNotifyConfig({}, { path: 'g.json', text: JSON.stringify({ managers: { 'ana@contoso.com': 'mapped@contoso.com' } }) });
    const { week, messages, skipped } = buildGovernanceMessages({ records, now: at(9), config, resources });
    expect(week).toBe('2026-W37');
    expect(messages.map((m) => `${m.kind} ${m.recipient} ${m.items.map((i) => `${i.assessmentKey}:${i.daysOverdue}`).join(',')}`)).toEqual([
      'OwnerDigest ana@contoso.com a:2,d:0',
      'ManagerEscalation boss@contoso.com a:2',
    ]);
    expect(skipped.map((s) => `${s.kind} ${s.reason} ${s.detail ?? ''}`.trim())).toEqual(['OwnerDigest OwnerNotAnEmailAddress Ana Lopez', 'ManagerEscalation NoManager']);
    // without the tag, the mapping names the manager
    delete tags[ST].Manager;
    const mapped = buildGovernanceMessages({ records, now: at(9), config, resources });
    expect(mapped.messages.map((m) => m.recipient)).toEqual(['ana@contoso.com', 'mapped@contoso.com']);
    expect(mapped.messages[0].html).toContain('<table');
    expect(mapped.messages[0].subject).toBe('Palisade governance digest 2026-W37: 2 open recommendations, 1 overdue');
  });

  it('reads SMTP and webhook settings from a file and the environment, never a password from the file', () => {
    const c = governanceNotifyConfig(
      { PALISADE_SMTP_PORT: '2525', PALISADE_SMTP_PASSWORD: 'pw-123456', PALISADE_GOVERNANCE_MANAGER_TAG: 'lead' },
      { path: 'g.json', text: JSON.stringify({ smtp: { host: 'smtp.contoso.com', secure: true, user: 'u', from: 'Sec <sec@contoso.com>' }, webhook: { url: 'https://hooks.contoso.com/x?sig=abc123' } }) },
    );
    expect(c.smtp).toEqual({ host: 'smtp.contoso.com', port: 2525, secure: true, user: 'u', password: 'pw-123456', from: 'Sec <sec@contoso.com>', timeoutMs: 15000 });
    expect(c.managerTag).toBe('lead');
    expect(redactSecrets('failed: pw-123456 at https://hooks.contoso.com/x?sig=abc123 and sig=abc123, abc123', c)).toBe('failed: *** at *** and ***, ***');
    expect(governanceNotifyConfig({ PALISADE_SMTP_HOST: 'h', PALISADE_SMTP_SECURE: 'true' }).smtp?.port).toBe(465);
    expect(governanceNotifyConfig({}).smtp).toBeUndefined();
    const secret = (() => {
      try {
        governanceNotifyConfig({}, { path: 'g.json', text: '{"smtp": {"host": "h", "password": "pw"}}' });
      } catch (e) {
        return e as PalisadeError;
      }
    })();
    expect(secret?.code).toBe('SecretInConfigFile');
    expect(secret?.location).toEqual({ file: 'g.json', path: '$.smtp.password' });
    expect(() => governanceNotifyConfig({ PALISADE_SMTP_HOST: 'h', PALISADE_SMTP_PORT: '99999' })).toThrow(/not a port/);
    expect(() => governanceNotifyConfig({}, { path: 'g.json', text: '{"managers": {"ana@contoso.com": "nobody"}}' })).toThrow(PalisadeError);
    expect(() => governanceNotifyConfig({}, { path: 'g.json', text: '{"smtp": ' })).toThrow(/not valid JSON/);
    expect(() => governanceNotifyConfig({ PALISADE_GOVERNANCE_WEBHOOK_URL: 'ftp://x' })).toThrow(/not an http/);
  });

  it('fails fast when the SMTP server and the webhook are down, records nothing, and keeps secrets out of the errors', async () => {
    await clearGovernance();
    await putGovernanceRule(store, `subscriptions/${S1}`, 'two-owners', rule(1, 'owner', ALL));
    const tags: Record<string, Record<string, string>> = { [ST]: { owner: 'ana@contoso.com' }, [VM]: { owner: 'bo@contoso.com' } };
    const resources = (id: string) => (tags[id] ? { id, type: 'x', tags: tags[id] } : undefined);
    const { assignments } = await refreshGovernance(store, { assessments: [assessment(ST, 'a', 'High'), assessment(VM, 'b', 'High')], now: T0, resources, hierarchy });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const config = governanceNotifyConfig({
      PALISADE_SMTP_HOST: '127.0.0.1',
      PALISADE_SMTP_PORT: String(port),
      PALISADE_SMTP_USER: 'u',
      PALISADE_SMTP_PASSWORD: 'pw-down-4471',
      PALISADE_GOVERNANCE_WEBHOOK_URL: `http://127.0.0.1:${port}/hook?sig=tok-down-9924`,
    });
    const started = Date.now();
    const result = await sendGovernanceNotifications(store, { records: assignments, now: T0, config, resources });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.outcomes.map((o) => `${o.recipient} ${o.channel} ${o.status}`)).toEqual([
      'ana@contoso.com email failed',
      'ana@contoso.com webhook failed',
      'bo@contoso.com email failed',
      'bo@contoso.com webhook failed',
    ]);
    expect(result.outcomes[2].error).toMatch(/^not tried: the SMTP server failed earlier in this run/);
    expect(result.outcomes[3].error).toMatch(/^not tried: the webhook failed earlier in this run/);
    const text = JSON.stringify(result);
    expect(text).not.toContain('pw-down-4471');
    expect(text).not.toContain('tok-down-9924');
    expect(await store.listDocuments('governance-notifications')).toEqual([]);
  });

  it('numbers ISO weeks (Monday start; week 1 holds the first Thursday)', () => {
    expect(governanceWeek(new Date('2026-09-01T00:00:00Z'))).toBe('2026-W36');
    expect(governanceWeek(new Date('2026-09-06T23:59:59Z'))).toBe('2026-W36');
    expect(governanceWeek(new Date('2026-09-07T00:00:00Z'))).toBe('2026-W37');
    expect(governanceWeek(new Date('2021-01-03T12:00:00Z'))).toBe('2020-W53');
    expect(governanceWeek(new Date('2024-12-30T12:00:00Z'))).toBe('2025-W01');
  });
});

describe('CLI arguments', () => {
  const cli = (...args: string[]) => runCli([...args, '--store', storePath], { PALISADE_NOW: T0.toISOString() });

  it('reports coded errors with the right exit codes', async () => {
    const several = await cli('security', 'governance-rule', 'create', '-n', 'x', '--display-name', 'x', '--rule-priority', '1', '--owner-source-type', 'ByTag', '--owner-source-value', 'owner', '--condition-sets', JSON.stringify([{ conditions: HIGH }]));
    expect(several.code).toBe(2);
    expect(several.stderr).toContain('SubscriptionRequired');
    const timeframe = await cli('security', 'governance-rule', 'create', '--subscription', S1, '-n', 'x', '--display-name', 'x', '--rule-priority', '1', '--remediation-timeframe', '10', '--owner-source-type', 'ByTag', '--owner-source-value', 'owner', '--condition-sets', JSON.stringify([{ conditions: HIGH }]));
    expect(timeframe.code).toBe(1);
    expect(timeframe.stderr).toContain('ERROR: (InvalidRemediationTimeframe)');
    expect(timeframe.stderr).toContain('$.properties.remediationTimeframe');
    const badBool = await cli('security', 'governance-rule', 'create', '--subscription', S1, '-n', 'x', '--is-grace-period', 'maybe');
    expect(badBool.code).toBe(2);
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"properties": ');
    const broken = await cli('security', 'governance-rule', 'create', '--subscription', S1, '-n', 'x', '--file', file);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('broken.json');
    const missing = await cli('security', 'governance-rule', 'show', '-n', 'nothing-here');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('GovernanceRuleNotFound');
    expect((await cli('security', 'governance-rule', 'delete', '-n', 'nothing-here')).code).toBe(0);
    const status = await cli('security', 'governance-assignment', 'list', '--status', 'Late');
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('InvalidGovernanceStatus');
    const unconfigured = await cli('security', 'governance-assignment', 'notify');
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toContain('GovernanceNotificationsNotConfigured');
  });

  it('creates, shows and deletes a rule', async () => {
    await clearGovernance();
    const created = await cli('security', 'governance-rule', 'create', '--subscription', S1, '-n', 'cli-rule', '--display-name', 'CLI', '--rule-priority', '3', '--remediation-timeframe', '90d', '--owner-source-type', 'Manually', '--owner-source-value', 'ana@contoso.com', '--condition-sets', JSON.stringify([{ conditions: HIGH }]), '--query', 'properties.remediationTimeframe', '-o', 'tsv');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe('90.00:00:00\n');
    expect((await cli('security', 'governance-rule', 'show', '-n', 'cli-rule', '--query', 'name', '-o', 'tsv')).stdout).toBe('cli-rule\n');
    expect((await cli('security', 'governance-rule', 'delete', '-n', 'cli-rule')).code).toBe(0);
    expect((await cli('security', 'governance-rule', 'list', '--query', 'length(value)', '-o', 'tsv')).stdout).toBe('0\n');
  });
});
