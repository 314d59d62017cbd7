/**
 * The engine's view of alerts: the open ones it may merge into (by merge key), and the writes it owes the store.
 *
 * Merging: a trigger whose merge key (alert type, resource, detection key) matches an Active or InProgress alert
 * whose end is within the detection's merge window becomes part of that alert: the count grows, endTimeUtc moves,
 * evidence takes the latest values, new entities are added, and the severity (with its display name and description)
 * rises when a more severe variant of the same alert type fires. `supersedes`: a detection that explains an open
 * alert of another type on the same resource and key absorbs it (the absorbed alert is deleted, its count carried
 * over) — "brute force then success" replaces "failed brute force".
 */
import { ALERTS_COLLECTION, type DetectionStateStore } from '../state-store.js';
import { severityRank } from '../alert-types.js';
import type { SecurityAlertRecord } from './record.js';

export type AlertChangeKind = 'created' | 'merged' | 'superseded';

export interface AlertChange {
  kind: AlertChangeKind;
  alert: SecurityAlertRecord;
  /** for `superseded`: the alert that absorbed this one */
  by?: string;
}

const MAX_ENTITIES = 30;

function entityIdentity(e: Record<string, unknown>): string {
  const { $id: _id, ...rest } = e;
  return JSON.stringify(rest);
}

export class AlertBook {
  /** open alerts by merge key */
  private readonly open = new Map<string, SecurityAlertRecord>();
  private readonly pending = new Map<string, SecurityAlertRecord>();
  private readonly deletes = new Set<string>();

  /** Loads the open alerts an earlier run left (the engine keeps their names in its state). */
  async load(docs: Pick<DetectionStateStore, 'getDocument'>, names: readonly string[]): Promise<void> {
    for (const name of names) {
      const a = await docs.getDocument<SecurityAlertRecord>(ALERTS_COLLECTION, name);
      if (a && (a.properties.status === 'Active' || a.properties.status === 'InProgress')) this.open.set(a.mergeKey, a);
    }
  }

  /** The open alert a trigger at `time` merges into, if any. */
  openFor(mergeKey: string, time: number, window: number): SecurityAlertRecord | undefined {
    const a = this.open.get(mergeKey);
    if (!a) return undefined;
    if (a.properties.status !== 'Active' && a.properties.status !== 'InProgress') return undefined;
    if (time - Date.parse(a.properties.endTimeUtc) > window) return undefined;
    return a;
  }

  add(alert: SecurityAlertRecord): AlertChange {
    this.open.set(alert.mergeKey, alert);
    this.pending.set(alert.name, alert);
    return { kind: 'created', alert };
  }

  /**
   * Folds `incoming` (a fresh record for the same merge key) into `into`. `outranks`: the incoming detection's display
   * name, description, severity and remediation replace the alert's (a more severe or more specific variant).
   */
  merge(into: SecurityAlertRecord, incoming: SecurityAlertRecord, outranks = severityRank(incoming.properties.severity) > severityRank(into.properties.severity)): AlertChange {
    const p = into.properties;
    const q = incoming.properties;
    into.count += incoming.count;
    if (q.startTimeUtc < p.startTimeUtc) p.startTimeUtc = q.startTimeUtc;
    if (q.endTimeUtc > p.endTimeUtc) {
      p.endTimeUtc = q.endTimeUtc;
      p.timeGeneratedUtc = q.timeGeneratedUtc;
      p.processingEndTimeUtc = q.processingEndTimeUtc;
    }
    if (outranks) {
      p.severity = q.severity;
      p.alertDisplayName = q.alertDisplayName;
      p.description = q.description;
      p.remediationSteps = q.remediationSteps;
      into.detectionId = incoming.detectionId;
    }
    p.extendedProperties = { ...p.extendedProperties, ...q.extendedProperties, Occurrences: String(into.count) };
    const seen = new Set(p.entities.map(entityIdentity));
    for (const e of q.entities) {
      if (p.entities.length >= MAX_ENTITIES) break;
      const id = entityIdentity(e);
      if (seen.has(id)) continue;
      seen.add(id);
      p.entities.push({ ...e, $id: String(p.entities.length + 1) });
    }
    this.pending.set(into.name, into);
    return { kind: 'merged', alert: into };
  }

  /** Removes an open alert absorbed by another; returns it. */
  absorb(mergeKey: string, time: number, window: number, into: SecurityAlertRecord): SecurityAlertRecord | undefined {
    const old = this.openFor(mergeKey, time, window);
    if (!old) return undefined;
    this.open.delete(mergeKey);
    this.pending.delete(old.name);
    this.deletes.add(old.name);
    into.count += old.count;
    if (old.properties.startTimeUtc < into.properties.startTimeUtc) into.properties.startTimeUtc = old.properties.startTimeUtc;
    into.properties.extendedProperties = {
      ...into.properties.extendedProperties,
      Occurrences: String(into.count),
      'Superseded alert': `${old.properties.alertType} (${old.name})`,
    };
    this.pending.set(into.name, into);
    return old;
  }

  /** Names of open alerts still inside their merge window at `watermark` (what the engine persists). */
  openNames(watermark: number, maxWindow: number): string[] {
    const out: string[] = [];
    for (const [k, a] of this.open) {
      if (watermark - Date.parse(a.properties.endTimeUtc) > maxWindow) this.open.delete(k);
      else out.push(a.name);
    }
    return out.sort();
  }

  get pendingWrites(): number {
    return this.pending.size + this.deletes.size;
  }

  async flush(docs: Pick<DetectionStateStore, 'putDocument' | 'deleteDocument'>): Promise<void> {
    const writes = [...this.pending.values()];
    const deletes = [...this.deletes];
    this.pending.clear();
    this.deletes.clear();
    for (const a of writes) await docs.putDocument(ALERTS_COLLECTION, a.name, a);
    for (const name of deletes) await docs.deleteDocument(ALERTS_COLLECTION, name);
  }
}
