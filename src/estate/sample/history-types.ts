/**
 * The shapes of an estate's change history: the change log (`history/changes.jsonl`, one `HistoryChange` a line) and
 * the sample's answer key (`history/labels.json`, the drifts it injected). A change log is not sample-specific: any
 * source that knows how rows changed (ARG change history, Activity Log) can write one.
 */
import type { ArgRow, ArgTable } from '../types.js';

/** What a change was, in the words of the scenario. */
export const HISTORY_CHANGE_KINDS = [
  /** A subscription joined the estate: its container row, groups, resources, role assignments and pricings appear. */
  'onboarding',
  /** A deployment that breaks a policy (before: the compliant row; after: the row as it is now). */
  'deployment',
  /** A fix (before: the non-compliant row; after: the compliant row as it is now). */
  'remediation',
  /** An exemption reached its `expiresOn`: the clock changed, not the row (before and after are the same row). */
  'exemption-expiry',
  /** A network or access change that opens an internet exposure. */
  'exposure-opened',
  /** A network change that closes an internet exposure (an NSG rule admitting the internet removed). */
  'exposure-closed',
  /** A change without posture effect (tags, descriptions). */
  'configuration',
] as const;
export type HistoryChangeKind = (typeof HISTORY_CHANGE_KINDS)[number];

/** One line of a change log: a row's value before and after a change (null: absent). */
export interface HistoryChange {
  /** ISO 8601 time of the change. */
  at: string;
  /** The row's id (ARM casing). */
  id: string;
  table: ArgTable;
  kind: HistoryChangeKind;
  before: ArgRow | null;
  after: ArgRow | null;
  /** The injected drift this change belongs to (sample change logs only; drift detection never reads it). */
  label?: string;
}

/** The drift kinds `palisade drift check` reports (and the sample injects). */
export const DRIFT_KINDS = ['SecureScoreDrop', 'ControlHealthDrop', 'AttackPathOpened', 'AuditModeNonCompliance', 'UnprotectedSubscription'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** The audit-mode assignment that would have blocked a drift, had it denied. */
export interface DenyCandidateRef {
  assignmentId: string;
  policyDefinitionId: string;
  /** The initiative's reference, when the assignment assigns an initiative. */
  policyDefinitionReferenceId?: string;
}

/** A drift the sample injected: what `drift check` must find over a window that contains `at`. */
export interface InjectedDrift {
  /** Stable name (`drift-03-public-blob`). */
  id: string;
  at: string;
  kind: DriftKind;
  /**
   * What the drift is about: a policy definition id (AuditModeNonCompliance), `{templateId}@/subscriptions/{id}`
   * (AttackPathOpened), a secure score control id (ControlHealthDrop), `/subscriptions/{id}` or `/` for the tenant
   * (SecureScoreDrop), `/subscriptions/{id}` (UnprotectedSubscription).
   */
  subject: string;
  subscriptionId?: string;
  /** The resources that changed (sorted ids). */
  resources: string[];
  /** Empty when no audit-mode assignment could have blocked it (then `note` says what would have). */
  denyCandidates: DenyCandidateRef[];
  summary: string;
  note?: string;
}

/** `history/labels.json`. */
export interface SampleHistoryLabels {
  generator: 'palisade-sample-history';
  formatVersion: 1;
  seed: string;
  baseTime: string;
  days: number;
  /** First instant the change log covers (`baseTime` − `days`). */
  since: string;
  changes: number;
  changesByKind: Partial<Record<HistoryChangeKind, number>>;
  drifts: InjectedDrift[];
}

export interface SampleHistoryOptions {
  /** The sample directory (written by generateSample; its files and manifest.json are read, history/ is written). */
  outDir: string;
  /** How many days before the base time the history covers (1..3650). */
  days: number;
}

export interface SampleHistorySummary {
  changesFile: string;
  labelsFile: string;
  days: number;
  since: string;
  changes: number;
  changesByKind: Partial<Record<HistoryChangeKind, number>>;
  injectedDrifts: number;
  sha256: string;
}
