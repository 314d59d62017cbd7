/**
 * Which snapshots a drift check compares. `driftCheck`: the newest posture snapshot at or before `at` against the
 * newest at or before `at − since` (week over week by default). `driftHistory`: consecutive windows of `window` from
 * the first snapshot of the period to its end, so every change of the period falls in exactly one window.
 */
import { PalisadeError } from '../../core/index.js';
import type { SnapshotInfo, Store } from '../../store/index.js';
import { loadChangeLog, postureSnapshots, readHistorySection, type BodySubscription, type ChangeLog } from '../history/index.js';
import { detectDrifts, type Drift, type DriftSnapshot, type DriftThresholds } from './detect.js';

export interface DriftWindow {
  from: { snapshotId: string; takenAt: string } | null;
  to: { snapshotId: string; takenAt: string } | null;
  drifts: Drift[];
  warnings: string[];
}

export interface DriftCheckOptions extends Partial<DriftThresholds> {
  /** End of the window (default: the newest posture snapshot). */
  at?: Date;
  sinceMs: number;
  /** The change log (default: the store's). */
  log?: ChangeLog;
}

export interface DriftHistoryOptions extends Partial<DriftThresholds> {
  /** End of the period (default: the newest posture snapshot). */
  at?: Date;
  /** Length of the period. */
  sinceMs: number;
  /** Length of each window. */
  windowMs: number;
  log?: ChangeLog;
}

/** At most this many windows (a window of minutes over years is a mistake). */
export const MAX_DRIFT_WINDOWS = 5_000;

/** Loads and decodes snapshots once per run. */
class SnapshotReader {
  private readonly cache = new Map<string, DriftSnapshot | null>();
  constructor(private readonly store: Store) {}

  async read(info: SnapshotInfo): Promise<DriftSnapshot | null> {
    if (this.cache.has(info.id)) return this.cache.get(info.id)!;
    const full = await this.store.getSnapshot(info.id);
    const history = full ? readHistorySection(full.body) : undefined;
    const snap = full && history ? { id: full.id, takenAt: full.takenAt, subscriptions: (full.body.subscriptions ?? []) as BodySubscription[], history } : null;
    this.cache.set(info.id, snap);
    return snap;
  }
}

/** The newest snapshot at or before `t` in an oldest-first list. */
function atOrBefore(list: readonly SnapshotInfo[], t: number): SnapshotInfo | undefined {
  let hit: SnapshotInfo | undefined;
  for (const s of list) {
    if (s.takenAt.getTime() <= t) hit = s;
    else break;
  }
  return hit;
}

async function compare(reader: SnapshotReader, log: ChangeLog, a: SnapshotInfo | undefined, b: SnapshotInfo | undefined, options: Partial<DriftThresholds>, wanted: { from: Date; to: Date }): Promise<DriftWindow> {
  const out: DriftWindow = {
    from: a ? { snapshotId: a.id, takenAt: a.takenAt.toISOString() } : null,
    to: b ? { snapshotId: b.id, takenAt: b.takenAt.toISOString() } : null,
    drifts: [],
    warnings: [],
  };
  if (!b) {
    out.warnings.push(`no posture snapshot at or before ${wanted.to.toISOString()}: run palisade scan (or palisade history replay)`);
    return out;
  }
  if (!a) {
    out.warnings.push(`no posture snapshot at or before ${wanted.from.toISOString()} to compare with: drift needs one from the start of the window`);
    return out;
  }
  if (a.id === b.id) return out;
  const [sa, sb] = [await reader.read(a), await reader.read(b)];
  for (const [s, info] of [[sa, a], [sb, b]] as const) {
    if (!s) out.warnings.push(`snapshot ${info.id} (${info.takenAt.toISOString()}) has no history section (taken before drift detection existed): re-scan`);
  }
  if (!sa || !sb) return out;
  out.drifts = detectDrifts(sa, sb, { ...options, changes: log.between(a.takenAt, b.takenAt) });
  return out;
}

/** One window ending at `at` (default: the newest snapshot). */
export async function driftCheck(store: Store, options: DriftCheckOptions): Promise<DriftWindow> {
  const list = await postureSnapshots(store);
  const end = options.at ?? list[list.length - 1]?.takenAt ?? new Date();
  const start = new Date(end.getTime() - options.sinceMs);
  const log = options.log ?? (await loadChangeLog(store));
  return compare(new SnapshotReader(store), log, atOrBefore(list, start.getTime()), atOrBefore(list, end.getTime()), options, { from: start, to: end });
}

/** Consecutive windows over a period, oldest first. */
export async function driftHistory(store: Store, options: DriftHistoryOptions): Promise<DriftWindow[]> {
  const list = await postureSnapshots(store);
  const end = options.at ?? list[list.length - 1]?.takenAt ?? new Date();
  const periodStart = end.getTime() - options.sinceMs;
  const log = options.log ?? (await loadChangeLog(store));
  const reader = new SnapshotReader(store);
  // The first boundary: the snapshot at or before the period start, else the first one inside the period.
  const first = atOrBefore(list, periodStart) ?? list.find((s) => s.takenAt.getTime() > periodStart && s.takenAt.getTime() <= end.getTime());
  if (!first) return [await compare(reader, log, undefined, atOrBefore(list, end.getTime()), options, { from: new Date(periodStart), to: end })];
  const boundaries: number[] = [Math.max(first.takenAt.getTime(), periodStart)];
  const count = Math.ceil((end.getTime() - boundaries[0]) / options.windowMs);
  if (count > MAX_DRIFT_WINDOWS) {
    throw new PalisadeError('DriftTooManyWindows', `--since/--window give ${count} windows; at most ${MAX_DRIFT_WINDOWS} (use a larger --window).`, { kind: 'argument', target: 'window' });
  }
  while (boundaries[boundaries.length - 1] < end.getTime()) boundaries.push(Math.min(boundaries[boundaries.length - 1] + options.windowMs, end.getTime()));
  const windows: DriftWindow[] = [];
  for (let i = 1; i < boundaries.length; i++) {
    const from = new Date(boundaries[i - 1]);
    const to = new Date(boundaries[i]);
    windows.push(await compare(reader, log, atOrBefore(list, from.getTime()) ?? first, atOrBefore(list, to.getTime()), options, { from, to }));
  }
  return windows;
}
