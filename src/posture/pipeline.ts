/**
 * The posture pipeline over one evaluated estate: policy states → assessments → secure scores (per subscription,
 * per management group, tenant) → regulatory compliance → priorities, and the summary a posture snapshot keeps.
 *
 *   const run = runPosture({ states, catalog, setDefinition, hierarchy, subscriptions, assignments, evaluatedAt });
 *   run.subscriptionScore(sub); run.scopeScore('/providers/Microsoft.Management/managementGroups/contoso-root');
 *   run.compliance(sub?); run.priorities(); postureSummary(run)
 *
 * Pure and deterministic: the same states give the same numbers (and the same summary, timings aside). Everything is
 * computed on first use and cached.
 */
import type { PolicyDefinitionResource, PolicySetDefinitionResource, PostureCatalogData } from '../catalog/index.js';
import { ResourceId, isWithin, type ScopeHierarchy } from '../core/index.js';
import { computeAssessments, type Assessment, type PolicyStateInput } from './assessments.js';
import { computeRegulatoryCompliance, type ComplianceStandardResult } from './compliance.js';
import { prioritize, type ExposureProvider, type PrioritizedItem } from './prioritize.js';
import { aggregateSecureScore, computeSecureScores, computeSubscriptionScore, type AggregateSecureScore, type ScoreOptions, type SubscriptionSecureScore } from './secure-score.js';
import { roundTo } from './arm.js';

export interface PostureSubscription {
  subscriptionId: string;
  displayName: string;
}

/** An initiative (or definition) assignment: where it sits and what it assigns. */
export interface PostureAssignment {
  scope: string;
  policyDefinitionId: string;
}

export interface PostureInput {
  states: readonly PolicyStateInput[];
  catalog: PostureCatalogData;
  setDefinition: (id: string) => PolicySetDefinitionResource | undefined;
  definition?: (id: string) => PolicyDefinitionResource | undefined;
  /** The management-group tree (an estate ManagementGroupTree fits). */
  hierarchy?: ScopeHierarchy;
  /** Every subscription of the estate (those without assessments get an empty score). */
  subscriptions: readonly PostureSubscription[];
  assignments: readonly PostureAssignment[];
  /** Initiatives whose states make assessments (default MCSB). */
  assessmentInitiativeIds?: readonly string[];
  exposure?: ExposureProvider;
  score?: ScoreOptions;
  evaluatedAt: Date;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class PostureRun {
  readonly evaluatedAt: Date;
  private assessmentsValue?: Assessment[];
  private scoresValue?: Map<string, SubscriptionSecureScore>;
  private tenantValue?: AggregateSecureScore;
  private complianceValue = new Map<string, ComplianceStandardResult[]>();
  private prioritiesValue?: PrioritizedItem[];
  private bySubValue?: Map<string, Assessment[]>;
  readonly timings: Record<string, number> = {};

  constructor(readonly input: PostureInput) {
    this.evaluatedAt = input.evaluatedAt;
  }

  private timed<T>(name: string, f: () => T): T {
    const t = performance.now();
    const v = f();
    this.timings[name] = (this.timings[name] ?? 0) + Math.round(performance.now() - t);
    return v;
  }

  get catalog(): PostureCatalogData {
    return this.input.catalog;
  }

  /** Every assessment of the estate, sorted by resource id then key. */
  assessments(): Assessment[] {
    return (this.assessmentsValue ??= this.timed('assessmentsMs', () => computeAssessments(this.input.states, this.input.catalog, { initiativeIds: this.input.assessmentInitiativeIds })));
  }

  /** Assessments of one subscription. */
  assessmentsOf(subscriptionId: string): Assessment[] {
    if (!this.bySubValue) {
      const m = new Map<string, Assessment[]>();
      for (const a of this.assessments()) {
        const k = a.subscriptionId.toLowerCase();
        let l = m.get(k);
        if (!l) m.set(k, (l = []));
        l.push(a);
      }
      this.bySubValue = m;
    }
    return this.bySubValue.get(subscriptionId.toLowerCase()) ?? [];
  }

  /** Scores of every estate subscription (and any other subscription with assessments), sorted by id. */
  subscriptionScores(): SubscriptionSecureScore[] {
    if (!this.scoresValue) {
      const assessments = this.assessments();
      this.scoresValue = this.timed('secureScoreMs', () => {
        const m = new Map(computeSecureScores(assessments, this.input.catalog, this.input.score).map((s) => [s.subscriptionId.toLowerCase(), s]));
        for (const s of this.input.subscriptions) {
          if (!m.has(s.subscriptionId.toLowerCase())) m.set(s.subscriptionId.toLowerCase(), computeSubscriptionScore(s.subscriptionId, [], this.input.catalog, this.input.score));
        }
        return new Map([...m.entries()].sort(([a], [b]) => cmp(a, b)));
      });
    }
    return [...this.scoresValue.values()];
  }

  subscriptionScore(subscriptionId: string): SubscriptionSecureScore | undefined {
    this.subscriptionScores();
    return this.scoresValue!.get(subscriptionId.toLowerCase());
  }

  /** The weighted score of every subscription (the tenant's, what `palisade scan` reports). */
  tenantScore(): AggregateSecureScore {
    return (this.tenantValue ??= aggregateSecureScore(this.subscriptionScores(), this.input.catalog));
  }

  /** The weighted score of the subscriptions within a scope (a management group id, a subscription id, `/`). */
  scopeScore(scopeId: string): AggregateSecureScore {
    const scope = ResourceId.parse(scopeId);
    const within = this.subscriptionScores().filter((s) => isWithin(scope, `/subscriptions/${s.subscriptionId}`, this.input.hierarchy));
    return aggregateSecureScore(within, this.input.catalog);
  }

  /** Initiatives assigned at or above a subscription (every assigned initiative when no subscription is given). */
  assignedInitiatives(subscriptionId?: string): string[] {
    const out = new Set<string>();
    for (const a of this.input.assignments) {
      if (!a.policyDefinitionId.toLowerCase().includes('/policysetdefinitions/')) continue;
      if (subscriptionId !== undefined) {
        let scope: ResourceId;
        try {
          scope = ResourceId.parse(a.scope);
        } catch {
          continue;
        }
        if (scope.kind === 'resourceGroup' || scope.kind === 'resource') continue;
        if (!isWithin(scope, `/subscriptions/${subscriptionId}`, this.input.hierarchy)) continue;
      }
      out.add(a.policyDefinitionId);
    }
    return [...out].sort(cmp);
  }

  /** Regulatory compliance of a subscription, or of the whole estate. */
  compliance(subscriptionId?: string): ComplianceStandardResult[] {
    const key = (subscriptionId ?? '').toLowerCase();
    let hit = this.complianceValue.get(key);
    if (!hit) {
      hit = this.timed('complianceMs', () =>
        computeRegulatoryCompliance({
          states: this.input.states,
          setDefinition: this.input.setDefinition,
          definition: this.input.definition,
          catalog: this.input.catalog,
          assignedInitiativeIds: this.assignedInitiatives(subscriptionId),
          subscriptionId,
        }),
      );
      this.complianceValue.set(key, hit);
    }
    return hit;
  }

  /** Every unhealthy (recommendation, resource), ranked by points × exploitability. */
  priorities(): PrioritizedItem[] {
    const assessments = this.assessments();
    return (this.prioritiesValue ??= this.timed('prioritizeMs', () => prioritize(assessments, this.input.catalog, { ...this.input.score, exposure: this.input.exposure })));
  }
}

export function runPosture(input: PostureInput): PostureRun {
  return new PostureRun(input);
}

// ------------------------------------------------------------------------------------------------------ summary

export interface PostureSummary {
  kind: 'posture';
  evaluatedAt: string;
  secureScore: { current: number; max: number; percentage: number; weight: number; subscriptions: number; assessedSubscriptions: number };
  assessments: { total: number; healthy: number; unhealthy: number; notApplicable: number };
  /** The five controls (tenant-wide) with the most points at risk. */
  topControls: Array<{ controlId: string; displayName: string; maxScore: number; current: number; pointsAtRisk: number; healthyResourceCount: number; unhealthyResourceCount: number }>;
  /** Unhealthy recommendations by severity: distinct recommendations and (recommendation, resource) pairs. */
  recommendationsBySeverity: Record<'High' | 'Medium' | 'Low', { recommendations: number; unhealthyResources: number }>;
  compliance: Array<{ standard: string; displayName: string; state: string; passedControls: number; failedControls: number; skippedControls: number; unsupportedControls: number }>;
  topPriorities: Array<{ recommendation: string; resourceId: string; severity: string; control: string; points: number; exploitability: number; priority: number }>;
  subscriptionsBelow50Percent: number;
}

/** The snapshot summary of a run (rounded as the API rounds: points to 2 decimals, percentages to 4). */
export function postureSummary(run: PostureRun, options: { topControls?: number; topPriorities?: number } = {}): PostureSummary {
  const tenant = run.tenantScore();
  const subs = run.subscriptionScores();
  const assessments = run.assessments();
  let healthy = 0;
  let unhealthy = 0;
  let na = 0;
  const bySeverity: PostureSummary['recommendationsBySeverity'] = {
    High: { recommendations: 0, unhealthyResources: 0 },
    Medium: { recommendations: 0, unhealthyResources: 0 },
    Low: { recommendations: 0, unhealthyResources: 0 },
  };
  const unhealthyKeys = new Map<string, string>();
  for (const a of assessments) {
    if (a.status.code === 'Healthy') healthy++;
    else if (a.status.code === 'Unhealthy') {
      unhealthy++;
      bySeverity[a.severity].unhealthyResources++;
      unhealthyKeys.set(a.assessmentKey, a.severity);
    } else na++;
  }
  for (const sev of unhealthyKeys.values()) bySeverity[sev as 'High' | 'Medium' | 'Low'].recommendations++;
  const topControls = tenant.controls
    .filter((c) => c.weight > 0 && c.maxScore > 0)
    .map((c) => ({
      controlId: c.controlId,
      displayName: c.displayName,
      maxScore: c.maxScore,
      current: roundTo(c.current, 2),
      pointsAtRisk: roundTo(c.maxScore - c.current, 2),
      healthyResourceCount: c.healthyResourceCount,
      unhealthyResourceCount: c.unhealthyResourceCount,
      exact: c.maxScore - c.current,
    }))
    .sort((a, b) => b.exact - a.exact || cmp(a.displayName, b.displayName))
    .slice(0, options.topControls ?? 5)
    .map(({ exact: _exact, ...rest }) => rest);
  return {
    kind: 'posture',
    evaluatedAt: run.evaluatedAt.toISOString(),
    secureScore: {
      current: roundTo(tenant.current, 2),
      max: tenant.max,
      percentage: roundTo(tenant.percentage, 4),
      weight: tenant.weight,
      subscriptions: subs.length,
      assessedSubscriptions: subs.filter((s) => s.weight > 0).length,
    },
    assessments: { total: assessments.length, healthy, unhealthy, notApplicable: na },
    topControls,
    recommendationsBySeverity: bySeverity,
    compliance: run.compliance().map((s) => ({
      standard: s.name,
      displayName: s.displayName,
      state: s.state,
      passedControls: s.passedControls,
      failedControls: s.failedControls,
      skippedControls: s.skippedControls,
      unsupportedControls: s.unsupportedControls,
    })),
    topPriorities: run
      .priorities()
      .slice(0, options.topPriorities ?? 10)
      .map((p) => ({
        recommendation: p.displayName,
        resourceId: p.resourceId,
        severity: p.severity,
        control: p.controlName,
        points: roundTo(p.points, 2),
        exploitability: roundTo(p.exploitability, 2),
        priority: roundTo(p.priority, 2),
      })),
    subscriptionsBelow50Percent: subs.filter((s) => s.weight > 0 && s.score.percentage < 0.5).length,
  };
}

/** The snapshot body: per-subscription scores and control counts, per-standard control states. */
export function postureSnapshotBody(run: PostureRun): Record<string, unknown> {
  return {
    subscriptions: run.subscriptionScores().map((s) => ({
      subscriptionId: s.subscriptionId,
      current: roundTo(s.score.current, 2),
      max: s.score.max,
      percentage: roundTo(s.score.percentage, 4),
      weight: s.weight,
      controls: s.controls
        .filter((c) => c.weight > 0 || c.notApplicableResourceCount > 0)
        .map((c) => ({ id: c.controlId, current: roundTo(c.current, 2), max: c.maxScore, healthy: c.healthyResourceCount, unhealthy: c.unhealthyResourceCount, notApplicable: c.notApplicableResourceCount })),
    })),
    compliance: run.compliance().map((s) => ({ standard: s.name, state: s.state, controls: s.controls.map((c) => ({ name: c.name, state: c.state, passed: c.passedResources, failed: c.failedResources, skipped: c.skippedResources })) })),
    priorities: run.priorities().slice(0, 100).map((p) => ({ key: p.assessmentKey, resourceId: p.resourceId, points: roundTo(p.points, 4), priority: roundTo(p.priority, 4) })),
  };
}
