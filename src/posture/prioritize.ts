/**
 * Prioritisation: points at risk × exploitability, for every unhealthy (recommendation, resource).
 *
 * Points: what the control's score would gain if that resource became healthy in that control — exactly
 *   maxScore × (h + 1) / (h + u) − maxScore × h / (h + u) = maxScore / (h + u)
 * with h, u the control's healthy and unhealthy resource counts in the resource's subscription. (If the resource has
 * other unhealthy recommendations in the same control, all of them must be fixed to earn the points;
 * `otherUnhealthyInControl` says how many.) Preview recommendations and zero-point controls earn 0 points; so does an
 * assessment in its grace period, since it already counts as healthy.
 *
 * Exploitability comes from an ExposureProvider (the security graph fills it in later):
 *   reach   = 0 when the resource is not reachable from the internet, else 1 / 2^hops (hops 0 = internet-facing)
 *   factor  = 1 + 2 × reach + (onAttackPath ? 1 : 0)
 * so with no exposure information every factor is 1 and points decide. An internet-facing resource on an attack path
 * gets 4; one reachable only three hops behind, on no path, gets 1.25 — a 6-point fix on the exposed path (24)
 * outranks a 10-point fix three hops back (12.5).
 */
import type { PostureCatalogData } from '../catalog/index.js';
import type { Assessment } from './assessments.js';
import { computeSecureScores, type ScoreOptions } from './secure-score.js';
import { roundTo } from './arm.js';

export interface ResourceExposure {
  /** Reachable from the internet directly (hops 0) or through `hops` network hops. */
  internetExposed: boolean;
  /** Network hops from the internet to the resource; undefined = not reachable. Exposed resources have 0. */
  hops?: number;
  /** Member of at least one attack path. */
  onAttackPath: boolean;
  /** Attack path ids, when known. */
  attackPaths?: string[];
}

export interface ExposureProvider {
  exposure(resourceId: string): ResourceExposure | undefined;
}

/** No exposure known for any resource: every factor is 1. */
export const NO_EXPOSURE: ExposureProvider = { exposure: () => undefined };

/** A provider from a map of resource id (case-insensitive) → exposure. */
export function exposureFromMap(entries: Iterable<[string, ResourceExposure]>): ExposureProvider {
  const m = new Map<string, ResourceExposure>();
  for (const [id, e] of entries) m.set(id.toLowerCase(), e);
  return { exposure: (id) => m.get(id.toLowerCase()) };
}

export function exploitabilityFactor(e: ResourceExposure | undefined): number {
  if (!e) return 1;
  const hops = e.internetExposed ? (e.hops ?? 0) : e.hops;
  const reach = hops === undefined ? 0 : 1 / 2 ** Math.max(0, hops);
  return 1 + 2 * reach + (e.onAttackPath ? 1 : 0);
}

export interface PrioritizedItem {
  assessmentKey: string;
  displayName: string;
  resourceId: string;
  subscriptionId: string;
  controlId: string;
  controlName: string;
  severity: string;
  /** Control points gained if the resource became healthy in the control (exact). */
  points: number;
  /** points as a share of the subscription's max score (the percentage points it moves). */
  scoreIncrease: number;
  exploitability: number;
  /** points × exploitability */
  priority: number;
  otherUnhealthyInControl: number;
  inGracePeriod: boolean;
  exposure?: ResourceExposure;
}

export interface PrioritizeOptions extends ScoreOptions {
  exposure?: ExposureProvider;
  /** Keep the first N. */
  top?: number;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Unhealthy assessments ranked by priority (desc), then points, severity, resource id and key for a stable order. */
export function prioritize(assessments: readonly Assessment[], catalog: PostureCatalogData, options: PrioritizeOptions = {}): PrioritizedItem[] {
  const provider = options.exposure ?? NO_EXPOSURE;
  const scores = new Map(computeSecureScores(assessments, catalog, options).map((s) => [s.subscriptionId.toLowerCase(), s]));
  const recs = new Map(catalog.recommendations.map((r) => [r.assessmentKey.toLowerCase(), r]));
  // Unhealthy (non-grace) recommendations per (subscription, control, resource).
  const unhealthyCount = new Map<string, number>();
  const k3 = (sub: string, control: string, res: string) => `${sub.toLowerCase()}|${control.toLowerCase()}|${res.toLowerCase()}`;
  const grace = (a: Assessment) => options.inGracePeriod?.(a.assessmentKey, a.resourceId) ?? false;
  for (const a of assessments) {
    const rec = recs.get(a.assessmentKey.toLowerCase());
    if (!rec || rec.preview || a.status.code !== 'Unhealthy' || grace(a)) continue;
    const k = k3(a.subscriptionId, rec.controlId, a.resourceId);
    unhealthyCount.set(k, (unhealthyCount.get(k) ?? 0) + 1);
  }
  const out: PrioritizedItem[] = [];
  for (const a of assessments) {
    if (a.status.code !== 'Unhealthy') continue;
    const rec = recs.get(a.assessmentKey.toLowerCase());
    if (!rec) continue;
    const sub = scores.get(a.subscriptionId.toLowerCase());
    const control = sub?.controls.find((c) => c.controlId.toLowerCase() === rec.controlId.toLowerCase());
    const inGrace = grace(a);
    const assessed = control ? control.healthyResourceCount + control.unhealthyResourceCount : 0;
    const points = rec.preview || inGrace || !control || assessed === 0 ? 0 : control.maxScore / assessed;
    const exposure = provider.exposure(a.resourceId);
    const factor = exploitabilityFactor(exposure);
    const others = rec.preview || inGrace ? unhealthyCount.get(k3(a.subscriptionId, rec.controlId, a.resourceId)) ?? 0 : (unhealthyCount.get(k3(a.subscriptionId, rec.controlId, a.resourceId)) ?? 1) - 1;
    out.push({
      assessmentKey: a.assessmentKey,
      displayName: a.displayName,
      resourceId: a.resourceId,
      subscriptionId: a.subscriptionId,
      controlId: rec.controlId,
      controlName: rec.controlName,
      severity: rec.severity,
      points,
      scoreIncrease: sub && sub.score.max > 0 ? points / sub.score.max : 0,
      exploitability: factor,
      priority: points * factor,
      otherUnhealthyInControl: others,
      inGracePeriod: inGrace,
      ...(exposure ? { exposure } : {}),
    });
  }
  const sev: Record<string, number> = { High: 0, Medium: 1, Low: 2 };
  out.sort(
    (x, y) =>
      y.priority - x.priority ||
      y.points - x.points ||
      (sev[x.severity] ?? 3) - (sev[y.severity] ?? 3) ||
      cmp(x.resourceId.toLowerCase(), y.resourceId.toLowerCase()) ||
      cmp(x.assessmentKey, y.assessmentKey),
  );
  return options.top !== undefined ? out.slice(0, options.top) : out;
}

/** A prioritised item as the CLI and the API print it: rank, names, rounded points and factors. */
export function priorityView(p: PrioritizedItem, index: number): Record<string, unknown> {
  return {
    rank: index + 1,
    recommendation: p.displayName,
    assessmentKey: p.assessmentKey,
    resourceId: p.resourceId,
    subscriptionId: p.subscriptionId,
    control: p.controlName,
    controlId: p.controlId,
    severity: p.severity,
    points: roundTo(p.points, 2),
    scoreIncrease: roundTo(p.scoreIncrease, 4),
    exploitability: roundTo(p.exploitability, 2),
    priority: roundTo(p.priority, 2),
    otherUnhealthyInControl: p.otherUnhealthyInControl,
    exposure: p.exposure ?? null,
  };
}
