/**
 * The real SDK clients against the server over plain HTTP (the bearer policy refuses http, so it is replaced by a
 * header policy, as the contract describes): @azure/arm-security 5.0.0 and @azure/arm-policy 7.0.1. Values equal
 * the CLI's for the same store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityCenter } from '@azure/arm-security';
import { PolicyClient } from '@azure/arm-policy';
import type { RunningServer } from '../../src/api/index.js';
import { cliJson, ownerServer, type Manifest } from './helpers.js';

let server: RunningServer;
let store: string;
let manifest: Manifest;
let sub: string;
let token: string;

const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600e3 }) };

function withToken<T extends { pipeline: { removePolicy(o: { name: string }): unknown; addPolicy(p: unknown, o?: unknown): unknown } }>(client: T): T {
  client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
  client.pipeline.addPolicy({ name: 'palisadeToken', sendRequest: (req: any, next: any) => { req.headers.set('authorization', `Bearer ${token}`); return next(req); } });
  return client;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** SDK models flatten `properties`; compare against the CLI wire item flattened the same way (keys the SDK maps). */
beforeAll(async () => {
  ({ store, manifest, sub, server, token } = await ownerServer('palisade-api-sdk-'));
}, 180_000);

afterAll(async () => {
  await server?.close();
});

describe('@azure/arm-security 5.0.0', () => {
  const client = () => withToken(new SecurityCenter(credential, sub, { endpoint: server.url, allowInsecureConnection: true } as any));

  it('pricings list / get / update (PUT → 200)', async () => {
    const c = client();
    const list = await c.pricings.list();
    const cli = await cliJson(store, 'security', 'pricing', 'list', '--subscription', sub);
    expect(list.value!.map((p) => [p.name, p.pricingTier])).toEqual(cli.value.map((p: any) => [p.name, p.pricingTier]));
    const vm = await c.pricings.get('VirtualMachines');
    expect(vm.pricingTier).toBe(cli.value.find((p: any) => p.name === 'VirtualMachines').pricingTier);
    const updated = await c.pricings.update('VirtualMachines', { pricingTier: 'Standard', subPlan: 'P2' } as any);
    expect(updated).toMatchObject({ name: 'VirtualMachines', pricingTier: 'Standard', subPlan: 'P2' });
    expect(await cliJson(store, 'security', 'pricing', 'show', '-n', 'VirtualMachines', '--subscription', sub)).toMatchObject({ pricingTier: 'Standard', subPlan: 'P2' });
  });

  it('secureScores list / get, controls with expand, control definitions', async () => {
    const c = client();
    const cli = await cliJson(store, 'security', 'secure-score', 'show', '--subscription', sub);
    const list = await collect(c.secureScores.list());
    expect(list).toHaveLength(1);
    const one = await c.secureScores.get('ascScore');
    expect(one).toMatchObject({ id: cli.id, name: 'ascScore', max: cli.properties.score.max, current: cli.properties.score.current, percentage: cli.properties.score.percentage, weight: cli.properties.weight });
    const controls = await collect(c.secureScoreControls.listBySecureScore('ascScore', { expand: 'definition' }));
    const cliControls = await cliJson(store, 'security', 'secure-score-controls', 'list', '--expand', 'definition', '--subscription', sub);
    expect(controls.map((x) => [x.name, x.current, x.max, x.healthyResourceCount, x.unhealthyResourceCount, x.definition?.maxScore])).toEqual(
      cliControls.value.map((x: any) => [x.name, x.properties.score.current, x.properties.score.max, x.properties.healthyResourceCount, x.properties.unhealthyResourceCount, x.properties.definition?.properties.maxScore]),
    );
    const defs = await collect(c.secureScoreControlDefinitions.list());
    expect(defs.length).toBe((await cliJson(store, 'security', 'secure-score-control-definitions', 'list')).value.length);
  });

  it('assessments.list follows nextLink over every page; assessments.get with a leading-slash id', async () => {
    const c = client();
    const all = await collect(c.assessments.list(`subscriptions/${sub}`));
    const cli = await cliJson(store, 'security', 'assessment', 'list', '--subscription', sub);
    expect(cli.value.length).toBeGreaterThan(100);
    expect(all.map((a) => a.id)).toEqual(cli.value.map((a: any) => a.id));
    expect(all.map((a) => a.status?.code)).toEqual(cli.value.map((a: any) => a.properties.status.code));
    const first = cli.value[0];
    const got = await c.assessments.get(first.properties.resourceDetails.Id, first.name, { expand: 'metadata' });
    expect(got.id).toBe(first.id);
    expect(got.metadata?.displayName).toBeDefined();
  });

  it('assessmentsMetadata.list equals the CLI', async () => {
    const c = client();
    const all = await collect(c.assessmentsMetadata.list());
    const cli = await cliJson(store, 'security', 'assessment-metadata', 'list');
    expect(all.map((m) => m.name)).toEqual(cli.value.map((m: any) => m.name));
    expect(all[0]).toMatchObject({ assessmentType: 'BuiltIn', severity: cli.value[0].properties.severity });
  });

  it('assessmentsMetadata.createInSubscription / getInSubscription; assessments.createOrUpdate / list / get / delete (customer-managed)', async () => {
    const c = client();
    const key = '5b4e3c2d-1a0f-4e9d-8c7b-6a5f4e3d2c1b';
    const meta = await c.assessmentsMetadata.createInSubscription(key, { displayName: 'Backups restored in the last quarter', severity: 'Medium', assessmentType: 'CustomerManaged', description: 'Our own check' } as any);
    expect(meta).toMatchObject({ name: key, displayName: 'Backups restored in the last quarter', assessmentType: 'CustomerManaged' });
    expect((await c.assessmentsMetadata.getInSubscription(key)).severity).toBe('Medium');
    await expect(c.assessmentsMetadata.createInSubscription('bad', { displayName: 'x', severity: 'Urgent', assessmentType: 'CustomerManaged' } as any)).rejects.toMatchObject({ statusCode: 400, code: 'InvalidInputJson' });
    const resource = `/subscriptions/${sub}`;
    const scoreBefore = await c.secureScores.get('ascScore');
    const put = await c.assessments.createOrUpdate(resource, key, { resourceDetails: { source: 'Azure' }, status: { code: 'Unhealthy', cause: 'NoRestoreTest', description: 'No restore test since June' }, additionalData: { owner: 'platform' } } as any);
    expect(put).toMatchObject({ name: key, displayName: 'Backups restored in the last quarter', status: { code: 'Unhealthy', cause: 'NoRestoreTest' } });
    const all = await collect(c.assessments.list(`subscriptions/${sub}`));
    expect(all.some((a) => a.name === key && a.status?.code === 'Unhealthy')).toBe(true);
    const cli = await cliJson(store, 'security', 'assessment', 'list', '--subscription', sub);
    expect(all.map((a) => a.id)).toEqual(cli.value.map((a: any) => a.id));
    const got = await c.assessments.get(resource, key, { expand: 'metadata' });
    expect(got.metadata).toMatchObject({ displayName: 'Backups restored in the last quarter', assessmentType: 'CustomerManaged' });
    // the secure score does not count customer-managed assessments
    expect(await c.secureScores.get('ascScore')).toEqual(scoreBefore);
    await c.assessments.delete(resource, key);
    await expect(c.assessments.get(resource, key)).rejects.toMatchObject({ statusCode: 404, code: 'AssessmentNotFound' });
    await c.assessmentsMetadata.deleteInSubscription(key);
    await expect(c.assessmentsMetadata.getInSubscription(key)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('automations createOrUpdate / get / list / listByResourceGroup / validate / delete (204)', async () => {
    const c = client();
    const workspace = `/subscriptions/${sub}/resourceGroups/security-ops/providers/Microsoft.OperationalInsights/workspaces/posture`;
    const body = {
      location: 'eastus',
      isEnabled: true,
      scopes: [{ description: 'the subscription', scopePath: `/subscriptions/${sub}` }],
      sources: [{ eventSource: 'Assessments', ruleSets: [{ rules: [{ propertyJPath: 'properties.metadata.severity', propertyType: 'String', expectedValue: 'High', operator: 'Equals' }] }] }, { eventSource: 'SecureScores' }],
      actions: [{ actionType: 'Workspace', workspaceResourceId: workspace }],
    };
    const created = await c.automations.createOrUpdate('security-ops', 'export-high', body as any);
    expect(created).toMatchObject({ name: 'export-high', isEnabled: true, location: 'eastus' });
    expect((await c.automations.get('security-ops', 'export-high')).sources?.map((x: any) => x.eventSource)).toEqual(['Assessments', 'SecureScores']);
    expect((await collect(c.automations.list())).map((a) => a.name)).toContain('export-high');
    expect((await collect(c.automations.listByResourceGroup('security-ops'))).map((a) => a.name)).toEqual(['export-high']);
    const cli = await cliJson(store, 'security', 'automation', 'show', '--name', 'export-high', '--resource-group', 'security-ops', '--subscription', sub);
    expect(cli).toMatchObject({ id: created.id });
    expect(await c.automations.validate('security-ops', 'export-high', body as any)).toMatchObject({ isValid: true });
    expect(await c.automations.validate('security-ops', 'export-high', { ...body, sources: [{ eventSource: 'Nope' }] } as any)).toMatchObject({ isValid: false });
    await c.automations.delete('security-ops', 'export-high');
    await expect(c.automations.get('security-ops', 'export-high')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('regulatoryComplianceStandards.list', async () => {
    const c = client();
    const std = await collect(c.regulatoryComplianceStandards.list());
    const cli = await cliJson(store, 'security', 'regulatory-compliance-standards', 'list', '--subscription', sub);
    expect(std.map((s) => [s.name, s.state, s.passedControls, s.failedControls])).toEqual(cli.value.map((s: any) => [s.name, s.properties.state, s.properties.passedControls, s.properties.failedControls]));
  });

  it('an SDK error carries the ARM code', async () => {
    const c = client();
    await expect(c.secureScores.get('nope')).rejects.toMatchObject({ statusCode: 404, code: 'SecureScoreNotFound' });
  });
});

describe('@azure/arm-policy 7.0.1 on Node 20', () => {
  it('policyAssignments create (201) / get / list (%24filter) / delete', async () => {
    const c = withToken(new PolicyClient(credential as any, sub, { endpoint: server.url, allowInsecureConnection: true } as any) as any);
    const scope = `/subscriptions/${sub}`;
    const created = await c.policyAssignments.create(scope, 'sdk-assignment', {
      policyDefinitionId: '/providers/Microsoft.Authorization/policyDefinitions/4fa4b6c0-31ca-4c0d-b10d-24b96f62a751',
      enforcementMode: 'DoNotEnforce',
      displayName: 'from the SDK',
    } as any);
    expect(created).toMatchObject({ name: 'sdk-assignment' });
    const got = await c.policyAssignments.get(scope, 'sdk-assignment');
    expect(got.id).toBe(`${scope}/providers/Microsoft.Authorization/policyAssignments/sdk-assignment`);
    const listed = await collect(c.policyAssignments.list({ filter: 'atScope()' }) as AsyncIterable<any>);
    const cli = await cliJson(store, 'policy', 'assignment', 'list', '--scope', scope, '--filter', 'atScope()');
    expect(listed.map((a) => a.id).sort()).toEqual(cli.map((a: any) => a.id).sort());
    expect(listed.some((a) => a.name === 'sdk-assignment')).toBe(true);
    const updated = await c.policyAssignments.update(scope, 'sdk-assignment', { resourceSelectors: [{ name: 'east-only', selectors: [{ kind: 'resourceLocation', in: ['eastus'] }] }] } as any);
    expect(updated.resourceSelectors).toEqual([{ name: 'east-only', selectors: [{ kind: 'resourceLocation', in: ['eastus'] }] }]);
    expect(updated).toMatchObject({ displayName: 'from the SDK', enforcementMode: 'DoNotEnforce' });
    expect(await cliJson(store, 'policy', 'assignment', 'show', '-n', 'sdk-assignment', '--scope', scope)).toMatchObject({ resourceSelectors: [{ name: 'east-only', selectors: [{ kind: 'resourceLocation', in: ['eastus'] }] }] });
    await c.policyAssignments.delete(scope, 'sdk-assignment');
    await expect(c.policyAssignments.get(scope, 'sdk-assignment')).rejects.toMatchObject({ statusCode: 404, code: 'PolicyAssignmentNotFound' });
    // listForResourceGroup: an assignment at a resource group, listed with those inherited from above
    const rg = (await cliJson<any[]>(store, 'resource', 'list', '--subscription', sub, '--query', '[0].resourceGroup'));
    const rgScope = `${scope}/resourceGroups/${rg}`;
    await c.policyAssignments.create(rgScope, 'sdk-rg-assignment', { policyDefinitionId: '/providers/Microsoft.Authorization/policyDefinitions/4fa4b6c0-31ca-4c0d-b10d-24b96f62a751', enforcementMode: 'DoNotEnforce' } as any);
    const inRg = await collect(c.policyAssignments.listForResourceGroup(String(rg)) as AsyncIterable<any>);
    const cliRg = await cliJson<any[]>(store, 'policy', 'assignment', 'list', '--scope', rgScope, '--disable-scope-strict-match');
    expect(inRg.map((a) => a.id).sort()).toEqual(cliRg.map((a) => a.id).sort());
    expect(inRg.some((a) => a.name === 'sdk-rg-assignment')).toBe(true);
    await c.policyAssignments.delete(rgScope, 'sdk-rg-assignment');
  });

  it('policyDefinitions createOrUpdate (201) / get / list / listBuiltIn / delete; policySetDefinitions createOrUpdate / get / list', async () => {
    const c = withToken(new PolicyClient(credential as any, sub, { endpoint: server.url, allowInsecureConnection: true } as any) as any);
    const rule = { if: { allOf: [{ field: 'type', equals: 'Microsoft.Storage/storageAccounts' }, { field: 'location', notIn: '[parameters(\'allowed\')]' }] }, then: { effect: 'audit' } };
    const def = await c.policyDefinitions.createOrUpdate('sdk-storage-location', {
      policyType: 'Custom',
      mode: 'Indexed',
      displayName: 'Storage accounts in allowed regions',
      policyRule: rule,
      parameters: { allowed: { type: 'Array', defaultValue: ['eastus'] } },
      metadata: { category: 'Storage' },
    } as any);
    expect(def).toMatchObject({ name: 'sdk-storage-location', policyType: 'Custom', mode: 'Indexed' });
    expect((await c.policyDefinitions.get('sdk-storage-location')).policyRule).toEqual(rule);
    const cliDef = await cliJson(store, 'policy', 'definition', 'show', '-n', 'sdk-storage-location', '--subscription', sub);
    expect(cliDef).toMatchObject({ id: def.id, displayName: 'Storage accounts in allowed regions' });
    const customs = await collect(c.policyDefinitions.list({ filter: "policyType eq 'Custom'" }) as AsyncIterable<any>);
    expect(customs.map((d) => d.name)).toContain('sdk-storage-location');
    const builtIns = await collect(c.policyDefinitions.listBuiltIn() as AsyncIterable<any>);
    expect(builtIns.length).toBe((await cliJson(store, 'policy', 'definition', 'list', '--filter', "policyType eq 'BuiltIn'")).length);
    await expect(c.policyDefinitions.createOrUpdate('sdk-bad', { policyRule: { if: { field: 'Microsoft.Storage/storageAccounts/noSuchProperty', equals: 1 }, then: { effect: 'audit' } }, mode: 'All' } as any)).rejects.toMatchObject({ statusCode: 400 });

    const set = await c.policySetDefinitions.createOrUpdate('sdk-set', {
      displayName: 'SDK initiative',
      policyDefinitions: [{ policyDefinitionId: def.id, parameters: { allowed: { value: ['westeurope'] } } }],
    } as any);
    expect(set.policyDefinitions[0]).toMatchObject({ policyDefinitionId: def.id, policyDefinitionReferenceId: 'sdk-storage-location' });
    expect((await c.policySetDefinitions.get('sdk-set')).displayName).toBe('SDK initiative');
    expect((await collect(c.policySetDefinitions.list() as AsyncIterable<any>)).some((x) => x.name === 'sdk-set')).toBe(true);
    // a definition a set still references cannot be deleted (as ARM answers)
    await expect(c.policyDefinitions.delete('sdk-storage-location')).rejects.toMatchObject({ statusCode: 400, code: 'InvalidDeletePolicyDefinitionRequest' });
    await c.policySetDefinitions.delete('sdk-set');
    await c.policyDefinitions.delete('sdk-storage-location');
    await expect(c.policyDefinitions.get('sdk-storage-location')).rejects.toMatchObject({ statusCode: 404, code: 'PolicyDefinitionNotFound' });
  });
});
