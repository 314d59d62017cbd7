/**
 * The assignment engine: after a posture run, every unhealthy (recommendation, resource) gets the owner and due date
 * of the first governance rule that matches it, and the store remembers them so that due dates stay put across scans.
 *
 *   rules        enabled, `ruleType` Integrated (ServiceNow rules are kept but assign nothing: Palisade has no
 *                ServiceNow integration), ordered by rulePriority (lower first), then subscription rules before
 *                management-group rules, then id. A rule applies to resources at or below its scope — a management
 *                group's rule to every subscription below it — except those within `excludedScopes`, and when one of
 *                its condition sets holds (conditions.ts).
 *   owner        ownerSource Manually: the rule's email; ByTag: the value of the resource's tag named by
 *                ownerSource.value, re-read on every refresh (a missing tag leaves the assignment Unassigned).
 *   due date     firstUnhealthyDate + the rule's remediationTimeframe. firstUnhealthyDate is the time of the refresh
 *                that first assigned the (recommendation, resource); it is stored and never recomputed.
 *   kept         an open assignment keeps its rule, due date, grace flag and notification settings while that rule
 *                exists and is enabled, even when a rule of higher priority appears or the rule is edited — unless
 *                `override` (ARM's `execute {override: true}`) re-applies the rules. When its rule is deleted or
 *                disabled the next matching rule takes over (same firstUnhealthyDate); when none matches the
 *                assignment is removed. Manual assignments (PUT) are never changed, only completed.
 *   completed    the assessment turned Healthy or NotApplicable (fixed, exempted), or the resource left the estate.
 *                If it turns unhealthy again later, a new assignment starts with a new firstUnhealthyDate.
 */
import { canonicalKey, isWithin, type ScopeHierarchy } from '../../core/index.js';
import { runPosture, type Assessment, type GracePeriodCheck, type PostureRun } from '../../posture/index.js';
import type { Store } from '../../store/index.js';
import {
  assignmentIdFor,
  assignmentKeyOf,
  assignmentNameFor,
  inGracePeriod,
  isOpen,
  type CompletionReason,
  type GovernanceAssignmentRecord,
} from './assignment.js';
import { GOVERNANCE_ASSIGNMENTS_COLLECTION, allGovernanceAssignments } from './assignments-store.js';
import { ConditionMatcher, tagValue } from './conditions.js';
import type { StoredGovernanceRule } from './rule.js';
import { allGovernanceRules } from './rules-store.js';
import { addDays, timeframeDays } from './time.js';

/** What the engine needs to know of an estate resource. */
export interface GovernanceResource {
  id: string;
  type: string;
  tags?: Readonly<Record<string, unknown>>;
}

export type GovernanceResourceLookup = (resourceId: string) => GovernanceResource | undefined;

/** The fields of an assessment the engine reads (a posture `Assessment` fits). */
export type GovernanceAssessment = Pick<Assessment, 'assessmentKey' | 'displayName' | 'resourceId' | 'subscriptionId' | 'resourceType' | 'severity'> & { status: { code: Assessment['status']['code'] } };

export interface RefreshGovernanceInput {
  assessments: readonly GovernanceAssessment[];
  now: Date;
  /** The management-group tree, for rules and conditions at management-group scope. */
  hierarchy?: ScopeHierarchy;
  resources: GovernanceResourceLookup;
  /** Re-apply the rules to open rule-made assignments (owner, rule, due date from the winning rule). */
  override?: boolean;
}

export interface RefreshGovernanceResult {
  /** Every assignment after the refresh (open and completed). */
  assignments: GovernanceAssignmentRecord[];
  created: number;
  reassigned: number;
  completed: number;
  removed: number;
  /** Unhealthy (recommendation, resource) pairs no rule matched. */
  unmatched: number;
  /** Rules that took part, and rules skipped (disabled, ServiceNow). */
  activeRules: number;
  skippedRules: number;
}

interface ActiveRule {
  rule: StoredGovernanceRule;
  matcher: ConditionMatcher;
  days: number;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function within(scope: string, id: string, hierarchy?: ScopeHierarchy): boolean {
  try {
    return isWithin(scope, id, hierarchy);
  } catch {
    return false;
  }
}

function activeRules(rules: readonly StoredGovernanceRule[], hierarchy?: ScopeHierarchy): { active: ActiveRule[]; skipped: number } {
  const active: ActiveRule[] = [];
  let skipped = 0;
  for (const rule of rules) {
    const p = rule.properties;
    if (p.isDisabled || p.ruleType !== 'Integrated' || p.sourceResourceType !== 'Assessments') {
      skipped++;
      continue;
    }
    active.push({ rule, matcher: new ConditionMatcher(p.conditionSets, hierarchy), days: timeframeDays(p.remediationTimeframe) ?? 7 });
  }
  const specificity = (r: StoredGovernanceRule) => (r.scope.toLowerCase().startsWith('/subscriptions/') ? 0 : 1);
  active.sort((a, b) => a.rule.properties.rulePriority - b.rule.properties.rulePriority || specificity(a.rule) - specificity(b.rule) || cmp(a.rule.id.toLowerCase(), b.rule.id.toLowerCase()));
  return { active, skipped };
}

function applies(rule: ActiveRule, a: GovernanceAssessment, resource: GovernanceResource | undefined, hierarchy?: ScopeHierarchy): boolean {
  if (!within(rule.rule.scope, a.resourceId, hierarchy)) return false;
  if (rule.rule.properties.excludedScopes.some((s) => within(s, a.resourceId, hierarchy))) return false;
  return rule.matcher.matches({ assessmentKey: a.assessmentKey, severity: a.severity, resourceId: a.resourceId, resourceType: resource?.type ?? a.resourceType, tags: resource?.tags });
}

function ownerFor(rule: StoredGovernanceRule, resource: GovernanceResource | undefined): string | undefined {
  const source = rule.properties.ownerSource;
  return source.type === 'Manually' ? source.value : tagValue(resource?.tags, source.value);
}

/** Sets the record's rule-derived fields from a rule (owner, due date from its firstUnhealthyDate, grace, notifications). */
function applyRule(record: GovernanceAssignmentRecord, rule: ActiveRule, resource: GovernanceResource | undefined): void {
  record.source = 'Rule';
  record.ruleId = rule.rule.id;
  record.ownerSource = rule.rule.properties.ownerSource.type;
  const owner = ownerFor(rule.rule, resource);
  if (owner) record.owner = owner;
  else delete record.owner;
  record.remediationDueDate = addDays(new Date(record.firstUnhealthyDate), rule.days).toISOString();
  record.isGracePeriod = rule.rule.properties.isGracePeriod;
  record.governanceEmailNotification = { ...rule.rule.properties.governanceEmailNotification };
}

/** Refreshes the stored assignments from a set of assessments (see the file comment). */
export async function refreshGovernance(store: Store, input: RefreshGovernanceInput): Promise<RefreshGovernanceResult> {
  const now = input.now.toISOString();
  const { active, skipped } = activeRules(await allGovernanceRules(store), input.hierarchy);
  const ruleById = new Map(active.map((r) => [canonicalKey(r.rule.id), r]));
  const stored = new Map((await allGovernanceAssignments(store)).map((r) => [assignmentKeyOf(r.resourceId, r.assessmentKey), r]));
  const before = new Map([...stored].map(([k, r]) => [k, JSON.stringify(r)]));
  const removed = new Set<string>();
  const seen = new Set<string>();
  const result: RefreshGovernanceResult = { assignments: [], created: 0, reassigned: 0, completed: 0, removed: 0, unmatched: 0, activeRules: active.length, skippedRules: skipped };

  const complete = (record: GovernanceAssignmentRecord, reason: CompletionReason) => {
    record.completedDate = now;
    record.completionReason = reason;
    record.updatedAt = now;
    result.completed++;
  };

  for (const a of input.assessments) {
    const key = assignmentKeyOf(a.resourceId, a.assessmentKey);
    seen.add(key);
    const existing = stored.get(key);
    if (a.status.code !== 'Unhealthy') {
      if (existing && isOpen(existing)) complete(existing, a.status.code === 'Healthy' ? 'Healthy' : 'NotApplicable');
      continue;
    }
    const resource = input.resources(a.resourceId);
    const winner = () => active.find((r) => applies(r, a, resource, input.hierarchy));
    if (existing && isOpen(existing)) {
      existing.recommendation = a.displayName;
      existing.severity = a.severity;
      if (existing.source === 'Manual') continue;
      const own = existing.ruleId ? ruleById.get(canonicalKey(existing.ruleId)) : undefined;
      if (own && !input.override) {
        if (own.rule.properties.ownerSource.type === 'ByTag') {
          const owner = ownerFor(own.rule, resource);
          if (owner) existing.owner = owner;
          else delete existing.owner;
        }
        continue;
      }
      const next = winner();
      if (!next) {
        stored.delete(key);
        removed.add(key);
        continue;
      }
      const previous = JSON.stringify(existing);
      applyRule(existing, next, resource);
      if (JSON.stringify(existing) !== previous) result.reassigned++;
      continue;
    }
    const rule = winner();
    if (!rule) {
      result.unmatched++;
      continue;
    }
    const name = assignmentNameFor(a.resourceId, a.assessmentKey);
    const record: GovernanceAssignmentRecord = {
      id: assignmentIdFor(a.resourceId, a.assessmentKey, name),
      name,
      assessmentKey: a.assessmentKey,
      resourceId: a.resourceId,
      subscriptionId: a.subscriptionId,
      recommendation: a.displayName,
      severity: a.severity,
      source: 'Rule',
      firstUnhealthyDate: now,
      remediationDueDate: now,
      isGracePeriod: false,
      governanceEmailNotification: { disableManagerEmailNotification: false, disableOwnerEmailNotification: false },
      createdAt: now,
      updatedAt: now,
    };
    applyRule(record, rule, resource);
    stored.set(key, record);
    removed.delete(key);
    result.created++;
  }
  for (const [key, record] of stored) if (!seen.has(key) && isOpen(record)) complete(record, 'ResourceRemoved');

  for (const key of removed) {
    await store.deleteDocument(GOVERNANCE_ASSIGNMENTS_COLLECTION, key);
    result.removed++;
  }
  for (const [key, record] of stored) {
    const text = JSON.stringify(record);
    if (before.get(key) === text) continue;
    if (before.has(key)) record.updatedAt = now;
    await store.putDocument(GOVERNANCE_ASSIGNMENTS_COLLECTION, key, record);
  }
  result.assignments = [...stored.values()];
  return result;
}

/** The estate rows (type, tags) of the given resource ids, read from the store in one query. */
export async function loadGovernanceResources(store: Store, resourceIds: Iterable<string>): Promise<Map<string, GovernanceResource>> {
  const keys = [...new Set([...resourceIds].map((id) => canonicalKey(id)))];
  const out = new Map<string, GovernanceResource>();
  if (keys.length === 0) return out;
  for (const r of await store.listResources({ keys })) {
    const tags = r.row.tags;
    out.set(r.key, { id: r.id, type: r.type, tags: tags !== null && typeof tags === 'object' && !Array.isArray(tags) ? (tags as Record<string, unknown>) : undefined });
  }
  return out;
}

/** Refreshes the assignments from a posture run (resource tags from the store; time: `now`, default the run's time). */
export async function refreshGovernanceFromRun(store: Store, run: PostureRun, options: { now?: Date; override?: boolean } = {}): Promise<RefreshGovernanceResult> {
  const assessments = run.assessments();
  const resources = await loadGovernanceResources(
    store,
    assessments.filter((a) => a.status.code === 'Unhealthy').map((a) => a.resourceId),
  );
  return refreshGovernance(store, {
    assessments,
    now: options.now ?? run.evaluatedAt,
    hierarchy: run.input.hierarchy,
    resources: (id) => resources.get(canonicalKey(id)),
    override: options.override,
  });
}

/**
 * The secure score's grace-period hook (posture `ScoreOptions.inGracePeriod`): true for the (recommendation, resource)
 * pairs whose open assignment has `isGracePeriod` and a due date after `now`.
 */
export function gracePeriodCheck(records: Iterable<GovernanceAssignmentRecord>, now: Date): GracePeriodCheck {
  const inGrace = new Set<string>();
  for (const r of records) if (inGracePeriod(r, now)) inGrace.add(assignmentKeyOf(r.resourceId, r.assessmentKey));
  return (assessmentKey: string, resourceId: string) => inGrace.has(assignmentKeyOf(resourceId, assessmentKey));
}

/** The grace-period check from the assignments in the store (as the last refresh left them). */
export async function loadGracePeriodCheck(store: Store, now: Date): Promise<GracePeriodCheck> {
  return gracePeriodCheck(await allGovernanceAssignments(store), now);
}

/** The same posture run scored with a grace-period check (assessments are recomputed from the same states). */
export function withGracePeriod(run: PostureRun, check: GracePeriodCheck): PostureRun {
  return runPosture({ ...run.input, score: { ...run.input.score, inGracePeriod: check } });
}
