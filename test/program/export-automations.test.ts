/**
 * Automations (Microsoft.Security/automations): CRUD through the service API on a real SQLite store, every validation
 * error with its code and JSON path, the write-only secrets, rule evaluation over REST shapes, and the
 * `palisade security automation ...` commands.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileRuleSets,
  deleteAutomation,
  getAutomation,
  getStoredAutomation,
  listAutomations,
  parsePropertyPath,
  putAutomation,
  validateAutomation,
  type AutomationRuleSet,
} from '../../src/program/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { runCli } from '../cli/helpers.js';

const SUB = 'a5caac9c-5c04-49af-b3d0-e204f40345d5';
const OTHER = 'e54a4a18-5b94-4f90-9471-bd3decad8a2e';
const WS = `/subscriptions/${SUB}/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/la1`;
const HUB = `/subscriptions/${SUB}/resourceGroups/rg-sec/providers/Microsoft.EventHub/namespaces/ns1/eventhubs/hub1`;

/** The swagger example PutAutomationHighSeverityAssessments (2023-12-01-preview), with our subscription. */
function exampleBody(): Record<string, any> {
  return {
    location: 'Central US',
    etag: 'etag value (must be supplied for update)',
    tags: {},
    properties: {
      description: 'An example of a security automation that triggers one LogicApp resource (myTest1) on any high severity security assessment',
      isEnabled: true,
      scopes: [{ description: 'assessments of myResourceGroup', scopePath: `/subscriptions/${SUB}/resourceGroups/myResourceGroup` }],
      sources: [{ eventSource: 'Assessments', ruleSets: [{ rules: [{ propertyJPath: 'properties.metadata.severity', propertyType: 'String', expectedValue: 'High', operator: 'Equals' }] }] }],
      actions: [{ logicAppResourceId: `/subscriptions/${OTHER}/resourceGroups/sample/providers/Microsoft.Logic/workflows/MyTest1`, actionType: 'LogicApp', uri: 'https://exampleTriggerUri1.com/trigger?sig=TOPSECRET' }],
    },
  };
}

function body(properties: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    location: 'eastus',
    ...extra,
    properties: {
      scopes: [{ scopePath: `/subscriptions/${SUB}` }],
      sources: [{ eventSource: 'Assessments' }],
      actions: [{ actionType: 'Workspace', workspaceResourceId: WS }],
      ...properties,
    },
  };
}

/** The issues of an invalid body as [code, JSON path]. */
function issues(b: unknown, name = 'a1'): Array<[string, string]> {
  const v = validateAutomation(SUB, 'rg-sec', name, b);
  return v.issues.map((i) => [i.code, '$' + i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')]);
}

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-automations-'));
  store = await openStore(join(dir, 'p.db'));
});

afterAll(async () => {
  await store?.close();
});

describe('automations: create, read, update, list, delete', () => {
  it('the swagger example is stored and returned in the ARM shape without the write-only uri', async () => {
    const { resource, created } = await putAutomation(store, SUB, 'exampleResourceGroup', 'exampleAutomation', exampleBody(), { now: new Date('2026-09-01T00:00:00Z') });
    expect(created).toBe(true);
    expect(resource).toMatchObject({
      id: `/subscriptions/${SUB}/resourceGroups/exampleResourceGroup/providers/Microsoft.Security/automations/exampleAutomation`,
      name: 'exampleAutomation',
      type: 'Microsoft.Security/automations',
      location: 'Central US',
      tags: {},
      properties: {
        isEnabled: true,
        sources: exampleBody().properties.sources,
        actions: [{ actionType: 'LogicApp', logicAppResourceId: exampleBody().properties.actions[0].logicAppResourceId }],
      },
    });
    expect(resource.etag).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(JSON.stringify(resource)).not.toContain('TOPSECRET');
    expect(JSON.stringify(resource)).not.toContain('exampleTriggerUri1');
    // The store keeps the uri for delivery.
    const stored = await getStoredAutomation(store, SUB, 'exampleresourcegroup', 'EXAMPLEAUTOMATION');
    expect(stored?.properties.actions[0]).toMatchObject({ uri: 'https://exampleTriggerUri1.com/trigger?sig=TOPSECRET' });
    expect(await getAutomation(store, SUB, 'exampleResourceGroup', 'exampleAutomation')).toEqual(resource);
  });

  it('a PUT of an existing automation updates it (created false, new etag, createdAt kept); If-Match is checked', async () => {
    const before = await getStoredAutomation(store, SUB, 'exampleResourceGroup', 'exampleAutomation');
    const changed = exampleBody();
    changed.properties.isEnabled = false;
    changed.tags = { owner: 'secops' };
    const { resource, created } = await putAutomation(store, SUB, 'exampleResourceGroup', 'exampleAutomation', changed, { now: new Date('2026-09-02T00:00:00Z'), ifMatch: before!.etag });
    expect(created).toBe(false);
    expect(resource.properties.isEnabled).toBe(false);
    expect(resource.tags).toEqual({ owner: 'secops' });
    expect(resource.etag).not.toBe(before!.etag);
    const after = await getStoredAutomation(store, SUB, 'exampleResourceGroup', 'exampleAutomation');
    expect(after).toMatchObject({ createdAt: '2026-09-01T00:00:00.000Z', updatedAt: '2026-09-02T00:00:00.000Z' });
    await expect(putAutomation(store, SUB, 'exampleResourceGroup', 'exampleAutomation', changed, { ifMatch: '"stale"' })).rejects.toMatchObject({ code: 'PreconditionFailed', kind: 'conflict' });
  });

  it('EventHub actions: connectionString is never returned; sasPolicyName is read from it; LogAnalytics is read as Workspace', async () => {
    const b = body({
      sources: [{ eventSource: 'SecureScores' }, { eventSource: 'SecureScoreControls' }],
      actions: [
        { actionType: 'EventHub', eventHubResourceId: HUB, connectionString: 'Endpoint=nats://127.0.0.1:4222/;SharedAccessKeyName=exporter;SharedAccessKey=S3CRET;EntityPath=palisade.export.scores' },
        { actionType: 'LogAnalytics', workspaceResourceId: WS },
      ],
    });
    const { resource } = await putAutomation(store, SUB, 'rg-sec', 'scores', b);
    expect(resource.properties.actions).toEqual([
      { actionType: 'EventHub', eventHubResourceId: HUB, sasPolicyName: 'exporter' },
      { actionType: 'Workspace', workspaceResourceId: WS },
    ]);
    expect(JSON.stringify(resource)).not.toContain('S3CRET');
  });

  it('lists by subscription and resource group, in id order; deletes (and says whether it existed)', async () => {
    await putAutomation(store, OTHER, 'rg-x', 'elsewhere', { ...body({}), properties: { ...(body({}).properties as object), scopes: [{ scopePath: `/subscriptions/${OTHER}` }], actions: [{ actionType: 'Workspace', workspaceResourceId: WS }] } });
    expect((await listAutomations(store, { subscriptionId: SUB })).map((a) => a.name)).toEqual(['exampleAutomation', 'scores']);
    expect((await listAutomations(store, { subscriptionId: SUB.toUpperCase(), resourceGroup: 'RG-SEC' })).map((a) => a.name)).toEqual(['scores']);
    expect((await listAutomations(store, { subscriptionId: OTHER })).map((a) => a.name)).toEqual(['elsewhere']);
    expect(await deleteAutomation(store, OTHER, 'rg-x', 'elsewhere')).toBe(true);
    expect(await deleteAutomation(store, OTHER, 'rg-x', 'elsewhere')).toBe(false);
    expect(await getAutomation(store, OTHER, 'rg-x', 'elsewhere')).toBeUndefined();
  });

  it('a bad body is AutomationInvalid listing every problem with its JSON path; nothing is stored', async () => {
    const error = await putAutomation(store, SUB, 'rg-sec', 'broken', body({ sources: [{ eventSource: 'Recommendations' }], actions: [{ actionType: 'Workspace' }] })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AutomationInvalid', kind: 'validation', target: 'broken', location: { path: '$.properties.sources[0].eventSource' } });
    expect((error as Error).message).toContain('2 problems in automation \'broken\'');
    expect((error as Error).message).toContain('$.properties.sources[0].eventSource: unknown event source "Recommendations"');
    expect((error as Error).message).toContain('[AutomationWorkspaceIdRequired]');
    expect((error as { details: Array<{ code: string; target: string }> }).details.map((d) => [d.code, d.target])).toEqual([
      ['AutomationEventSourceUnknown', '$.properties.sources[0].eventSource'],
      ['AutomationWorkspaceIdRequired', '$.properties.actions[0].workspaceResourceId'],
    ]);
    expect(await getAutomation(store, SUB, 'rg-sec', 'broken')).toBeUndefined();
    await expect(putAutomation(store, 'not-a-guid', 'rg', 'x', body({}))).rejects.toMatchObject({ code: 'InvalidSubscriptionId' });
  });
});

describe('automation validation: codes and paths', () => {
  it('a valid body validates', () => {
    expect(validateAutomation(SUB, 'rg-sec', 'ok', exampleBody())).toEqual({ isValid: true, message: 'Validation Successful', issues: [] });
  });

  it.each<[string, unknown, Array<[string, string]>]>([
    ['not an object', [], [['AutomationBodyInvalid', '$']]],
    ['no location, no properties', {}, [['AutomationLocationRequired', '$.location'], ['AutomationPropertiesRequired', '$.properties']]],
    ['empty lists', body({ scopes: [], sources: [], actions: [] }), [['AutomationScopesRequired', '$.properties.scopes'], ['AutomationSourcesRequired', '$.properties.sources'], ['AutomationActionsRequired', '$.properties.actions']]],
    ['a scope in another subscription', body({ scopes: [{ scopePath: `/subscriptions/${OTHER}` }] }), [['AutomationScopeInvalid', '$.properties.scopes[0].scopePath']]],
    ['a scope that is a resource', body({ scopes: [{ scopePath: WS }] }), [['AutomationScopeInvalid', '$.properties.scopes[0].scopePath']]],
    ['unknown event source', body({ sources: [{ eventSource: 'Recommendations' }] }), [['AutomationEventSourceUnknown', '$.properties.sources[0].eventSource']]],
    ['a findings type without its parent', body({ sources: [{ eventSource: 'SecureScoreControls' }] }), [['AutomationSourceParentMissing', '$.properties.sources[0].eventSource']]],
    ['a source listed twice', body({ sources: [{ eventSource: 'Alerts' }, { eventSource: 'alerts' }] }), [['AutomationSourceDuplicate', '$.properties.sources[1].eventSource']]],
    [
      'bad operator and property type',
      body({ sources: [{ eventSource: 'Assessments', ruleSets: [{ rules: [{ propertyJPath: 'properties.status.code', propertyType: 'Text', expectedValue: 'x', operator: 'Like' }] }] }] }),
      [['AutomationPropertyTypeUnknown', '$.properties.sources[0].ruleSets[0].rules[0].propertyType'], ['AutomationOperatorUnknown', '$.properties.sources[0].ruleSets[0].rules[0].operator']],
    ],
    [
      'an operator that does not apply to the type',
      body({ sources: [{ eventSource: 'SecureScores', ruleSets: [{ rules: [{ propertyJPath: 'properties.score.current', propertyType: 'Number', expectedValue: '5', operator: 'Contains' }, { propertyJPath: 'properties.displayName', propertyType: 'String', expectedValue: 'a', operator: 'GreaterThan' }] }] }] }),
      [['AutomationOperatorNotApplicable', '$.properties.sources[0].ruleSets[0].rules[0].operator'], ['AutomationOperatorNotApplicable', '$.properties.sources[0].ruleSets[0].rules[1].operator']],
    ],
    [
      'an expected value of the wrong type, a bad path, a missing value',
      body({ sources: [{ eventSource: 'SecureScores', ruleSets: [{ rules: [{ propertyJPath: 'properties.weight', propertyType: 'Integer', expectedValue: '1.5', operator: 'Equals' }, { propertyJPath: 'properties..score', propertyType: 'Boolean', expectedValue: 'yes', operator: 'Equals' }, { propertyJPath: 'id', propertyType: 'String', operator: 'Equals' }] }] }] }),
      [
        ['AutomationExpectedValueInvalid', '$.properties.sources[0].ruleSets[0].rules[0].expectedValue'],
        ['AutomationRulePathInvalid', '$.properties.sources[0].ruleSets[0].rules[1].propertyJPath'],
        ['AutomationExpectedValueInvalid', '$.properties.sources[0].ruleSets[0].rules[1].expectedValue'],
        ['AutomationExpectedValueRequired', '$.properties.sources[0].ruleSets[0].rules[2].expectedValue'],
      ],
    ],
    ['unknown action type', body({ actions: [{ actionType: 'Email' }] }), [['AutomationActionTypeUnknown', '$.properties.actions[0].actionType']]],
    ['missing workspace id', body({ actions: [{ actionType: 'Workspace' }] }), [['AutomationWorkspaceIdRequired', '$.properties.actions[0].workspaceResourceId']]],
    ['a workspace id that is not a workspace', body({ actions: [{ actionType: 'Workspace', workspaceResourceId: HUB }] }), [['AutomationWorkspaceIdInvalid', '$.properties.actions[0].workspaceResourceId']]],
    ['a LogicApp without uri', body({ actions: [{ actionType: 'LogicApp' }] }), [['AutomationLogicAppUriRequired', '$.properties.actions[0].uri']]],
    ['a plain-http webhook to a public host', body({ actions: [{ actionType: 'LogicApp', uri: 'http://hooks.example.com/x' }] }), [['AutomationLogicAppUriInvalid', '$.properties.actions[0].uri']]],
    ['a non-http webhook', body({ actions: [{ actionType: 'LogicApp', uri: 'ftp://hooks.example.com/x' }] }), [['AutomationLogicAppUriInvalid', '$.properties.actions[0].uri']]],
    ['a webhook with credentials', body({ actions: [{ actionType: 'LogicApp', uri: 'https://u:p@hooks.example.com/x' }] }), [['AutomationLogicAppUriInvalid', '$.properties.actions[0].uri']]],
    ['an EventHub without its id', body({ actions: [{ actionType: 'EventHub' }] }), [['AutomationEventHubIdRequired', '$.properties.actions[0].eventHubResourceId']]],
    [
      'an EventHub whose endpoint is a real Event Hubs namespace',
      body({ actions: [{ actionType: 'EventHub', eventHubResourceId: HUB, connectionString: 'Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=abc' }] }),
      [['AutomationEventHubConnectionStringInvalid', '$.properties.actions[0].connectionString']],
    ],
    ['an EventHub subject with a wildcard', body({ actions: [{ actionType: 'EventHub', eventHubResourceId: HUB, connectionString: 'nats://127.0.0.1:4222?subject=palisade.*' }] }), [['AutomationEventHubConnectionStringInvalid', '$.properties.actions[0].connectionString']]],
  ])('%s', (_name, b, expected) => {
    expect(issues(b)).toEqual(expected);
  });

  it('allows http to loopback receivers (tests, local collectors), and no rule sets at all', () => {
    for (const uri of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]:9/x']) {
      expect(issues(body({ actions: [{ actionType: 'LogicApp', uri }] }))).toEqual([]);
    }
  });

  it('the validation message never contains the secrets it rejects', () => {
    const v = validateAutomation(SUB, 'rg', 'x', body({ actions: [{ actionType: 'EventHub', eventHubResourceId: HUB, connectionString: 'Endpoint=sb://ns1.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=TOPSECRET' }] }));
    expect(v.isValid).toBe(false);
    expect(v.message).not.toContain('TOPSECRET');
  });

  it('names and resource groups are checked', () => {
    expect(issues(body({}), 'bad/name')).toEqual([['AutomationNameInvalid', '$.name']]);
    expect(validateAutomation(SUB, 'rg with spaces', 'x', body({})).issues.map((i) => i.code)).toEqual(['AutomationResourceGroupInvalid']);
  });

  it('__proto__ keys in the body are dropped, never reaching a prototype', async () => {
    const b = JSON.parse(`{"location":"eastus","__proto__":{"polluted":1},"tags":{"__proto__":"x","a":"b"},"properties":{"scopes":[{"scopePath":"/subscriptions/${SUB}"}],"sources":[{"eventSource":"Alerts"}],"actions":[{"actionType":"Workspace","workspaceResourceId":"${WS}"}]}}`);
    const { resource } = await putAutomation(store, SUB, 'rg-sec', 'proto', b);
    expect(resource.tags).toEqual({ a: 'b' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('rule evaluation over REST shapes', () => {
  const assessment = (severity: string, code: string) => ({
    id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1/providers/Microsoft.Security/assessments/k1',
    properties: { status: { code }, metadata: { severity, categories: ['Data'] }, resourceDetails: { Id: '/subscriptions/s/.../st1' }, additionalData: {} },
  });
  const score = (current: number, weight: number) => ({ properties: { displayName: 'ASC score', score: { current, max: 27, percentage: current / 27 }, weight } });
  const rule = (propertyJPath: string, propertyType: string, operator: string, expectedValue: string) => ({ propertyJPath, propertyType, operator, expectedValue }) as AutomationRuleSet['rules'][number];

  it('String compares case-insensitively: Equals, NotEquals, Contains, StartsWith, EndsWith', () => {
    const high = assessment('High', 'Unhealthy');
    const m = (r: ReturnType<typeof rule>) => compileRuleSets([{ rules: [r] }])(high);
    expect(m(rule('properties.metadata.severity', 'String', 'Equals', 'high'))).toBe(true);
    expect(m(rule('$.properties.metadata.severity', 'String', 'NotEquals', 'HIGH'))).toBe(false);
    expect(m(rule('properties.status.code', 'String', 'Contains', 'HEALTH'))).toBe(true);
    expect(m(rule('id', 'String', 'StartsWith', '/SUBSCRIPTIONS/s/'))).toBe(true);
    expect(m(rule('id', 'String', 'EndsWith', '/assessments/K1'))).toBe(true);
    expect(m(rule('properties.metadata.categories[0]', 'String', 'Equals', 'data'))).toBe(true);
    expect(m(rule("properties['metadata'].severity", 'String', 'Equals', 'High'))).toBe(true);
  });

  it('numbers: Integer and Number with the ordering operators', () => {
    const s = score(11.05, 17);
    const m = (r: ReturnType<typeof rule>) => compileRuleSets([{ rules: [r] }])(s);
    expect(m(rule('properties.score.current', 'Number', 'GreaterThan', '11'))).toBe(true);
    expect(m(rule('properties.score.current', 'Number', 'LesserThan', '11.05'))).toBe(false);
    expect(m(rule('properties.score.current', 'Number', 'LesserThanOrEqualTo', '11.05'))).toBe(true);
    expect(m(rule('properties.weight', 'Integer', 'GreaterThanOrEqualTo', '17'))).toBe(true);
    expect(m(rule('properties.weight', 'Integer', 'Equals', '17'))).toBe(true);
    expect(m(rule('properties.score.current', 'Integer', 'Equals', '11'))).toBe(false); // 11.05 is not an Integer
  });

  it('Boolean; a missing property matches only NotEquals', () => {
    const a = { properties: { isIncident: true, status: 'Active' } };
    const m = (r: ReturnType<typeof rule>) => compileRuleSets([{ rules: [r] }])(a);
    expect(m(rule('properties.isIncident', 'Boolean', 'Equals', 'True'))).toBe(true);
    expect(m(rule('properties.isIncident', 'Boolean', 'NotEquals', 'true'))).toBe(false);
    expect(m(rule('properties.nothing', 'String', 'Equals', 'x'))).toBe(false);
    expect(m(rule('properties.nothing', 'String', 'NotEquals', 'x'))).toBe(true);
    expect(m(rule('properties.status.deeper', 'String', 'Equals', 'x'))).toBe(false);
  });

  it('rule sets are ORed, rules within a set ANDed; no rule sets match everything', () => {
    const sets: AutomationRuleSet[] = [
      { rules: [rule('properties.metadata.severity', 'String', 'Equals', 'High'), rule('properties.status.code', 'String', 'Equals', 'Unhealthy')] },
      { rules: [rule('properties.metadata.severity', 'String', 'Equals', 'Low')] },
    ];
    const match = compileRuleSets(sets);
    expect(match(assessment('High', 'Unhealthy'))).toBe(true);
    expect(match(assessment('High', 'Healthy'))).toBe(false);
    expect(match(assessment('Low', 'Healthy'))).toBe(true);
    expect(match(assessment('Medium', 'Unhealthy'))).toBe(false);
    expect(compileRuleSets(undefined)(assessment('Medium', 'Healthy'))).toBe(true);
    expect(compileRuleSets([{ rules: [] }])(assessment('Medium', 'Healthy'))).toBe(true);
  });

  it('property paths parse or say why not', () => {
    expect(parsePropertyPath("$.properties.assessments[2]['odd key'].x")).toEqual(['properties', 'assessments', 2, 'odd key', 'x']);
    expect(parsePropertyPath('a..b')).toMatch(/empty segment/);
    expect(parsePropertyPath('a[')).toMatch(/unclosed/);
    expect(parsePropertyPath('a.')).toMatch(/ends with/);
    expect(parsePropertyPath('')).toMatch(/empty/);
  });
});

describe('palisade security automation ...', () => {
  const ROOT = resolve(import.meta.dirname, '..', '..');
  const FIXTURE = join(ROOT, 'test', 'fixtures', 'estate-small');
  const S1 = '1e5c0a6b-3b0e-4b0c-9f6e-000000000001';
  let cliStore: string;
  const cli = (...args: string[]) => runCli([...args, '--store', cliStore, '--subscription', S1]);

  beforeAll(async () => {
    cliStore = join(dir, 'cli.db');
    expect((await runCli(['estate', 'import', '--from', FIXTURE, '--store', cliStore, '-o', 'none'])).code).toBe(0);
  });

  it('create prints the automation flattened like az, without the webhook uri; show, list, delete', async () => {
    const created = await cli(
      'security', 'automation', 'create', '-n', 'high-sev', '-g', 'rg-sec', '-l', 'westeurope',
      '--scopes', `[{"description":"all","scopePath":"/subscriptions/${S1}"}]`,
      '--sources', '[{"eventSource":"Assessments","ruleSets":[{"rules":[{"propertyJPath":"properties.metadata.severity","propertyType":"String","expectedValue":"High","operator":"Equals"}]}]}]',
      '--actions', '[{"actionType":"LogicApp","uri":"https://prod-01.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=TOPSECRET"}]',
      '--description', 'High severity to the SOC', '--tags', 'team=soc', 'env=prod',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).not.toContain('TOPSECRET');
    const a = JSON.parse(created.stdout);
    expect(a).toMatchObject({
      name: 'high-sev',
      resourceGroup: 'rg-sec',
      location: 'westeurope',
      description: 'High severity to the SOC',
      isEnabled: true,
      tags: { team: 'soc', env: 'prod' },
      actions: [{ actionType: 'LogicApp' }],
      type: 'Microsoft.Security/automations',
    });
    const shown = await cli('security', 'automation', 'show', '-n', 'high-sev', '-g', 'rg-sec');
    expect(JSON.parse(shown.stdout)).toEqual(a);
    const listed = await cli('security', 'automation', 'list', '--query', 'value[].name', '-o', 'tsv');
    expect(listed.stdout).toBe('high-sev\n');
    expect((await cli('security', 'automation', 'delete', '-n', 'high-sev', '-g', 'rg-sec')).code).toBe(0);
    const missing = await cli('security', 'automation', 'show', '-n', 'high-sev', '-g', 'rg-sec');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^ERROR: \(AutomationNotFound\)/);
  });

  it('--file takes an ARM body; the flags override its fields', async () => {
    const file = join(dir, 'automation.json');
    writeFileSync(file, JSON.stringify(body({ scopes: [{ scopePath: `/subscriptions/${S1}` }], actions: [{ actionType: 'Workspace', workspaceResourceId: `/subscriptions/${S1}/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/la1` }] })));
    const r = await cli('security', 'automation', 'create', '-n', 'from-file', '-g', 'rg-sec', '--file', file, '--isEnabled', 'false');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'from-file', location: 'eastus', isEnabled: false, sources: [{ eventSource: 'Assessments' }] });
  });

  it('an invalid body exits 1 with AutomationInvalid and each problem on its own line; validate prints the issues', async () => {
    const r = await cli('security', 'automation', 'create', '-n', 'bad', '-g', 'rg-sec', '-l', 'eastus', '--scopes', `[{"scopePath":"/subscriptions/${S1}"}]`, '--sources', '[{"eventSource":"Nope"}]', '--actions', '[{"actionType":"LogicApp","uri":"http://hooks.example.com/x?sig=TOPSECRET"}]');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("ERROR: (AutomationInvalid) 2 problems in automation 'bad':");
    expect(r.stderr).toContain('  $.properties.sources[0].eventSource: unknown event source "Nope"');
    expect(r.stderr).toContain('  $.properties.actions[0].uri: LogicApp: plain http is only allowed to a loopback address');
    expect(r.stderr).not.toContain('TOPSECRET');
    const v = await cli('security', 'automation', 'validate', '-n', 'bad', '-g', 'rg-sec', '-l', 'eastus', '--scopes', `[{"scopePath":"/subscriptions/${S1}"}]`, '--sources', '[{"eventSource":"Nope"}]', '--actions', '[{"actionType":"Workspace"}]');
    expect(v.code).toBe(1);
    const result = JSON.parse(v.stdout);
    expect(result.isValid).toBe(false);
    expect(result.issues.map((i: { code: string }) => i.code)).toEqual(['AutomationEventSourceUnknown', 'AutomationWorkspaceIdRequired']);
    const ok = await cli('security', 'automation', 'validate', '-n', 'good', '-g', 'rg-sec', '-l', 'eastus', '--scopes', `[{"scopePath":"/subscriptions/${S1}"}]`, '--sources', '[{"eventSource":"Alerts"}]', '--actions', '[{"actionType":"Workspace","workspaceResourceId":"/subscriptions/x/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w"}]');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ isValid: true, message: 'Validation Successful', issues: [] });
  });

  it('bad JSON in an argument is a coded error', async () => {
    const r = await cli('security', 'automation', 'create', '-n', 'j', '-g', 'rg-sec', '-l', 'eastus', '--scopes', '[{"scopePath": ');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: \(AutomationParseError\) --scopes:1: not valid JSON at line 1, column 16/);
  });
});
