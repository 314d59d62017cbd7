/**
 * Enqueueing: records → the outbox rows of every enabled automation that wants them.
 *
 * A record goes to an automation when the automation lists the record's event source, one of its scopes contains
 * one of the record's scope ids, and the source's rule sets match the record's REST shape. It becomes one outbox row
 * per action of the automation, all with the same idempotency key
 *
 *     key = base64url(sha256(automation id | event source | entity id | state version))[0..32]
 *
 * where the state version is the record's state and the run's time (`Unhealthy@2026-09-01T00:00:00.000Z`) for a
 * streamed change, `snapshot@<time>` for a snapshot: enqueueing the same run twice inserts nothing new.
 *
 * `exportPosture` decides what a posture run exports (Defender's continuous-export semantics):
 *   - streamed sources (`Assessments`, `SecureScores`, ...; `IsSnapshot` false) export changes against the state the
 *     previous runs left in the store (scope `stream:<family>`, per subscription for regulatory compliance, which is
 *     computed for the automations' subscriptions only): the first run only records the baseline and exports
 *     nothing; afterwards an entity is exported when it is new or its state changed —
 *       assessments: status code; attack paths: risk level (a path that appears is new);
 *       regulatory compliance: state or passed/failed/skipped counts;
 *       secure scores and controls: the score moved by 0.01 or more since the last exported value, or the max score
 *       changed; count-only changes are not exported, nor controls worth 0 points;
 *   - snapshot sources (`...Snapshot`; `IsSnapshot` true) export every entity, once per snapshot interval (default
 *     7 days, as Defender's weekly snapshot) per automation: the first run after the automation is created, then when
 *     the interval has passed since the last snapshot (mark in scope `snapshot:<automation id>`).
 * Outbox rows and state changes are written in one transaction: a crash loses neither nor duplicates a change.
 */
import { createHash } from 'node:crypto';
import { ResourceId, canonicalKey, isWithin } from '../../core/index.js';
import type { ArmAttackPath } from '../../graph/index.js';
import type { PostureRun } from '../../posture/index.js';
import type { ExportStateEntry, OutboxInsert, Store } from '../../store/index.js';
import { workspaceTable } from '../../store/index.js';
import type { StoredAutomation } from './automation.js';
import { storedAutomations } from './automations.js';
import { eventSourceInfo, sourcesOf, type EventSource, type RecordFamily } from './event-sources.js';
import {
  assessmentCandidates,
  attackPathCandidates,
  complianceCandidates,
  secureScoreCandidates,
  secureScoreControlCandidates,
  type ExportRecord,
  type ExportStateValue,
  type RecordCandidate,
} from './records.js';
import { compileRuleSets, type CompiledRule } from './rules.js';

export const DEFAULT_SNAPSHOT_INTERVAL_MS = 7 * 24 * 3600 * 1000;
const BASELINE_KEY = '~baseline';

/** An enabled automation, compiled for matching. */
interface ActiveAutomation {
  automation: StoredAutomation;
  /** lower-cased id (the outbox's automation id) */
  key: string;
  scopes: ResourceId[];
  sources: Map<EventSource, CompiledRule>;
}

function activate(automations: readonly StoredAutomation[]): ActiveAutomation[] {
  return automations
    .filter((a) => a.properties.isEnabled)
    .map((a) => ({
      automation: a,
      key: canonicalKey(a.id),
      scopes: a.properties.scopes.map((s) => ResourceId.parse(s.scopePath)),
      sources: new Map(a.properties.sources.map((s) => [s.eventSource, compileRuleSets(s.ruleSets)])),
    }));
}

function inScope(active: ActiveAutomation, record: { scopeIds: string[] }): boolean {
  for (const id of record.scopeIds) {
    if (!id.startsWith('/')) continue;
    for (const scope of active.scopes) {
      try {
        if (isWithin(scope, id)) return true;
      } catch {
        // an id that does not parse is in no scope
      }
    }
  }
  return false;
}

export function idempotencyKey(automationKey: string, source: string, entityId: string, version: string): string {
  return createHash('sha256').update(`${automationKey}|${source}|${entityId.toLowerCase()}|${version}`).digest('base64url').slice(0, 32);
}

/** The outbox rows of one record for one automation (one per action), or none when it does not match. */
function rowsFor(active: ActiveAutomation, source: EventSource, record: ExportRecord): OutboxInsert[] {
  const predicate = active.sources.get(source);
  if (predicate === undefined || !inScope(active, record) || !predicate(record.payload)) return [];
  const info = eventSourceInfo(source)!;
  const key = idempotencyKey(active.key, source, record.entityId, record.version);
  const table = info.table ? workspaceTable(info.table) : undefined;
  return active.automation.properties.actions.map((action, i) => {
    let payload: unknown = record.payload;
    if (action.actionType === 'Workspace') {
      const row: Record<string, unknown> = { ...record.row };
      if (table?.columns.some((c) => c.name === 'IsSnapshot')) row.IsSnapshot = info.snapshot;
      payload = { table: info.table, row };
    }
    return { id: `${key}:${i}`, idempotencyKey: key, automationId: active.key, eventSource: source, entityId: record.entityId, sinkType: action.actionType, sink: action, payload };
  });
}

export interface SourceSummary {
  /** Records the run produced for the source (changes, or the snapshot). */
  records: number;
  /** Outbox rows for it (records × matching automations × actions). */
  rows: number;
}

export interface EnqueueSummary {
  /** Enabled automations considered. */
  automations: number;
  /** Outbox rows inserted, and those already there (the same record enqueued before). */
  enqueued: number;
  duplicates: number;
  bySource: Partial<Record<EventSource, SourceSummary>>;
  /** Families whose change baseline this run recorded (nothing streamed for them yet). */
  baselines: RecordFamily[];
}

function emptySummary(automations: number): EnqueueSummary {
  return { automations, enqueued: 0, duplicates: 0, bySource: {}, baselines: [] };
}

export interface EnqueueOptions {
  now?: Date;
  /** The automations to consider (default: the store's). */
  automations?: readonly StoredAutomation[];
}

/**
 * Enqueues records of one event source for every enabled automation that wants them (no change detection: the
 * caller decides what is an event — alerts, drift findings). Snapshot-ness follows the source's name.
 */
export async function enqueueRecords(store: Store, source: EventSource, records: readonly ExportRecord[], options: EnqueueOptions = {}): Promise<EnqueueSummary> {
  const info = eventSourceInfo(source);
  if (!info) throw new TypeError(`unknown event source ${String(source)}`);
  const active = activate(options.automations ?? (await storedAutomations(store)));
  const summary = emptySummary(active.length);
  const rows: OutboxInsert[] = [];
  for (const record of records) for (const a of active) rows.push(...rowsFor(a, info.source, record));
  summary.bySource[info.source] = { records: records.length, rows: rows.length };
  if (rows.length > 0) {
    const written = await store.writeExport({ outbox: rows, now: options.now ?? new Date() });
    summary.enqueued = written.enqueued;
    summary.duplicates = written.duplicates;
  }
  return summary;
}

export interface PostureExportInput {
  run: PostureRun;
  /** The run's attack paths in the ARG shape; called only when an automation exports attack paths. */
  attackPaths?: () => Promise<readonly ArmAttackPath[]> | readonly ArmAttackPath[];
  /** Resource locations, for SecurityRecommendation.ResourceRegion (default: read from the store's estate when assessments are exported). */
  resourceLocation?: (resourceId: string) => string | undefined;
}

export interface PostureExportOptions extends EnqueueOptions {
  snapshotIntervalMs?: number;
}

const POSTURE_FAMILIES: readonly RecordFamily[] = ['assessments', 'secureScores', 'secureScoreControls', 'regulatoryCompliance', 'attackPaths'];

/** Whether an entity's state changed enough to stream it (see the header). */
export function hasChanged(family: RecordFamily, previous: ExportStateValue | undefined, value: ExportStateValue): boolean {
  if (previous === undefined) return true;
  if (family === 'secureScores' || family === 'secureScoreControls') {
    return Math.abs((value.c ?? 0) - (previous.c ?? 0)) >= 0.01 - 1e-9 || value.m !== previous.m;
  }
  if (family === 'regulatoryCompliance') return previous.s !== value.s || JSON.stringify(previous.n ?? []) !== JSON.stringify(value.n ?? []);
  return previous.s !== value.s;
}

function versionOf(value: ExportStateValue, time: string): string {
  const parts = [value.s, value.c, value.m, ...(value.n ?? [])].filter((p) => p !== undefined);
  return `${parts.join('/')}@${time}`;
}

/** Computes and enqueues what a posture run exports (streamed changes and due snapshots) in one store transaction. */
export async function exportPosture(store: Store, input: PostureExportInput, options: PostureExportOptions = {}): Promise<EnqueueSummary> {
  const active = activate(options.automations ?? (await storedAutomations(store)));
  const summary = emptySummary(active.length);
  if (active.length === 0) return summary;
  const run = input.run;
  const time = run.evaluatedAt.toISOString();
  const interval = options.snapshotIntervalMs ?? DEFAULT_SNAPSHOT_INTERVAL_MS;
  const outbox: OutboxInsert[] = [];
  const state: ExportStateEntry[] = [];
  const marks = new Map<string, Map<string, unknown>>();

  for (const family of POSTURE_FAMILIES) {
    const { streamed, snapshot } = sourcesOf(family);
    const streaming = active.filter((a) => a.sources.has(streamed));
    const snapshotting = snapshot === undefined ? [] : active.filter((a) => a.sources.has(snapshot));
    if (streaming.length === 0 && snapshotting.length === 0) continue;
    // Without attack paths from the caller there is nothing to compare: leave their state alone.
    if (family === 'attackPaths' && input.attackPaths === undefined) continue;
    const locations = new Map<string, string>();
    const candidates = await candidatesOf(family, input, [...streaming, ...snapshotting], (id) => locations.get(canonicalKey(id)));

    // What this run exports: streamed changes (against the stored state) and the snapshots that are due.
    const changes: Array<{ candidate: RecordCandidate; previous: ExportStateValue | undefined }> = [];
    if (streaming.length > 0) {
      summary.bySource[streamed] ??= { records: 0, rows: 0 };
      let baseline = false;
      for (const [scope, group] of streamScopes(family, candidates, streaming)) {
        const previous = await store.readExportState(scope);
        if (!previous.has(BASELINE_KEY)) {
          baseline = true;
          state.push({ scope, key: BASELINE_KEY, value: { at: time } });
          for (const c of group) state.push({ scope, key: c.key, value: c.value });
          continue;
        }
        const present = new Set<string>();
        for (const c of group) {
          present.add(c.key);
          const prev = previous.get(c.key) as ExportStateValue | undefined;
          if (!hasChanged(family, prev, c.value)) continue;
          state.push({ scope, key: c.key, value: c.value });
          changes.push({ candidate: c, previous: prev });
        }
        for (const key of previous.keys()) if (key !== BASELINE_KEY && !present.has(key)) state.push({ scope, key, value: null });
      }
      if (baseline) summary.baselines.push(family);
    }
    const due: ActiveAutomation[] = [];
    if (snapshot !== undefined) {
      for (const a of snapshotting) {
        summary.bySource[snapshot] ??= { records: 0, rows: 0 };
        const scope = `snapshot:${a.key}`;
        let m = marks.get(scope);
        if (m === undefined) marks.set(scope, (m = await store.readExportState(scope)));
        const last = (m.get(snapshot) as { at?: string } | undefined)?.at;
        if (last !== undefined && Math.abs(Date.parse(time) - Date.parse(last)) < interval) continue;
        state.push({ scope, key: snapshot, value: { at: time } });
        due.push(a);
      }
    }
    if (changes.length === 0 && due.length === 0) continue;
    if (family === 'assessments' && input.resourceLocation === undefined) {
      const ids = new Set<string>();
      for (const { candidate } of changes) ids.add(canonicalKey(candidate.scopeIds[0]!));
      if (due.length > 0) for (const c of candidates) if (due.some((a) => inScope(a, c))) ids.add(canonicalKey(c.scopeIds[0]!));
      await fillLocations(store, ids, locations);
    }

    for (const { candidate, previous } of changes) {
      const wanting = streaming.filter((a) => inScope(a, candidate));
      const counts = summary.bySource[streamed]!;
      counts.records += 1;
      if (wanting.length === 0) continue;
      const record = candidate.build({ previous, version: versionOf(candidate.value, time) });
      for (const a of wanting) {
        const rows = rowsFor(a, streamed, record);
        counts.rows += rows.length;
        outbox.push(...rows);
      }
    }
    if (snapshot !== undefined && due.length > 0) {
      const counts = summary.bySource[snapshot]!;
      counts.records += candidates.length;
      for (const c of candidates) {
        const wanting = due.filter((a) => inScope(a, c));
        if (wanting.length === 0) continue;
        const record = c.build({ version: `snapshot@${time}` });
        for (const a of wanting) {
          const rows = rowsFor(a, snapshot, record);
          counts.rows += rows.length;
          outbox.push(...rows);
        }
      }
    }
  }
  if (outbox.length > 0 || state.length > 0) {
    const written = await store.writeExport({ outbox, state, now: options.now ?? new Date() });
    summary.enqueued = written.enqueued;
    summary.duplicates = written.duplicates;
  }
  return summary;
}

/**
 * The change-state scopes of a family and their candidates: `stream:<family>` for the estate-wide families;
 * regulatory compliance is computed per subscription (of the automations that stream it), so each subscription has
 * its own scope and baseline, `stream:regulatoryCompliance:<subscription>`.
 */
function streamScopes(family: RecordFamily, candidates: readonly RecordCandidate[], streaming: readonly ActiveAutomation[]): Map<string, RecordCandidate[]> {
  if (family !== 'regulatoryCompliance') return new Map([[`stream:${family}`, [...candidates]]]);
  const out = new Map<string, RecordCandidate[]>();
  for (const a of streaming) out.set(`stream:${family}:${a.automation.subscriptionId.toLowerCase()}`, []);
  for (const c of candidates) out.get(`stream:${family}:${c.scopeIds[0]!.split('/')[2]!.toLowerCase()}`)?.push(c);
  return out;
}

/** Fills lower-cased resource id → location for the given ids from the estate (by key when few, else by a scan). */
async function fillLocations(store: Store, ids: ReadonlySet<string>, into: Map<string, string>): Promise<void> {
  if (ids.size === 0) return;
  if (ids.size <= 2000) {
    for (const r of await store.listResources({ keys: [...ids] })) if (r.location) into.set(r.key, r.location);
    return;
  }
  for await (const r of store.iterateResources({ tables: ['resources'], pageSize: 5000 })) if (r.location && ids.has(r.key)) into.set(r.key, r.location);
}

async function candidatesOf(
  family: RecordFamily,
  input: PostureExportInput,
  interested: readonly ActiveAutomation[],
  estateLocation: (resourceId: string) => string | undefined,
): Promise<RecordCandidate[]> {
  switch (family) {
    case 'assessments':
      return assessmentCandidates(input.run, { resourceLocation: input.resourceLocation ?? estateLocation });
    case 'secureScores':
      return secureScoreCandidates(input.run);
    case 'secureScoreControls':
      return secureScoreControlCandidates(input.run);
    case 'regulatoryCompliance':
      return complianceCandidates(input.run, interested.map((a) => a.automation.subscriptionId));
    case 'attackPaths':
      return input.attackPaths ? attackPathCandidates(await input.attackPaths(), input.run.evaluatedAt) : [];
    default:
      return [];
  }
}
