/**
 * `palisade history replay`: a posture snapshot at every step of a window, each taken on the estate as it was then
 * (the change log undone back to that time) with the clock at that time. Times that already have a posture snapshot
 * are skipped — history is not rewritten — so a replay can be resumed or repeated.
 *
 *   const plan = replayPlan({ end, sinceMs: 90 * DAY_MS, stepMs: DAY_MS });   // 91 instants, oldest first
 *   const result = await replay(store, plan, async (at) => scanAt(at), progress);
 */
import { PalisadeError } from '../../core/index.js';
import type { Store } from '../../store/index.js';
import { postureSnapshots } from './score-history.js';

/** More points than this is a mistake (a step of minutes over years), not a replay. */
export const MAX_REPLAY_POINTS = 10_000;

export interface ReplayPlanInput {
  end: Date;
  sinceMs: number;
  stepMs: number;
}

/** end, end − step, ... down to end − since (inclusive), oldest first. */
export function replayPlan(input: ReplayPlanInput): Date[] {
  const { end, sinceMs, stepMs } = input;
  const count = Math.floor(sinceMs / stepMs) + 1;
  if (count > MAX_REPLAY_POINTS) {
    throw new PalisadeError('HistoryReplayTooLarge', `--since/--step give ${count} points; at most ${MAX_REPLAY_POINTS} (use a larger --step).`, { kind: 'argument', target: 'step' });
  }
  const out: Date[] = [];
  for (let i = count - 1; i >= 0; i--) out.push(new Date(end.getTime() - i * stepMs));
  return out;
}

export interface ReplayPoint {
  at: string;
  /** `scanned`: a snapshot was taken; `existing`: one was already there. */
  status: 'scanned' | 'existing';
  snapshotId: string;
  percentage: number;
  durationMs: number;
}

export interface ReplayResult {
  points: ReplayPoint[];
  scanned: number;
  existing: number;
  durationMs: number;
}

export interface ReplayProgress {
  update(done: number, total: number): void;
  stop(): void;
}

/** Runs `scanAt` for every planned time without a posture snapshot yet. */
export async function replay(
  store: Store,
  plan: readonly Date[],
  scanAt: (at: Date) => Promise<{ snapshotId: string; percentage: number }>,
  progress?: ReplayProgress,
): Promise<ReplayResult> {
  const started = performance.now();
  const have = new Map<number, { id: string; percentage: number }>();
  if (plan.length > 0) {
    for (const s of await postureSnapshots(store, plan[0], plan[plan.length - 1])) {
      const pct = (s.summary.secureScore as { percentage?: number } | undefined)?.percentage;
      have.set(s.takenAt.getTime(), { id: s.id, percentage: typeof pct === 'number' ? pct : 0 });
    }
  }
  const points: ReplayPoint[] = [];
  try {
    for (let i = 0; i < plan.length; i++) {
      const at = plan[i];
      const t = performance.now();
      const existing = have.get(at.getTime());
      if (existing) points.push({ at: at.toISOString(), status: 'existing', snapshotId: existing.id, percentage: existing.percentage, durationMs: 0 });
      else {
        const r = await scanAt(at);
        points.push({ at: at.toISOString(), status: 'scanned', snapshotId: r.snapshotId, percentage: r.percentage, durationMs: Math.round(performance.now() - t) });
      }
      progress?.update(i + 1, plan.length);
    }
  } finally {
    progress?.stop();
  }
  return {
    points,
    scanned: points.filter((p) => p.status === 'scanned').length,
    existing: points.filter((p) => p.status === 'existing').length,
    durationMs: Math.round(performance.now() - started),
  };
}
