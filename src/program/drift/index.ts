/**
 * Drift detection: what got worse between two posture snapshots (score, control health, attack paths opening, new
 * non-compliance under audit-mode assignments, subscriptions joining naked), the resources and changes behind it, and
 * the audit-mode assignment that would have blocked it had it denied. docs/history-and-drift.md is the guide.
 */
export { DEFAULT_CONTROL_DROP, DEFAULT_SCORE_DROP, DRIFT_KINDS, detectDrifts, driftId } from './detect.js';
export type { Drift, DriftChange, DriftKind, DriftOptions, DriftSnapshot, DriftThresholds } from './detect.js';
export { denyCandidates, flipCommand } from './candidates.js';
export type { CandidateInput, DenyCandidate, UnblockablePolicy } from './candidates.js';
export { MAX_DRIFT_WINDOWS, driftCheck, driftHistory } from './windows.js';
export type { DriftCheckOptions, DriftHistoryOptions, DriftWindow } from './windows.js';
export { driftAlert, exportDrifts } from './export.js';
