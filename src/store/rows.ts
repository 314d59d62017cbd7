/**
 * Database rows as both backends read them, mapped to the store's public shapes. SQLite returns times as ISO text
 * and counts as numbers; PostgreSQL returns timestamptz as Date and bigint counts as strings.
 */
import { parseJson, parseObject } from './common.js';
import type { AppliedMigration, EstateInfo, ImportMode, Snapshot, SnapshotInfo, StoreArgTable, StoredDocument, StoredResource, TypeCount } from './types.js';

type DbTime = string | Date;
type DbCount = number | string;

function toDate(value: DbTime): Date {
  return value instanceof Date ? value : new Date(value);
}

/** A database row of the estate table (both dialects return these names). */
export interface EstateDbRow {
  key: string;
  id: string;
  arg_table: string;
  type: string;
  name: string;
  subscription_id: string | null;
  resource_group: string | null;
  location: string | null;
  row: string;
}

export function toStoredResource(r: EstateDbRow): StoredResource {
  return {
    key: r.key,
    id: r.id,
    table: r.arg_table as StoreArgTable,
    type: r.type,
    name: r.name,
    subscriptionId: r.subscription_id,
    resourceGroup: r.resource_group,
    location: r.location,
    row: parseObject(r.row) as unknown as StoredResource['row'],
  };
}

export interface TypeCountRow {
  type: string;
  count: DbCount;
}

export function toTypeCount(r: TypeCountRow): TypeCount {
  return { type: r.type, count: Number(r.count) };
}

export interface ImportRow {
  imported_at: DbTime;
  source: string | null;
  mode: string;
  records: DbCount;
  inserted: DbCount;
  replaced: DbCount;
  removed: DbCount;
  duration_ms: DbCount;
}

export function importInfo(last: ImportRow, total: number, imports: number): EstateInfo {
  return {
    lastImportAt: toDate(last.imported_at),
    source: last.source,
    mode: last.mode as ImportMode,
    inserted: Number(last.inserted),
    replaced: Number(last.replaced),
    removed: Number(last.removed),
    records: Number(last.records),
    durationMs: Number(last.duration_ms),
    total,
    imports,
  };
}

export interface MigrationRow {
  version: number;
  name: string;
  applied_at: DbTime;
}

export function toAppliedMigration(r: MigrationRow): AppliedMigration {
  return { version: r.version, name: r.name, appliedAt: toDate(r.applied_at) };
}

export interface DocumentRow {
  original_key: string;
  body: string;
  updated_at: DbTime;
}

export function toStoredDocument<T>(collection: string, r: DocumentRow): StoredDocument<T> {
  return { collection, key: r.original_key, body: parseJson(r.body) as T, updatedAt: toDate(r.updated_at) };
}

export interface SnapshotInfoRow {
  id: string;
  taken_at: DbTime;
  kind: string;
  summary: string;
}

export interface SnapshotRow extends SnapshotInfoRow {
  body: string;
}

export function toSnapshotInfo(r: SnapshotInfoRow): SnapshotInfo {
  return { id: r.id, takenAt: toDate(r.taken_at), kind: r.kind, summary: parseObject(r.summary) };
}

export function toSnapshot(r: SnapshotRow): Snapshot {
  return { ...toSnapshotInfo(r), body: parseObject(r.body) };
}

/** What `saveSnapshot` returns for a snapshot it stored. */
export function savedSnapshotInfo(input: { id: string; takenAt: Date; kind: string; summaryText: string }): SnapshotInfo {
  return { id: input.id, takenAt: new Date(input.takenAt.getTime()), kind: input.kind, summary: parseObject(input.summaryText) };
}
