/**
 * Gathers the monthly posture review (program `ReviewFacts`) from the store: the secure-score series of the month and
 * the one before (posture snapshots, as `security secure-score history` reads them), the attack paths that opened and
 * closed between the last snapshots of the two months (the month's first snapshot when history starts inside it), the governance SLA breaches by owner at the month's end, the
 * new Deny candidates (drift of audit-mode assignments over the month) with one proposed exemption per resource group,
 * and the compliance controls whose state got worse.
 */
import { PalisadeError } from '../core/index.js';
import { loadAttackPathTemplates } from '../graph/index.js';
import {
  allGovernanceAssignments,
  driftCheck,
  governanceStatus,
  postureSnapshots,
  readHistorySection,
  scoreHistory,
  type ReviewBreach,
  type ReviewDenyCandidate,
  type ReviewFacts,
  type ReviewPath,
  type ReviewRegression,
} from '../program/index.js';
import type { Snapshot, Store } from '../store/index.js';
import type { ServiceContext } from './context.js';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const STATE_RANK: Record<string, number> = { Passed: 0, Skipped: 1, Unsupported: 1, Failed: 2 };

/** [start, end) of a YYYY-MM month in UTC, and the month before. */
export function monthWindow(month: string): { start: Date; end: Date; previous: string; previousStart: Date } {
  const m = MONTH.exec(month);
  if (!m) throw new PalisadeError('InvalidArgumentValue', `--month '${month}' is not YYYY-MM`, { kind: 'argument', target: 'month' });
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1;
  const start = new Date(Date.UTC(y, mo, 1));
  const end = new Date(Date.UTC(y, mo + 1, 1));
  const previousStart = new Date(Date.UTC(y, mo - 1, 1));
  return { start, end, previous: previousStart.toISOString().slice(0, 7), previousStart };
}

async function lastSnapshotBefore(store: Store, before: Date): Promise<Snapshot | undefined> {
  const list = await postureSnapshots(store, undefined, new Date(before.getTime() - 1));
  const info = list[list.length - 1];
  return info ? store.getSnapshot(info.id) : undefined;
}

function pathKeys(snap: Snapshot | undefined): Map<string, { templateId: string; templateName: string; entry: string }> {
  const out = new Map<string, { templateId: string; templateName: string; entry: string }>();
  const section = snap ? readHistorySection(snap.body) : undefined;
  for (const g of section?.attackPaths ?? []) for (const entry of g.entries) out.set(`${g.templateId}|${entry.toLowerCase()}`, { templateId: g.templateId, templateName: g.templateName, entry });
  return out;
}

function attackPathChanges(start: Snapshot | undefined, end: Snapshot | undefined): ReviewFacts['attackPaths'] {
  const risk = new Map(loadAttackPathTemplates().map((t) => [t.id, t.defaultRiskLevel]));
  const before = pathKeys(start);
  const after = pathKeys(end);
  const view = (p: { templateId: string; templateName: string; entry: string }, key: string): ReviewPath => ({
    id: key,
    displayName: `${p.templateName} (${p.entry.split('/').pop()})`,
    riskLevel: risk.get(p.templateId) ?? 'Medium',
  });
  const order = ['Critical', 'High', 'Medium', 'Low'];
  const sorted = (list: ReviewPath[]) => list.sort((a, b) => order.indexOf(a.riskLevel) - order.indexOf(b.riskLevel) || (a.displayName < b.displayName ? -1 : 1));
  return {
    opened: sorted([...after].filter(([k]) => !before.has(k)).map(([k, p]) => view(p, k))),
    closed: sorted([...before].filter(([k]) => !after.has(k)).map(([k, p]) => view(p, k))),
    openAtEnd: after.size,
  };
}

function complianceRegressions(start: Snapshot | undefined, end: Snapshot | undefined): ReviewRegression[] {
  type Std = { standard: string; controls: Array<{ name: string; state: string }> };
  const states = (snap: Snapshot | undefined) => {
    const out = new Map<string, string>();
    for (const s of ((snap?.body.compliance ?? []) as Std[])) for (const c of s.controls) out.set(`${s.standard}|${c.name}`, c.state);
    return out;
  };
  const before = states(start);
  const out: ReviewRegression[] = [];
  for (const [key, to] of states(end)) {
    const from = before.get(key);
    if (from === undefined || (STATE_RANK[to] ?? 0) <= (STATE_RANK[from] ?? 0)) continue;
    const [standard, control] = key.split('|');
    out.push({ standard, control, from, to });
  }
  return out.sort((a, b) => (a.standard === b.standard ? (a.control < b.control ? -1 : 1) : a.standard < b.standard ? -1 : 1));
}

async function breaches(store: Store, at: Date): Promise<ReviewFacts['governance']> {
  const byOwner = new Map<string, ReviewBreach>();
  let total = 0;
  for (const a of await allGovernanceAssignments(store)) {
    if (governanceStatus(a, at) !== 'Overdue') continue;
    total++;
    const owner = a.owner ?? '(unassigned)';
    const b = byOwner.get(owner) ?? { owner, overdue: 0, items: [] };
    b.overdue++;
    b.items.push({ recommendation: a.recommendation, resourceId: a.resourceId, dueDate: a.remediationDueDate });
    byOwner.set(owner, b);
  }
  return { breaches: [...byOwner.values()].sort((a, b) => b.overdue - a.overdue || (a.owner < b.owner ? -1 : 1)), overdueTotal: total };
}

/** Groups resources by resource group (or subscription) with the exemption that carves each group out. */
function proposals(assignmentName: string, resources: readonly string[]): ReviewDenyCandidate['proposedExemptions'] {
  const groups = new Map<string, number>();
  for (const id of resources) {
    const m = /^(\/subscriptions\/[^/]+(?:\/resourceGroups\/[^/]+)?)/i.exec(id);
    const scope = m ? m[1] : id;
    groups.set(scope, (groups.get(scope) ?? 0) + 1);
  }
  return [...groups]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([scope, n]) => ({
      scope,
      resources: n,
      command: `palisade policy exemption create --name ${assignmentName}-${scope.split('/').pop()!.toLowerCase()} --policy-assignment ${assignmentName} --exemption-category Waiver --scope ${scope}`,
    }));
}

async function denyCandidates(store: Store, start: Date, end: Date): Promise<ReviewDenyCandidate[]> {
  const window = await driftCheck(store, { at: new Date(end.getTime() - 1), sinceMs: end.getTime() - 1 - start.getTime() });
  const out = new Map<string, ReviewDenyCandidate>();
  for (const d of window.drifts) {
    if (d.kind !== 'AuditModeNonCompliance' || !d.denyCandidate) continue;
    const c = d.denyCandidate;
    const prev = out.get(c.assignmentId);
    const resources = [...new Set(d.resources)];
    out.set(c.assignmentId, {
      policyAssignmentId: c.assignmentId,
      policyAssignmentName: c.assignmentName,
      policyDefinitionId: c.policyDefinitionId,
      resources: (prev?.resources ?? 0) + resources.length,
      proposedExemptions: [...(prev?.proposedExemptions ?? []), ...proposals(c.assignmentName, resources)],
    });
  }
  return [...out.values()].sort((a, b) => b.resources - a.resources || (a.policyAssignmentName < b.policyAssignmentName ? -1 : 1));
}

export async function gatherReview(ctx: ServiceContext, month: string, now = new Date()): Promise<ReviewFacts> {
  const store = await ctx.store();
  const { start, end, previous, previousStart } = monthWindow(month);
  const series = await scoreHistory(store, { since: previousStart, until: new Date(end.getTime() - 1) });
  if (series.length === 0) {
    throw new PalisadeError('NoPostureHistory', `No posture snapshot between ${previousStart.toISOString().slice(0, 10)} and ${end.toISOString().slice(0, 10)}: run 'palisade scan' (or 'palisade history replay') first.`, { kind: 'notFound', target: month });
  }
  const inMonth = series.filter((p) => Date.parse(p.at) >= start.getTime());
  const beforeMonth = series.filter((p) => Date.parse(p.at) < start.getTime());
  // The baseline: the last snapshot before the month, else (history starting inside the month) its first one.
  const firstInMonth = inMonth.length > 0 ? new Date(inMonth[0].at) : undefined;
  const baselineAt = beforeMonth.length > 0 || !firstInMonth ? start : new Date(firstInMonth.getTime() + 1);
  const [startSnap, endSnap] = [await lastSnapshotBefore(store, baselineAt), await lastSnapshotBefore(store, end)];
  const governanceAt = new Date(Math.min(end.getTime() - 1, now.getTime()));
  return {
    month,
    previousMonth: previous,
    scope: 'tenant',
    generatedAt: now.toISOString(),
    score: {
      current: inMonth[inMonth.length - 1]?.percentage,
      previous: beforeMonth[beforeMonth.length - 1]?.percentage,
      series: series.map((p) => ({ at: p.at, percentage: p.percentage })),
    },
    attackPaths: attackPathChanges(startSnap, endSnap),
    governance: await breaches(store, governanceAt),
    denyCandidates: await denyCandidates(store, beforeMonth.length > 0 || !firstInMonth ? start : firstInMonth, end),
    complianceRegressions: complianceRegressions(startSnap, endSnap),
  };
}
