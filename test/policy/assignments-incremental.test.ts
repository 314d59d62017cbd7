/**
 * Incremental evaluation must equal a full scan, and re-evaluating one changed resource must be cheap, on the
 * sample estate (generated here) with its own assignments and exemptions (the MCSB initiative at the root).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/index.js';
import { generateSample, loadEstate, type ManagementGroupTree } from '../../src/estate/index.js';
import { PolicyScanner, definitionsFromList, summarizeStates, type ArmResource, type PolicyAssignment, type PolicyExemption } from '../../src/policy/index.js';
import { PUBLIC_ACCESS, SECURE_TRANSFER, assignment, hasData, loadAliases, loadBuiltins } from './cases/assignments/fixture.js';

const RESOURCES = Number(process.env.PALISADE_INCREMENTAL_RESOURCES ?? 20_000);

interface Estate {
  resources: ArmResource[];
  assignments: PolicyAssignment[];
  exemptions: PolicyExemption[];
  definitions: unknown[];
  tree: ManagementGroupTree;
  baseTime: string;
}

let dir: string;
let estate: Estate;

beforeAll(async () => {
  if (!hasData) return;
  dir = mkdtempSync(join(tmpdir(), 'palisade-incremental-'));
  const manifest = await generateSample({ outDir: dir, subscriptions: 30, resources: RESOURCES, seed: 'incremental' });
  const load = await loadEstate([dir]);
  const resources: ArmResource[] = [];
  const assignments: PolicyAssignment[] = [];
  const exemptions: PolicyExemption[] = [];
  const definitions: unknown[] = [];
  for await (const batch of load.batches()) {
    for (const rec of batch) {
      const t = rec.row.type.toLowerCase();
      if (t === 'microsoft.authorization/policyassignments') assignments.push(rec.row as unknown as PolicyAssignment);
      else if (t === 'microsoft.authorization/policyexemptions') exemptions.push(rec.row as unknown as PolicyExemption);
      else if (t === 'microsoft.authorization/policydefinitions' || t === 'microsoft.authorization/policysetdefinitions') definitions.push(rec.row);
      else resources.push(rec.row as ArmResource);
    }
  }
  estate = { resources, assignments, exemptions, definitions, tree: load.tree, baseTime: manifest.baseTime };
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Extras {
  assignments?: PolicyAssignment[];
  exemptions?: PolicyExemption[];
  definitions?: unknown[];
  shareScopes?: boolean;
  shortcuts?: boolean;
}

function scanner(resources: Iterable<ArmResource>, extras: Extras = {}): PolicyScanner {
  return new PolicyScanner({
    resources,
    assignments: [...estate.assignments, ...(extras.assignments ?? [])],
    exemptions: [...estate.exemptions, ...(extras.exemptions ?? [])],
    definitions: definitionsFromList([...loadBuiltins(), ...estate.definitions, ...(extras.definitions ?? [])]),
    aliases: loadAliases(),
    hierarchy: estate.tree,
    clock: fixedClock(estate.baseTime),
    shareScopes: extras.shareScopes,
    shortcuts: extras.shortcuts,
  });
}

const ROOT = '/providers/Microsoft.Management/managementGroups/contoso-root';
/** A definition that reads `resourceGroup()`: storage accounts whose environment tag differs from their resource group's. */
const RG_TAG_DEFINITION = {
  id: `${ROOT}/providers/Microsoft.Authorization/policyDefinitions/rg-environment-tag`,
  name: 'rg-environment-tag',
  type: 'Microsoft.Authorization/policyDefinitions',
  properties: {
    mode: 'Indexed',
    displayName: 'Storage accounts carry their resource group environment tag',
    policyRule: {
      if: { allOf: [{ field: 'type', equals: 'Microsoft.Storage/storageAccounts' }, { field: "tags['environment']", notEquals: "[resourceGroup().tags['environment']]" }] },
      then: { effect: 'audit' },
    },
  },
};
const SQL_ASSESSMENT = '82e20e14-edc5-4373-bfc4-f13121257c37';
/** Read by a definition whose `if` is the virtual-machine type alone (decided per type while absent). */
const VM_ASSESSMENT = '805651bc-6ecd-4c73-9b55-97a19d0582d0';

/**
 * Assignments and exemptions at every kind of scope the shared (per resource group) scope decisions must get right:
 * a resource group with a notScope on one of its resources, a subscription with resourceSelectors, a resource, an
 * exemption on one resource, plus the resourceGroup()-reading definition at the root.
 */
function scopedExtras(resources: ArmResource[]): Extras {
  const storage = resources.filter((r) => r.type.toLowerCase() === 'microsoft.storage/storageaccounts').sort((a, b) => (a.id < b.id ? -1 : 1));
  const [first] = storage;
  const rgId = first.id.split('/providers/')[0];
  const sameRg = storage.filter((r) => r.id.startsWith(`${rgId}/`));
  const subId = rgId.split('/resourceGroups/')[0];
  const rgAssignment = assignment('rg-public-access', rgId, PUBLIC_ACCESS, { notScopes: [sameRg[0].id] });
  const exemptions: PolicyExemption[] = sameRg.slice(1, 2).map((r) => ({
    id: `${r.id}/providers/Microsoft.Authorization/policyExemptions/one-account`,
    name: 'one-account',
    properties: { policyAssignmentId: rgAssignment.id, exemptionCategory: 'Waiver' },
  }));
  return {
    assignments: [
      rgAssignment,
      assignment('sub-secure-transfer', subId, SECURE_TRANSFER, { resourceSelectors: [{ name: 'eu', selectors: [{ kind: 'resourceLocation', in: ['westeurope', 'northeurope'] }] }] }),
      assignment('one-resource', storage[storage.length - 1].id, SECURE_TRANSFER),
      assignment('rg-environment-tag', ROOT, RG_TAG_DEFINITION.id),
    ],
    exemptions,
    definitions: [RG_TAG_DEFINITION],
  };
}

/** A deterministic sequence of edits: property flips, tag edits, new child / extension resources, deletions. */
function* edits(s: PolicyScanner, n: number): Generator<{ id: string; resource: ArmResource | null }> {
  const all = [...s.index.resources()].filter((r) => !/^microsoft\.(management|resources)\//i.test(r.type)).sort((a, b) => (a.id < b.id ? -1 : 1));
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < n; i++) {
    const r = all[next() % all.length];
    const kind = i % 6;
    if (kind === 5) {
      yield { id: r.id, resource: null };
      continue;
    }
    const copy = JSON.parse(JSON.stringify(s.index.get(r.id) ?? r)) as ArmResource;
    const props = (copy.properties ?? (copy.properties = {})) as Record<string, unknown>;
    if (kind === 0) props.allowBlobPublicAccess = !(props.allowBlobPublicAccess === true);
    else if (kind === 1) copy.tags = { ...(copy.tags ?? {}), owner: `team-${i}` };
    else if (kind === 2) props.publicNetworkAccess = props.publicNetworkAccess === 'Disabled' ? 'Enabled' : 'Disabled';
    else if (kind === 3) {
      const child: ArmResource = { id: `${r.id}/providers/Microsoft.Insights/diagnosticSettings/edit${i}`, type: 'Microsoft.Insights/diagnosticSettings', name: `edit${i}`, properties: { logs: [{ categoryGroup: 'allLogs', enabled: true }], workspaceId: '/subscriptions/x/resourceGroups/y/providers/Microsoft.OperationalInsights/workspaces/z' } };
      yield { id: child.id, resource: child };
      continue;
    } else if (kind === 4 && r.type.toLowerCase() === 'microsoft.sql/servers') {
      const child: ArmResource = { id: `${r.id}/auditingSettings/default`, type: 'Microsoft.Sql/servers/auditingSettings', name: 'default', properties: { state: 'Enabled', retentionDays: 120 } };
      yield { id: child.id, resource: child };
      continue;
    } else props.minimumTlsVersion = 'TLS1_0';
    yield { id: copy.id, resource: copy };
  }
}

describe.skipIf(!hasData)('incremental policy evaluation on the sample estate', () => {
  it('equals a full scan after a sequence of edits, and re-evaluates one resource in about a millisecond', () => {
    const s = scanner(estate.resources);
    const t0 = performance.now();
    const full = s.scan();
    const fullMs = performance.now() - t0;
    expect(full.states.length).toBeGreaterThan(1000);
    expect(full.compileErrors).toEqual([]);

    const times: number[] = [];
    for (const e of edits(s, 300)) {
      const t = performance.now();
      s.reevaluateResource(e.id, e.resource);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)];
    const p95 = times[Math.floor(times.length * 0.95)];

    const fresh = scanner([...s.index.resources()]).scan();
    const incremental = s.result();
    expect(incremental.states.length).toBe(fresh.states.length);
    expect(incremental.states).toEqual(fresh.states);
    expect(incremental.notEvaluated).toEqual(fresh.notEvaluated);
    expect(incremental.summary).toEqual(fresh.summary);

    console.log(
      `sample estate: ${s.index.size} rows, ${estate.assignments.length} assignments, ${full.states.length} states, ` +
        `${full.metrics.evaluations} evaluations; full scan ${fullMs.toFixed(0)} ms, evaluating ${full.metrics.evaluateMillis} ms (${Math.round(full.metrics.evaluations / (Math.max(1, full.metrics.evaluateMillis) / 1000))} evaluations/s); ` +
        `reevaluateResource median ${median.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms; notEvaluated ${JSON.stringify(full.notEvaluated)}`,
    );
    expect(median).toBeLessThan(1);
  }, 300_000);
});

describe.skipIf(!hasData)('scan shortcuts equal the plain computation on the sample estate', () => {
  it('decides scopes, notScopes, selectors and exemptions per resource group, and type-decided assessments, exactly as per resource', () => {
    const extras = scopedExtras(estate.resources);
    const shared = scanner(estate.resources, extras).scan();
    const plain = scanner(estate.resources, { ...extras, shareScopes: false, shortcuts: false }).scan();
    // Assessment-reading definitions decided once per type (no assessment of their name in the estate).
    expect(shared.metrics.typeDecided).toBeGreaterThan(0);
    expect(plain.metrics.typeDecided).toBe(0);
    expect(shared.metrics.evaluations).toBe(plain.metrics.evaluations);
    expect(shared.states.length).toBe(plain.states.length);
    expect(shared.states).toEqual(plain.states);
    expect(shared.summary).toEqual(plain.summary);
    expect(shared.notEvaluated).toEqual(plain.notEvaluated);
    const names = new Set(shared.states.map((s) => s.policyAssignmentName));
    for (const n of ['rg-public-access', 'sub-secure-transfer', 'one-resource', 'rg-environment-tag']) expect(names).toContain(n);
    expect(shared.states.some((s) => s.complianceState === 'Exempt' && s.policyAssignmentName === 'rg-public-access')).toBe(true);
  });

  it('summarises from the stored outcomes exactly as summarizeStates does from the records', () => {
    const s = scanner(estate.resources, scopedExtras(estate.resources));
    const result = s.scan();
    expect(result.summary).toEqual(summarizeStates(result.states, { hierarchy: estate.tree }));
    const counts: Record<string, number> = {};
    for (const st of result.states) counts[st.complianceState] = (counts[st.complianceState] ?? 0) + 1;
    expect(result.stateCounts).toEqual(counts);
    const someRg = result.states.find((st) => st.resourceGroup !== '')!;
    const scopes = [
      '/providers/Microsoft.Management/managementGroups/sandbox',
      `/subscriptions/${someRg.subscriptionId}`,
      `/subscriptions/${someRg.subscriptionId}/resourceGroups/${someRg.resourceGroup}`,
      someRg.resourceId,
    ];
    for (const scope of scopes) expect(s.summary({ scope })).toEqual(summarizeStates(result.states, { hierarchy: estate.tree, scope }));
    const mcsb = result.states.find((st) => st.policySetDefinitionId !== '' && st.complianceState === 'NonCompliant')!;
    const where = { policyAssignmentId: mcsb.policyAssignmentId.toUpperCase(), policyDefinitionReferenceId: mcsb.policyDefinitionReferenceId, complianceState: 'NonCompliant' as const };
    const listed = s.states(where);
    expect(listed.length).toBeGreaterThan(0);
    expect(listed).toEqual(result.states.filter((st) => st.policyAssignmentId === mcsb.policyAssignmentId && st.policyDefinitionReferenceId === mcsb.policyDefinitionReferenceId && st.complianceState === 'NonCompliant'));
    expect(s.states({ complianceState: 'Exempt' })).toEqual(result.states.filter((st) => st.complianceState === 'Exempt'));
    const ids = [estate.assignments[0].id];
    expect(s.summary({ policyAssignmentIds: ids })).toEqual(summarizeStates(result.states, { hierarchy: estate.tree, policyAssignmentIds: ids }));
  });

  it('stays equal to a full scan when resources move between resource groups, containers change and assessments appear', () => {
    const extras = scopedExtras(estate.resources);
    const s = scanner(estate.resources, extras);
    s.scan();
    const sorted = [...s.index.resources()].sort((a, b) => (a.id < b.id ? -1 : 1));
    const storage = sorted.filter((r) => r.type.toLowerCase() === 'microsoft.storage/storageaccounts');
    const rgs = sorted.filter((r) => r.type.toLowerCase() === 'microsoft.resources/subscriptions/resourcegroups');
    const subs = sorted.filter((r) => r.type.toLowerCase() === 'microsoft.resources/subscriptions');
    const sql = sorted.find((r) => r.type.toLowerCase() === 'microsoft.sql/servers')!;
    const copy = (r: ArmResource) => JSON.parse(JSON.stringify(r)) as ArmResource;
    // Move storage accounts into another resource group (delete + create under the new id).
    for (const [i, r] of storage.slice(0, 5).entries()) {
      const target = rgs[(i * 7 + 3) % rgs.length];
      const moved = copy(r);
      moved.id = `${target.id}/providers/Microsoft.Storage/storageAccounts/${r.name}`;
      moved.subscriptionId = target.subscriptionId;
      moved.resourceGroup = target.resourceGroup;
      s.reevaluateResource(r.id, null);
      s.reevaluateResource(moved.id, moved);
    }
    // Resource group and subscription rows change (resourceGroup() readers and the shared container objects).
    for (const rg of rgs.slice(0, 20)) {
      const c = copy(rg);
      c.tags = { ...(c.tags ?? {}), environment: 'changed' };
      s.reevaluateResource(c.id, c);
    }
    const sub = copy(subs[0]);
    (sub.properties as Record<string, unknown>).displayName = 'renamed';
    s.reevaluateResource(sub.id, sub);
    // A resource group disappears (its resources stay: scans read the container as absent).
    s.reevaluateResource(rgs[rgs.length - 1].id, null);
    // An assessment of a name no definition found before appears, then a second one, then the first goes.
    const assessment = (n: number): ArmResource => ({ id: `${sql.id}/providers/Microsoft.Security/assessments/${SQL_ASSESSMENT}`.replace(SQL_ASSESSMENT, n === 0 ? SQL_ASSESSMENT : `${SQL_ASSESSMENT}-${n}`), type: 'Microsoft.Security/assessments', name: n === 0 ? SQL_ASSESSMENT : `${SQL_ASSESSMENT}-${n}`, properties: { status: { code: 'Unhealthy' } } });
    s.reevaluateResource(assessment(0).id, assessment(0));
    const withAssessment = s.result();
    const fresh1 = scanner([...s.index.resources()], extras).scan();
    expect(withAssessment.states).toEqual(fresh1.states);
    expect(withAssessment.notEvaluated).toEqual(fresh1.notEvaluated);
    s.reevaluateResource(assessment(1).id, assessment(1));
    s.reevaluateResource(assessment(0).id, null);
    s.reevaluateResource(assessment(1).id, null);
    // An assessment a type-decided definition reads (`if` on the VM type only) appears on one VM: every VM is
    // looked up again, and that one evaluates from its assessment.
    const vm = sorted.find((r) => r.type.toLowerCase() === 'microsoft.compute/virtualmachines')!;
    const vmAssessment: ArmResource = { id: `${vm.id}/providers/Microsoft.Security/assessments/${VM_ASSESSMENT}`, type: 'Microsoft.Security/assessments', name: VM_ASSESSMENT, properties: { status: { code: 'Unhealthy' } } };
    const before = s.result().notEvaluated.AssessmentNotInEstate;
    s.reevaluateResource(vmAssessment.id, vmAssessment);
    const withVm = s.result();
    expect(withVm.notEvaluated.AssessmentNotInEstate).toBeLessThan(before);
    expect(withVm.states).toEqual(scanner([...s.index.resources()], extras).scan().states);

    const incremental = s.result();
    const fresh = scanner([...s.index.resources()], extras).scan();
    expect(incremental.states).toEqual(fresh.states);
    expect(incremental.notEvaluated).toEqual(fresh.notEvaluated);
    expect(incremental.summary).toEqual(fresh.summary);
    expect(incremental.metrics.evaluations).toBe(fresh.metrics.evaluations);
  }, 120_000);
});
