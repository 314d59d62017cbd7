/**
 * Secure Score, classic model (docs/secure-score.md has the derivation and a worked example). Pure functions over
 * assessments; nothing here rounds except the ARM shapes.
 *
 * Per control, per subscription:
 *   a resource counts once; over the control's non-preview recommendations that have an assessment for it:
 *     unhealthy      if any is Unhealthy (and not in a grace period),
 *     healthy        else if any is Healthy (or Unhealthy in a grace period),
 *     notApplicable  else (all NotApplicable: exempt, manual);
 *   current = maxScore × healthy / (healthy + unhealthy)   (0 when healthy + unhealthy = 0)
 *   potentialIncrease = maxScore × unhealthy / (healthy + unhealthy)
 *   weight = healthy + unhealthy
 * Per subscription: over controls with ≥1 healthy or unhealthy resource,
 *   current = Σ current_c, max = Σ maxScore_c, percentage = current / max;
 *   weight = distinct resources healthy or unhealthy in at least one control worth points.
 * Across subscriptions (a management group, a tenant): a weighted sum, not an average —
 *   percentage = Σ_s weight_s × current_s / Σ_s weight_s × max_s,
 * so each subscription counts with its assessed resources, and a control a subscription has no resources for
 * contributes neither current nor max points to it.
 * Zero-point controls are listed (with their counts) but add nothing; preview recommendations are not counted.
 */
import type { PostureCatalogData, SecureScoreControlDefinitionData } from '../catalog/index.js';
import { isWithin, type ScopeHierarchy } from '../core/index.js';
import type { Assessment } from './assessments.js';

/** Governance hook: an Unhealthy (recommendation, resource) in its grace period does not lower the score. */
export type GracePeriodCheck = (assessmentKey: string, resourceId: string) => boolean;

export interface ScoreOptions {
  /** Treats the unhealthy assessments it returns true for as healthy in the score (they stay Unhealthy as assessments). */
  inGracePeriod?: GracePeriodCheck;
}

export type ResourceControlState = 'healthy' | 'unhealthy' | 'notApplicable';

export interface ControlScore {
  controlId: string;
  displayName: string;
  maxScore: number;
  healthyResourceCount: number;
  unhealthyResourceCount: number;
  notApplicableResourceCount: number;
  /** Exact (unrounded) points. */
  current: number;
  /** current / maxScore, exact; 0 when maxScore is 0. */
  percentage: number;
  potentialIncrease: number;
  /** healthy + unhealthy */
  weight: number;
  /** Every counted resource's state in this control (lower-cased resource id → state). */
  resources: Map<string, ResourceControlState>;
}

export interface ScoreValue {
  current: number;
  max: number;
  percentage: number;
}

export interface SubscriptionSecureScore {
  subscriptionId: string;
  /** All catalog controls, in catalog order. */
  controls: ControlScore[];
  score: ScoreValue;
  /** Distinct resources healthy or unhealthy in at least one control worth points. */
  weight: number;
}

export interface AggregateSecureScore {
  subscriptionIds: string[];
  /** Σ weight_s × current_s and Σ weight_s × max_s. */
  weightedCurrent: number;
  weightedMax: number;
  /** weightedCurrent / weightedMax (0 when nothing is assessed). */
  percentage: number;
  /** Σ maxScore over controls assessed in at least one subscription, and percentage × that: the points view. */
  max: number;
  current: number;
  /** Σ weight_s */
  weight: number;
  /** Controls aggregated across the subscriptions (resource counts summed; current = max × Σhealthy / Σassessed). */
  controls: ControlScore[];
}

function controlOf(catalog: PostureCatalogData): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of catalog.recommendations) if (!r.preview) m.set(r.assessmentKey.toLowerCase(), r.controlId.toLowerCase());
  return m;
}

function finish(def: SecureScoreControlDefinitionData, resources: Map<string, ResourceControlState>): ControlScore {
  let healthy = 0;
  let unhealthy = 0;
  let na = 0;
  for (const s of resources.values()) {
    if (s === 'healthy') healthy++;
    else if (s === 'unhealthy') unhealthy++;
    else na++;
  }
  return controlFromCounts(def, healthy, unhealthy, na, resources);
}

/** A control's score from its counts (the formula, in one place). */
export function controlFromCounts(def: Pick<SecureScoreControlDefinitionData, 'id' | 'displayName' | 'maxScore'>, healthy: number, unhealthy: number, notApplicable: number, resources = new Map<string, ResourceControlState>()): ControlScore {
  const assessed = healthy + unhealthy;
  const current = assessed === 0 ? 0 : (def.maxScore * healthy) / assessed;
  return {
    controlId: def.id,
    displayName: def.displayName,
    maxScore: def.maxScore,
    healthyResourceCount: healthy,
    unhealthyResourceCount: unhealthy,
    notApplicableResourceCount: notApplicable,
    current,
    percentage: def.maxScore === 0 ? 0 : current / def.maxScore,
    potentialIncrease: assessed === 0 ? 0 : (def.maxScore * unhealthy) / assessed,
    weight: assessed,
    resources,
  };
}

const RANK: Record<ResourceControlState, number> = { notApplicable: 0, healthy: 1, unhealthy: 2 };

/**
 * Per-control scores of one set of assessments (normally one subscription's). Every catalog control is returned, in
 * catalog order, including controls without resources.
 */
export function computeControlScores(assessments: Iterable<Assessment>, catalog: PostureCatalogData, options: ScoreOptions = {}): ControlScore[] {
  const controlFor = controlOf(catalog);
  const perControl = new Map<string, Map<string, ResourceControlState>>();
  for (const a of assessments) {
    const controlId = controlFor.get(a.assessmentKey.toLowerCase());
    if (!controlId) continue; // preview or unknown recommendation: not counted
    let state: ResourceControlState = a.status.code === 'Healthy' ? 'healthy' : a.status.code === 'Unhealthy' ? 'unhealthy' : 'notApplicable';
    if (state === 'unhealthy' && options.inGracePeriod?.(a.assessmentKey, a.resourceId)) state = 'healthy';
    let resources = perControl.get(controlId);
    if (!resources) perControl.set(controlId, (resources = new Map()));
    const key = a.resourceId.toLowerCase();
    const prev = resources.get(key);
    if (prev === undefined || RANK[state] > RANK[prev]) resources.set(key, state);
  }
  return catalog.controls.map((def) => finish(def, perControl.get(def.id.toLowerCase()) ?? new Map()));
}

/** Σ current / Σ max over the controls with at least one assessed (healthy or unhealthy) resource. */
export function scoreOfControls(controls: readonly ControlScore[]): ScoreValue {
  let current = 0;
  let max = 0;
  for (const c of controls) {
    if (c.weight === 0 || c.maxScore === 0) continue;
    current += c.current;
    max += c.maxScore;
  }
  return { current, max, percentage: max === 0 ? 0 : current / max };
}

function resourceWeight(controls: readonly ControlScore[]): number {
  const seen = new Set<string>();
  for (const c of controls) {
    if (c.maxScore === 0) continue;
    for (const [id, s] of c.resources) if (s !== 'notApplicable') seen.add(id);
  }
  return seen.size;
}

/** The secure score of one subscription from its assessments (others are ignored). */
export function computeSubscriptionScore(subscriptionId: string, assessments: Iterable<Assessment>, catalog: PostureCatalogData, options: ScoreOptions = {}): SubscriptionSecureScore {
  const sub = subscriptionId.toLowerCase();
  const mine = [...assessments].filter((a) => a.subscriptionId.toLowerCase() === sub);
  const controls = computeControlScores(mine, catalog, options);
  return { subscriptionId, controls, score: scoreOfControls(controls), weight: resourceWeight(controls) };
}

/** Scores of every subscription that has assessments, sorted by subscription id. */
export function computeSecureScores(assessments: Iterable<Assessment>, catalog: PostureCatalogData, options: ScoreOptions = {}): SubscriptionSecureScore[] {
  const bySub = new Map<string, { id: string; list: Assessment[] }>();
  for (const a of assessments) {
    const k = a.subscriptionId.toLowerCase();
    let e = bySub.get(k);
    if (!e) bySub.set(k, (e = { id: a.subscriptionId, list: [] }));
    e.list.push(a);
  }
  return [...bySub.keys()]
    .sort()
    .map((k) => {
      const e = bySub.get(k)!;
      const controls = computeControlScores(e.list, catalog, options);
      return { subscriptionId: e.id, controls, score: scoreOfControls(controls), weight: resourceWeight(controls) };
    });
}

/**
 * The score across subscriptions (a management group's, or the tenant's): Σ w·current / Σ w·max with w = each
 * subscription's weight. Subscriptions with weight 0 (nothing assessed) drop out.
 */
export function aggregateSecureScore(subscriptions: readonly SubscriptionSecureScore[], catalog: PostureCatalogData): AggregateSecureScore {
  let wc = 0;
  let wm = 0;
  let w = 0;
  for (const s of subscriptions) {
    wc += s.weight * s.score.current;
    wm += s.weight * s.score.max;
    w += s.weight;
  }
  const controls = catalog.controls.map((def) => {
    let h = 0;
    let u = 0;
    let n = 0;
    for (const s of subscriptions) {
      const c = s.controls.find((x) => x.controlId.toLowerCase() === def.id.toLowerCase());
      if (!c) continue;
      h += c.healthyResourceCount;
      u += c.unhealthyResourceCount;
      n += c.notApplicableResourceCount;
    }
    return controlFromCounts(def, h, u, n);
  });
  const max = controls.reduce((m, c) => (c.weight > 0 ? m + c.maxScore : m), 0);
  const percentage = wm === 0 ? 0 : wc / wm;
  return {
    subscriptionIds: subscriptions.map((s) => s.subscriptionId),
    weightedCurrent: wc,
    weightedMax: wm,
    percentage,
    max,
    current: percentage * max,
    weight: w,
    controls,
  };
}

/**
 * The aggregate score of the subscriptions within a scope (a management group id, resolved through the hierarchy —
 * an estate `ManagementGroupTree` fits; a subscription id; or `/` for the tenant).
 */
export function aggregateForScope(scopeId: string, subscriptions: readonly SubscriptionSecureScore[], catalog: PostureCatalogData, hierarchy?: ScopeHierarchy): AggregateSecureScore {
  const within = subscriptions.filter((s) => isWithin(scopeId, `/subscriptions/${s.subscriptionId}`, hierarchy));
  return aggregateSecureScore(within, catalog);
}
