/**
 * The event sources of `Microsoft.Security/automations` (2023-12-01-preview) and what Palisade exports for each:
 * a record family (its REST shape and its Log Analytics table) and whether the source is the streamed one
 * (changes, `IsSnapshot` false) or the snapshot one (the whole set, `IsSnapshot` true).
 */
import type { WorkspaceTableName } from '../../store/index.js';

export const EVENT_SOURCES = [
  'Assessments',
  'AssessmentsSnapshot',
  'SubAssessments',
  'SubAssessmentsSnapshot',
  'Alerts',
  'SecureScores',
  'SecureScoresSnapshot',
  'SecureScoreControls',
  'SecureScoreControlsSnapshot',
  'RegulatoryComplianceAssessment',
  'RegulatoryComplianceAssessmentSnapshot',
  'AttackPaths',
  'AttackPathsSnapshot',
] as const;

export type EventSource = (typeof EVENT_SOURCES)[number];

/** What a source exports: one kind of record. */
export type RecordFamily = 'assessments' | 'subAssessments' | 'alerts' | 'secureScores' | 'secureScoreControls' | 'regulatoryCompliance' | 'attackPaths';

export interface EventSourceInfo {
  source: EventSource;
  family: RecordFamily;
  /** true for the `...Snapshot` sources. */
  snapshot: boolean;
  /** The workspace table its rows go to; null where Palisade produces no records (sub-assessments). */
  table: WorkspaceTableName | null;
  /** The source that must be configured with this one ("always include the parent type with the findings"). */
  parent?: EventSource;
}

const FAMILY_TABLE: Record<RecordFamily, WorkspaceTableName | null> = {
  assessments: 'SecurityRecommendation',
  subAssessments: null,
  alerts: 'SecurityAlert',
  secureScores: 'SecureScores',
  secureScoreControls: 'SecureScoreControls',
  regulatoryCompliance: 'SecurityRegulatoryCompliance',
  attackPaths: 'SecurityAttackPathData',
};

const FAMILY_OF: Record<string, RecordFamily> = {
  Assessments: 'assessments',
  SubAssessments: 'subAssessments',
  Alerts: 'alerts',
  SecureScores: 'secureScores',
  SecureScoreControls: 'secureScoreControls',
  RegulatoryComplianceAssessment: 'regulatoryCompliance',
  AttackPaths: 'attackPaths',
};

const PARENT_OF: Partial<Record<EventSource, EventSource>> = {
  SubAssessments: 'Assessments',
  SubAssessmentsSnapshot: 'AssessmentsSnapshot',
  SecureScoreControls: 'SecureScores',
  SecureScoreControlsSnapshot: 'SecureScoresSnapshot',
};

const INFO: ReadonlyMap<string, EventSourceInfo> = new Map(
  EVENT_SOURCES.map((source) => {
    const snapshot = source.endsWith('Snapshot');
    const family = FAMILY_OF[snapshot ? source.slice(0, -'Snapshot'.length) : source]!;
    const info: EventSourceInfo = { source, family, snapshot, table: FAMILY_TABLE[family] };
    const parent = PARENT_OF[source];
    if (parent) info.parent = parent;
    return [source.toLowerCase(), info];
  }),
);

/** The event source by name (case-insensitive), or undefined. */
export function eventSourceInfo(name: string): EventSourceInfo | undefined {
  return INFO.get(String(name).toLowerCase());
}

/** The streamed and snapshot sources of a family. */
export function sourcesOf(family: RecordFamily): { streamed: EventSource; snapshot: EventSource | undefined } {
  const streamed = [...INFO.values()].find((i) => i.family === family && !i.snapshot)!.source;
  return { streamed, snapshot: [...INFO.values()].find((i) => i.family === family && i.snapshot)?.source };
}

export function tableOf(family: RecordFamily): WorkspaceTableName | null {
  return FAMILY_TABLE[family];
}
