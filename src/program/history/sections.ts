/**
 * What a posture snapshot keeps for history and drift, beside the posture body (scores and control counts per
 * subscription, compliance): the subscriptions' Defender plans, the secure score controls' names, attack paths per
 * (template, subscription of the entry point), and every non-compliant (assignment, reference, resource) with what
 * the assignment could do about it (audit mode, whether it could deny). The non-compliance list is the large part:
 * it is stored gzip-compressed (base64), a few hundred kB for a 30,000-resource estate.
 *
 *   body.history = historySection({ states, assignments, definitions, catalog, pricings, subscriptions, paths });
 *   const h = readHistorySection(snapshot.body);    // undefined for snapshots taken before history existed
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { MCSB_INITIATIVE_ID, type PolicyResource, type PostureCatalogData } from '../../catalog/index.js';
import { canonicalKey, type ArgRow } from '../../core/index.js';
import type { AttackPath, SecurityGraph } from '../../graph/index.js';
import type { PolicyStateRecord } from '../../policy/index.js';
import { denyOption, type DenyOption } from './deny-option.js';

export const HISTORY_SECTION = 'history';
export const HISTORY_SECTION_VERSION = 1;

export interface SnapshotSubscription {
  subscriptionId: string;
  displayName: string;
  /** Defender for Cloud plans on Standard (pricing rows; a plan without a row is Free). */
  standardPlans: string[];
}

export interface SnapshotControl {
  id: string;
  displayName: string;
  maxScore: number;
}

export interface SnapshotPathGroup {
  templateId: string;
  templateName: string;
  /** The subscription of the entry points. */
  subscriptionId: string;
  count: number;
  /** Entry resources of the paths (sorted, distinct). */
  entries: string[];
  /** Target resources of the paths (sorted, distinct). */
  targets: string[];
}

export interface SnapshotAssignment {
  id: string;
  name: string;
  displayName: string;
  scope: string;
  /** What it assigns: a definition or an initiative. */
  policyDefinitionId: string;
  enforcementMode: string;
  /** Its parameter values (`{name: {value}}`). */
  parameters: Record<string, unknown>;
}

/** Non-compliant resources of one (assignment, reference). */
export interface NonComplianceGroup {
  /** Index into `assignments`. */
  assignment: number;
  policyDefinitionId: string;
  policyDefinitionReferenceId: string;
  effect: string;
  /** Audit / AuditIfNotExists, or an assignment that does not enforce: it reports but blocks nothing. */
  auditMode: boolean;
  deny: DenyOption;
  /** MCSB references: the recommendation (assessment key) and its secure score control; preview ones do not score. */
  recommendation?: string;
  controlId?: string;
  preview?: boolean;
  /** Sorted resource ids. */
  resources: string[];
}

export interface NonCompliance {
  assignments: SnapshotAssignment[];
  groups: NonComplianceGroup[];
}

export interface HistorySection {
  formatVersion: number;
  subscriptions: SnapshotSubscription[];
  controls: SnapshotControl[];
  attackPaths: SnapshotPathGroup[];
  nonCompliance: NonCompliance;
}

/** As stored in the snapshot body. */
export interface StoredHistorySection extends Omit<HistorySection, 'nonCompliance'> {
  nonCompliance: { encoding: 'gzip+base64'; groups: number; pairs: number; data: string };
}

export interface PathFact {
  templateId: string;
  templateName: string;
  entryId: string;
  entrySubscriptionId: string;
  targetId: string;
}

export interface HistoryInput {
  states: readonly PolicyStateRecord[];
  /** Policy assignment rows of the estate. */
  assignments: readonly ArgRow[];
  definitions: (id: string) => PolicyResource | undefined;
  catalog: PostureCatalogData;
  /** `microsoft.security/pricings` rows. */
  pricings: readonly ArgRow[];
  subscriptions: ReadonlyArray<{ subscriptionId: string; displayName: string }>;
  paths: readonly PathFact[];
}

const AUDIT_EFFECTS = new Set(['audit', 'auditifnotexists']);

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function subscriptionOf(id: string): string {
  return (/^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '').toLowerCase();
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The history section of one evaluated estate. */
export function historySection(input: HistoryInput): HistorySection {
  const plans = new Map<string, string[]>();
  for (const row of input.pricings) {
    const p = record(row.properties);
    if (String(p.pricingTier ?? '').toLowerCase() !== 'standard') continue;
    const sub = subscriptionOf(row.id);
    let list = plans.get(sub);
    if (!list) plans.set(sub, (list = []));
    list.push(String(row.name));
  }
  const subscriptions = input.subscriptions
    .map((s) => ({ subscriptionId: s.subscriptionId, displayName: s.displayName, standardPlans: (plans.get(s.subscriptionId.toLowerCase()) ?? []).sort(cmp) }))
    .sort((a, b) => cmp(a.subscriptionId.toLowerCase(), b.subscriptionId.toLowerCase()));

  const controls = input.catalog.controls.map((c) => ({ id: c.id, displayName: c.displayName, maxScore: c.maxScore })).sort((a, b) => cmp(a.displayName, b.displayName));

  const paths = new Map<string, Omit<SnapshotPathGroup, 'entries' | 'targets'> & { entries: Set<string>; targets: Set<string> }>();
  for (const p of input.paths) {
    const key = `${p.templateId}|${p.entrySubscriptionId.toLowerCase()}`;
    let g = paths.get(key);
    if (!g) paths.set(key, (g = { templateId: p.templateId, templateName: p.templateName, subscriptionId: p.entrySubscriptionId.toLowerCase(), count: 0, entries: new Set(), targets: new Set() }));
    g.count++;
    g.entries.add(p.entryId);
    g.targets.add(p.targetId);
  }
  const attackPaths = [...paths.values()]
    .map((g) => ({ ...g, entries: [...g.entries].sort(cmp), targets: [...g.targets].sort(cmp) }))
    .sort((a, b) => cmp(a.templateId, b.templateId) || cmp(a.subscriptionId, b.subscriptionId));

  return { formatVersion: HISTORY_SECTION_VERSION, subscriptions, controls, attackPaths, nonCompliance: nonCompliance(input) };
}

function nonCompliance(input: HistoryInput): NonCompliance {
  const recommendations = new Map(input.catalog.recommendations.map((r) => [r.policyDefinitionReferenceId, r]));
  // Every assignment (also those without non-compliance): drift tells an assignment made in the window from the others.
  const assignments: SnapshotAssignment[] = [...input.assignments]
    .sort((x, y) => cmp(canonicalKey(x.id), canonicalKey(y.id)))
    .map((row) => {
      const props = record(row.properties);
      const at = row.id.toLowerCase().lastIndexOf('/providers/microsoft.authorization/policyassignments/');
      return {
        id: row.id,
        name: String(row.name),
        displayName: String(props.displayName ?? row.name),
        scope: at > 0 ? row.id.slice(0, at) : '/',
        policyDefinitionId: String(props.policyDefinitionId ?? ''),
        enforcementMode: String(props.enforcementMode ?? 'Default'),
        parameters: record(props.parameters),
      };
    });
  const assignmentIndex = new Map(assignments.map((a, i) => [canonicalKey(a.id), i]));
  const groups = new Map<string, NonComplianceGroup>();
  for (const s of input.states) {
    if (s.complianceState !== 'NonCompliant') continue;
    const aKey = canonicalKey(s.policyAssignmentId);
    let a = assignmentIndex.get(aKey);
    if (a === undefined) {
      a = assignments.length;
      assignmentIndex.set(aKey, a);
      assignments.push({
        id: s.policyAssignmentId,
        name: s.policyAssignmentName,
        displayName: s.policyAssignmentName,
        scope: s.policyAssignmentScope,
        policyDefinitionId: s.policySetDefinitionId || s.policyDefinitionId,
        enforcementMode: 'Default',
        parameters: {},
      });
    }
    const enforcementMode = assignments[a].enforcementMode;
    const gKey = `${a}|${s.policyDefinitionReferenceId}|${s.policyDefinitionId.toLowerCase()}`;
    let g = groups.get(gKey);
    if (!g) {
      const effect = s.effect.toLowerCase();
      const doNotEnforce = enforcementMode.toLowerCase() === 'donotenforce';
      const deny: DenyOption =
        effect === 'deny' && doNotEnforce ? { allowed: true, via: 'enforcementMode' } : denyOption(input.definitions, assignments[a].policyDefinitionId, s.policyDefinitionReferenceId, enforcementMode);
      g = {
        assignment: a,
        policyDefinitionId: s.policyDefinitionId,
        policyDefinitionReferenceId: s.policyDefinitionReferenceId,
        effect: s.effect,
        auditMode: AUDIT_EFFECTS.has(effect) || doNotEnforce,
        deny,
        resources: [],
      };
      const rec = s.policySetDefinitionId.toLowerCase() === MCSB_INITIATIVE_ID.toLowerCase() ? recommendations.get(s.policyDefinitionReferenceId) : undefined;
      if (rec) {
        g.recommendation = rec.assessmentKey;
        g.controlId = rec.controlId;
        if (rec.preview) g.preview = true;
      }
      groups.set(gKey, g);
    }
    g.resources.push(s.resourceId);
  }
  const sorted = [...groups.values()]
    .map((g) => ({ ...g, resources: [...new Set(g.resources)].sort(cmp) }))
    .sort((x, y) => x.assignment - y.assignment || cmp(x.policyDefinitionReferenceId, y.policyDefinitionReferenceId) || cmp(x.policyDefinitionId, y.policyDefinitionId));
  return { assignments, groups: sorted };
}

/** The section as the snapshot stores it (non-compliance compressed). */
export function encodeHistorySection(section: HistorySection): StoredHistorySection {
  const data = gzipSync(Buffer.from(JSON.stringify(section.nonCompliance), 'utf8'), { level: 9 }).toString('base64');
  const pairs = section.nonCompliance.groups.reduce((n, g) => n + g.resources.length, 0);
  return { ...section, nonCompliance: { encoding: 'gzip+base64', groups: section.nonCompliance.groups.length, pairs, data } };
}

/** The history section of a snapshot body; undefined when the snapshot has none (or an unknown format). */
export function readHistorySection(body: Record<string, unknown>): HistorySection | undefined {
  const stored = body[HISTORY_SECTION] as StoredHistorySection | undefined;
  if (!stored || typeof stored !== 'object' || stored.formatVersion !== HISTORY_SECTION_VERSION) return undefined;
  const nc = stored.nonCompliance;
  if (!nc || nc.encoding !== 'gzip+base64' || typeof nc.data !== 'string') return undefined;
  const nonCompliance = JSON.parse(gunzipSync(Buffer.from(nc.data, 'base64')).toString('utf8')) as NonCompliance;
  return { ...stored, nonCompliance };
}

/** The facts of attack paths a snapshot keeps (template, entry and its subscription, target), from the graph they were found in. */
export function pathFacts(graph: SecurityGraph, paths: readonly AttackPath[]): PathFact[] {
  return paths.map((p) => {
    const entry = graph.nodes[p.entry];
    return {
      templateId: p.templateId,
      templateName: p.templateName,
      entryId: entry.id,
      entrySubscriptionId: (entry.subscriptionId ?? subscriptionOf(entry.id)).toLowerCase(),
      targetId: graph.nodes[p.target].id,
    };
  });
}
