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
import { PolicyScanner, definitionsFromList, type ArmResource, type PolicyAssignment, type PolicyExemption } from '../../src/policy/index.js';
import { hasData, loadAliases, loadBuiltins } from './cases/assignments/fixture.js';

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

function scanner(resources: Iterable<ArmResource>): PolicyScanner {
  return new PolicyScanner({
    resources,
    assignments: estate.assignments,
    exemptions: estate.exemptions,
    definitions: definitionsFromList([...loadBuiltins(), ...estate.definitions]),
    aliases: loadAliases(),
    hierarchy: estate.tree,
    clock: fixedClock(estate.baseTime),
  });
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
