/**
 * History: the estate's change log (stored per day), the estate as of any earlier time (a read-only store view), what
 * each posture snapshot keeps for history and drift (plans, attack paths, non-compliance with its deny options), the
 * replay of a window of daily snapshots, and the secure score over time. docs/history-and-drift.md is the guide.
 */
export { ChangeLog, checkChange, parseChangeLog } from './change-log.js';
export type { HistoryChange, HistoryChangeKind, RowOverride } from './change-log.js';
export { CHANGES_COLLECTION, HISTORY_COLLECTION, changeLogInfo, changeLogWarnings, deleteChangeLog, loadChangeLog, saveChangeLog } from './change-store.js';
export type { ChangeLogInfo } from './change-store.js';
export { EstateCache, asOfStore, matchesFilter, storedOf } from './as-of-store.js';
export type { AsOfOptions } from './as-of-store.js';
export { denyOption } from './deny-option.js';
export type { DenyOption } from './deny-option.js';
export { HISTORY_SECTION, HISTORY_SECTION_VERSION, encodeHistorySection, historySection, pathFacts, readHistorySection } from './sections.js';
export type {
  HistoryInput,
  HistorySection,
  NonCompliance,
  NonComplianceGroup,
  PathFact,
  SnapshotAssignment,
  SnapshotControl,
  SnapshotPathGroup,
  SnapshotSubscription,
  StoredHistorySection,
} from './sections.js';
export { POSTURE_SNAPSHOT_KIND, newestSnapshotTime, postureSnapshots, scoreHistory, weightedScore } from './score-history.js';
export type { BodySubscription, ScoreHistoryOptions, ScorePoint } from './score-history.js';
export { MAX_REPLAY_POINTS, replay, replayPlan } from './replay.js';
export type { ReplayPlanInput, ReplayPoint, ReplayProgress, ReplayResult } from './replay.js';
export { DAY_MS, HOUR_MS, MINUTE_MS, formatDuration, parseDuration, parseInstant } from './durations.js';
