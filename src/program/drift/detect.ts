/**
 * Drift between two posture snapshots (a window): what got worse, who did it, and what would have stopped it.
 *
 * | kind | subject | fires when (from → to) |
 * |---|---|---|
 * | SecureScoreDrop | `/subscriptions/{id}`, `/` (tenant) | the score falls by more than `scoreDrop` percentage points |
 * | ControlHealthDrop | control id | a control's healthy-resource ratio (tenant-wide) falls by more than `controlDrop` points |
 * | AttackPathOpened | `{template}@/subscriptions/{id}` | a template with no path entering a subscription now has one (resources: its entries and targets) |
 * | AuditModeNonCompliance | policy definition id | resources newly non-compliant with it under audit-mode assignments |
 * | UnprotectedSubscription | `/subscriptions/{id}` | a subscription joined without Defender CSPM, or lost it |
 *
 * Like is compared with like: score, control and path drifts and new non-compliance count only the subscriptions
 * present at both ends (a new subscription has no baseline; it is reported as UnprotectedSubscription when it
 * joined naked), and assignments made inside the window reveal old violations rather than new ones, so they are
 * left out. Each drift names the resources that got worse, the change-log entries behind them (when the store has a
 * log), and its Deny candidates (candidates.ts).
 */
import { createHash } from 'node:crypto';
import { canonicalKey } from '../../core/index.js';
import { weightedScore, type BodySubscription, type HistoryChange, type HistorySection } from '../history/index.js';
import { denyCandidates, type DenyCandidate, type UnblockablePolicy } from './candidates.js';

export const DRIFT_KINDS = ['SecureScoreDrop', 'ControlHealthDrop', 'AttackPathOpened', 'AuditModeNonCompliance', 'UnprotectedSubscription'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export const DEFAULT_SCORE_DROP = 5;
export const DEFAULT_CONTROL_DROP = 5;
const CSPM_DINE_POLICY_ID = '/providers/Microsoft.Authorization/policyDefinitions/689f7782-ef2c-4270-a6d0-7664869076bd';
const MAX_CHANGES = 100;

export interface DriftSnapshot {
  id: string;
  takenAt: Date;
  /** The posture body's per-subscription scores and control counts. */
  subscriptions: readonly BodySubscription[];
  history: HistorySection;
}

export interface DriftThresholds {
  /** Percentage points (0..100) the secure score may fall before it is drift. */
  scoreDrop: number;
  /** Percentage points a control's healthy ratio may fall. */
  controlDrop: number;
}

export interface DriftOptions extends Partial<DriftThresholds> {
  /** The change log's entries in the window, for attribution. */
  changes?: readonly HistoryChange[];
}

export interface DriftChange {
  at: string;
  kind: string;
  table: string;
  id: string;
}

export interface Drift {
  /** Stable: a hash of kind, subject and window (the export idempotency key). */
  id: string;
  kind: DriftKind;
  subject: string;
  subjectDisplayName: string;
  subscriptionId: string | null;
  /** The window: the two snapshots compared. */
  from: string;
  to: string;
  fromSnapshotId: string;
  toSnapshotId: string;
  /** The measure before and after (score or ratio in percent, paths, non-compliant resources) and its unit. */
  before: number;
  after: number;
  unit: 'percent' | 'paths' | 'resources' | 'plans';
  summary: string;
  /** The resources that got worse (sorted). */
  resources: string[];
  /** Change-log entries behind them (at most 100; `changesTruncated` counts the rest). */
  changes: DriftChange[];
  changesTruncated?: number;
  /** The recommended candidate: the first of `denyCandidates`. */
  denyCandidate: DenyCandidate | null;
  /** One per policy the resources newly fail (the best assignment for each), most resources first. */
  denyCandidates: DenyCandidate[];
  /** Policies whose new non-compliance no audit-mode assignment could deny. */
  unblockable: UnblockablePolicy[];
  note?: string;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function subscriptionOf(id: string): string {
  return (/^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '').toLowerCase();
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function driftId(kind: DriftKind, subject: string, from: Date, to: Date): string {
  return createHash('sha256').update(`${kind}|${subject.toLowerCase()}|${from.toISOString()}|${to.toISOString()}`).digest('hex').slice(0, 32);
}

/** A group's identity across snapshots: assignment, reference, policy. */
function groupKey(h: HistorySection, i: number): string {
  const g = h.nonCompliance.groups[i];
  return `${h.nonCompliance.assignments[g.assignment].id.toLowerCase()}|${g.policyDefinitionReferenceId}|${g.policyDefinitionId.toLowerCase()}`;
}

interface Fresh {
  /** Group index (in `to`) → resources newly non-compliant under it. */
  byGroup: Map<number, string[]>;
  /** Lower-cased resource id → original id. */
  ids: Map<string, string>;
}

/** New non-compliance: (assignment, reference, resource) non-compliant in `to`, not in `from`, in common subscriptions. */
function freshNonCompliance(from: HistorySection, to: HistorySection, common: ReadonlySet<string>): Fresh {
  const before = new Map<string, Set<string>>();
  from.nonCompliance.groups.forEach((g, i) => before.set(groupKey(from, i), new Set(g.resources.map((r) => r.toLowerCase()))));
  const known = new Set(from.nonCompliance.assignments.map((a) => a.id.toLowerCase()));
  const byGroup = new Map<number, string[]>();
  const ids = new Map<string, string>();
  to.nonCompliance.groups.forEach((g, i) => {
    if (!known.has(to.nonCompliance.assignments[g.assignment].id.toLowerCase())) return;
    const had = before.get(groupKey(to, i)) ?? new Set<string>();
    const fresh = g.resources.filter((r) => common.has(subscriptionOf(r)) && !had.has(r.toLowerCase()));
    if (fresh.length === 0) return;
    byGroup.set(i, fresh);
    for (const r of fresh) if (!ids.has(r.toLowerCase())) ids.set(r.toLowerCase(), r);
  });
  return { byGroup, ids };
}

/**
 * Deny candidates for the fresh non-compliance that `keep` selects (by group and resource). Score, control and path
 * drifts keep every audit-mode group of their resources: the score comes from MCSB, but an assignment of the policy
 * alone is the better one to flip.
 */
function candidatesFor(to: HistorySection, fresh: Fresh, keep: (g: number, resource: string) => boolean): Pick<Drift, 'denyCandidate' | 'denyCandidates' | 'unblockable'> {
  const subset = new Map<number, string[]>();
  for (const [i, rs] of fresh.byGroup) {
    const kept = rs.filter((r) => keep(i, r));
    if (kept.length > 0) subset.set(i, kept);
  }
  const { byPolicy, unblockable, order } = denyCandidates({ nonCompliance: to.nonCompliance, fresh: subset });
  const list = order.flatMap((k) => (byPolicy.get(k) ?? []).slice(0, 1));
  return { denyCandidate: list[0] ?? null, denyCandidates: list, unblockable };
}

/** Candidates for the fresh non-compliance of these resources, under any audit-mode assignment. */
function candidatesOfResources(to: HistorySection, fresh: Fresh, resources: readonly string[]): Pick<Drift, 'denyCandidate' | 'denyCandidates' | 'unblockable'> {
  const set = new Set(resources.map((r) => r.toLowerCase()));
  return candidatesFor(to, fresh, (_i, r) => set.has(r.toLowerCase()));
}

/** Change-log entries behind some resources: their own changes, and exemptions expiring over them. */
function attribute(changes: readonly HistoryChange[], resources: readonly string[], extra?: (c: HistoryChange) => boolean): Pick<Drift, 'changes' | 'changesTruncated'> {
  const wanted = new Set(resources.map((r) => canonicalKey(r)));
  const hits: DriftChange[] = [];
  for (const c of changes) {
    const key = canonicalKey(c.id);
    let hit = wanted.has(key) || (extra?.(c) ?? false);
    if (!hit && c.kind === 'exemption-expiry' && c.table === 'policyresources') {
      const at = key.lastIndexOf('/providers/microsoft.authorization/policyexemptions/');
      const scope = at > 0 ? key.slice(0, at) : '';
      hit = scope !== '' && [...wanted].some((r) => r === scope || r.startsWith(`${scope}/`));
    }
    if (hit) hits.push({ at: c.at, kind: c.kind, table: c.table, id: c.id });
  }
  return hits.length > MAX_CHANGES ? { changes: hits.slice(0, MAX_CHANGES), changesTruncated: hits.length - MAX_CHANGES } : { changes: hits };
}

/** The drifts from `from` to `to`, sorted by kind (table order above) then subject. */
export function detectDrifts(from: DriftSnapshot, to: DriftSnapshot, options: DriftOptions = {}): Drift[] {
  const scoreDrop = options.scoreDrop ?? DEFAULT_SCORE_DROP;
  const controlDrop = options.controlDrop ?? DEFAULT_CONTROL_DROP;
  const changes = options.changes ?? [];
  const fromSubs = new Map(from.history.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), s]));
  const toSubs = new Map(to.history.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), s]));
  const common = new Set([...toSubs.keys()].filter((k) => fromSubs.has(k)));
  const fresh = freshNonCompliance(from.history, to.history, common);
  const groups = to.history.nonCompliance.groups;
  const scored = (i: number): boolean => groups[i].controlId !== undefined && groups[i].preview !== true;
  const controlNames = new Map(to.history.controls.map((c) => [c.id, c.displayName]));
  const drifts: Drift[] = [];
  const window = { from: from.takenAt.toISOString(), to: to.takenAt.toISOString(), fromSnapshotId: from.id, toSnapshotId: to.id };
  const push = (d: Omit<Drift, 'id' | 'from' | 'to' | 'fromSnapshotId' | 'toSnapshotId'>): void => {
    drifts.push({ id: driftId(d.kind, d.subject, from.takenAt, to.takenAt), ...window, ...d, resources: [...d.resources].sort(cmp) });
  };
  const freshIn = (keep: (g: number, r: string) => boolean): string[] => {
    const out = new Set<string>();
    for (const [i, rs] of fresh.byGroup) for (const r of rs) if (keep(i, r)) out.add(r);
    return [...out];
  };

  // UnprotectedSubscription: joined without Defender CSPM, or lost it.
  for (const [key, s] of toSubs) {
    if (s.standardPlans.includes('CloudPosture')) continue;
    const was = fromSubs.get(key);
    if (was && !was.standardPlans.includes('CloudPosture')) continue;
    const subject = `/subscriptions/${s.subscriptionId}`;
    push({
      kind: 'UnprotectedSubscription',
      subject,
      subjectDisplayName: s.displayName,
      subscriptionId: s.subscriptionId,
      before: was ? was.standardPlans.length : 0,
      after: s.standardPlans.length,
      unit: 'plans',
      summary: was
        ? `Subscription ${s.displayName} lost Defender CSPM (CloudPosture is Free).`
        : `Subscription ${s.displayName} joined the estate without Defender CSPM (${s.standardPlans.length} of its plans on Standard).`,
      resources: [subject],
      ...attribute(changes, [subject], (c) => c.table === 'securityresources' && subscriptionOf(c.id) === key && /\/pricings\/cloudposture$/i.test(c.id)),
      denyCandidate: null,
      denyCandidates: [],
      unblockable: [],
      note: `No audit-mode assignment blocks a subscription without plans: assign the Defender CSPM DeployIfNotExists policy (${CSPM_DINE_POLICY_ID}) at the root management group and remediate, so new subscriptions inherit the plan (palisade security pricing coverage lists the rest).`,
    });
  }

  // SecureScoreDrop: subscriptions and the tenant (like for like).
  const fromBody = new Map(from.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), s]));
  const toBody = new Map(to.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), s]));
  const scoreDrift = (subject: string, name: string, subscriptionId: string | null, a: number, b: number, subs: ReadonlySet<string>): void => {
    const drop = (a - b) * 100;
    if (!(drop > scoreDrop)) return;
    const resources = freshIn((i, r) => scored(i) && subs.has(subscriptionOf(r)));
    push({
      kind: 'SecureScoreDrop',
      subject,
      subjectDisplayName: name,
      subscriptionId,
      before: round2(a * 100),
      after: round2(b * 100),
      unit: 'percent',
      summary: `Secure score of ${name} fell ${round2(drop)} points (${round2(a * 100)}% → ${round2(b * 100)}%).`,
      resources,
      ...attribute(changes, resources),
      ...candidatesOfResources(to.history, fresh, resources),
    });
  };
  const assessed = [...common].filter((k) => (fromBody.get(k)?.weight ?? 0) > 0 && (toBody.get(k)?.weight ?? 0) > 0);
  for (const k of assessed.sort()) {
    const a = fromBody.get(k)!;
    const b = toBody.get(k)!;
    scoreDrift(`/subscriptions/${a.subscriptionId}`, toSubs.get(k)?.displayName ?? a.subscriptionId, a.subscriptionId, a.percentage, b.percentage, new Set([k]));
  }
  if (assessed.length > 0) {
    const a = weightedScore(assessed.map((k) => fromBody.get(k)!));
    const b = weightedScore(assessed.map((k) => toBody.get(k)!));
    scoreDrift('/', 'the tenant', null, a.percentage, b.percentage, new Set(assessed));
  }

  // ControlHealthDrop: tenant-wide healthy ratio per control over the common subscriptions.
  const ratios = (body: Map<string, BodySubscription>): Map<string, { healthy: number; unhealthy: number }> => {
    const out = new Map<string, { healthy: number; unhealthy: number }>();
    for (const k of common) {
      for (const c of body.get(k)?.controls ?? []) {
        const r = out.get(c.id) ?? { healthy: 0, unhealthy: 0 };
        r.healthy += c.healthy;
        r.unhealthy += c.unhealthy;
        out.set(c.id, r);
      }
    }
    return out;
  };
  const before = ratios(fromBody);
  const after = ratios(toBody);
  for (const [id, b] of [...after.entries()].sort(([x], [y]) => cmp(x, y))) {
    const a = before.get(id);
    if (!a || a.healthy + a.unhealthy === 0 || b.healthy + b.unhealthy === 0) continue;
    const ra = a.healthy / (a.healthy + a.unhealthy);
    const rb = b.healthy / (b.healthy + b.unhealthy);
    const drop = (ra - rb) * 100;
    if (!(drop > controlDrop)) continue;
    const name = controlNames.get(id) ?? id;
    const inControl = (i: number): boolean => scored(i) && groups[i].controlId === id;
    const resources = freshIn((i) => inControl(i));
    push({
      kind: 'ControlHealthDrop',
      subject: id,
      subjectDisplayName: name,
      subscriptionId: null,
      before: round2(ra * 100),
      after: round2(rb * 100),
      unit: 'percent',
      summary: `Healthy resources in control "${name}" fell from ${round2(ra * 100)}% to ${round2(rb * 100)}% (${a.healthy}/${a.healthy + a.unhealthy} → ${b.healthy}/${b.healthy + b.unhealthy}).`,
      resources,
      ...attribute(changes, resources),
      ...candidatesOfResources(to.history, fresh, resources),
    });
  }

  // AttackPathOpened: a template with no path from a subscription now has one there.
  const hadPaths = new Set(from.history.attackPaths.map((p) => `${p.templateId}|${p.subscriptionId.toLowerCase()}`));
  for (const p of to.history.attackPaths) {
    const sub = p.subscriptionId.toLowerCase();
    if (!common.has(sub) || hadPaths.has(`${p.templateId}|${sub}`)) continue;
    const subName = toSubs.get(sub)?.displayName ?? sub;
    const resources = [...new Map([...p.entries, ...(p.targets ?? [])].map((r) => [r.toLowerCase(), r])).values()];
    push({
      kind: 'AttackPathOpened',
      subject: `${p.templateId}@/subscriptions/${toSubs.get(sub)?.subscriptionId ?? sub}`,
      subjectDisplayName: `${p.templateName} (${subName})`,
      subscriptionId: toSubs.get(sub)?.subscriptionId ?? sub,
      before: 0,
      after: p.count,
      unit: 'paths',
      summary: `${p.count} attack path(s) "${p.templateName}" now enter ${subName}, which had none.`,
      resources,
      ...attribute(changes, resources),
      ...candidatesOfResources(to.history, fresh, resources),
    });
  }

  // AuditModeNonCompliance: per policy definition.
  const perPolicy = new Map<string, { id: string; groups: number[]; resources: Set<string> }>();
  for (const [i, rs] of fresh.byGroup) {
    if (!groups[i].auditMode) continue;
    const key = groups[i].policyDefinitionId.toLowerCase();
    let p = perPolicy.get(key);
    if (!p) perPolicy.set(key, (p = { id: groups[i].policyDefinitionId, groups: [], resources: new Set() }));
    p.groups.push(i);
    for (const r of rs) p.resources.add(r);
  }
  const countFor = (h: HistorySection, key: string): number => {
    const set = new Set<string>();
    for (const g of h.nonCompliance.groups) if (g.auditMode && g.policyDefinitionId.toLowerCase() === key) for (const r of g.resources) if (common.has(subscriptionOf(r))) set.add(r.toLowerCase());
    return set.size;
  };
  for (const [key, p] of [...perPolicy.entries()].sort(([x], [y]) => cmp(x, y))) {
    const resources = [...p.resources];
    const assignments = [...new Set(p.groups.map((i) => to.history.nonCompliance.assignments[groups[i].assignment].name))].sort(cmp);
    const c = candidatesFor(to.history, fresh, (i) => groups[i].policyDefinitionId.toLowerCase() === key && groups[i].auditMode);
    push({
      kind: 'AuditModeNonCompliance',
      subject: p.id,
      subjectDisplayName: p.id.slice(p.id.lastIndexOf('/') + 1),
      subscriptionId: null,
      before: countFor(from.history, key),
      after: countFor(to.history, key),
      unit: 'resources',
      summary: `${resources.length} resource(s) newly non-compliant with policy ${p.id.slice(p.id.lastIndexOf('/') + 1)} under audit-mode assignment(s) ${assignments.join(', ')}.`,
      resources,
      ...attribute(changes, resources),
      ...c,
      ...(c.denyCandidate === null ? { note: `No audit-mode assignment of this policy can deny: ${c.unblockable.map((u) => u.reason).join('; ')}.` } : {}),
    });
  }

  const order = new Map(DRIFT_KINDS.map((k, i) => [k, i]));
  return drifts.sort((a, b) => order.get(a.kind)! - order.get(b.kind)! || cmp(a.subject.toLowerCase(), b.subject.toLowerCase()));
}
