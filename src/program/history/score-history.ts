/**
 * The secure score over time, from the stored posture snapshots: the tenant's (the snapshot summary), one
 * subscription's, or the weighted score of a set of subscriptions (a management group), one point per snapshot time.
 */
import { PalisadeError } from '../../core/index.js';
import type { SnapshotInfo, Store } from '../../store/index.js';

export const POSTURE_SNAPSHOT_KIND = 'posture';

export interface ScorePoint {
  at: string;
  snapshotId: string;
  current: number;
  max: number;
  /** 0..1, as the API reports it. */
  percentage: number;
  /** Assessed resources (the weight of the score). */
  weight: number;
}

/** What a posture snapshot body keeps per subscription (posture's postureSnapshotBody). */
export interface BodySubscription {
  subscriptionId: string;
  current: number;
  max: number;
  percentage: number;
  weight: number;
  controls?: Array<{ id: string; current: number; max: number; healthy: number; unhealthy: number; notApplicable: number }>;
}

export interface ScoreHistoryOptions {
  /** inclusive */
  since?: Date;
  /** inclusive */
  until?: Date;
  /** One subscription, or (with several) the weighted score of these; none: the tenant. */
  subscriptionIds?: readonly string[];
}

/** Posture snapshots in [since, until], oldest first, one per time (the first listed wins a tie). */
export async function postureSnapshots(store: Store, since?: Date, until?: Date): Promise<SnapshotInfo[]> {
  const list = await store.listSnapshots({ kind: POSTURE_SNAPSHOT_KIND, since, until: until ? new Date(until.getTime() + 1) : undefined });
  const seen = new Set<number>();
  const out: SnapshotInfo[] = [];
  for (const s of list) {
    if (seen.has(s.takenAt.getTime())) continue;
    seen.add(s.takenAt.getTime());
    out.push(s);
  }
  return out.reverse();
}

/** The newest posture snapshot's time (undefined without snapshots). */
export async function newestSnapshotTime(store: Store): Promise<Date | undefined> {
  const [newest] = await store.listSnapshots({ kind: POSTURE_SNAPSHOT_KIND, limit: 1 });
  return newest?.takenAt;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * Weighted score of some subscriptions (docs/secure-score.md): percentage Σ w·current / Σ w·max; max the points of
 * the controls assessed in at least one of them; current = percentage × max.
 */
export function weightedScore(subs: readonly BodySubscription[]): Omit<ScorePoint, 'at' | 'snapshotId'> {
  const scored = subs.filter((s) => s.weight > 0 && s.max > 0);
  const num_ = scored.reduce((n, s) => n + s.weight * s.current, 0);
  const den = scored.reduce((n, s) => n + s.weight * s.max, 0);
  const percentage = den === 0 ? 0 : num_ / den;
  const controls = new Map<string, number>();
  for (const s of scored) for (const c of s.controls ?? []) if (c.healthy + c.unhealthy > 0) controls.set(c.id, c.max);
  const max = [...controls.values()].reduce((n, m) => n + m, 0);
  return { current: Math.round(percentage * max * 100) / 100, max, percentage: Math.round(percentage * 10000) / 10000, weight: scored.reduce((n, s) => n + s.weight, 0) };
}

/** The score series. */
export async function scoreHistory(store: Store, options: ScoreHistoryOptions = {}): Promise<ScorePoint[]> {
  if (options.since && options.until && options.since > options.until) {
    throw new PalisadeError('InvalidArgumentValue', 'the history window ends before it starts', { kind: 'argument', target: 'since' });
  }
  const snaps = await postureSnapshots(store, options.since, options.until);
  const out: ScorePoint[] = [];
  const wanted = options.subscriptionIds?.map((s) => s.toLowerCase());
  for (const s of snaps) {
    const at = s.takenAt.toISOString();
    if (!wanted) {
      const score = s.summary.secureScore as Record<string, unknown> | undefined;
      if (!score || typeof score.percentage !== 'number') continue;
      out.push({ at, snapshotId: s.id, current: num(score.current), max: num(score.max), percentage: score.percentage, weight: num(score.weight) });
      continue;
    }
    const full = await store.getSnapshot(s.id);
    const subs = ((full?.body.subscriptions ?? []) as BodySubscription[]).filter((b) => wanted.includes(String(b.subscriptionId).toLowerCase()));
    if (subs.length === 0) continue;
    if (wanted.length === 1) {
      const b = subs[0];
      out.push({ at, snapshotId: s.id, current: num(b.current), max: num(b.max), percentage: num(b.percentage), weight: num(b.weight) });
    } else out.push({ at, snapshotId: s.id, ...weightedScore(subs) });
  }
  return out;
}
