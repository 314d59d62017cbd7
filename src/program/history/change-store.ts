/**
 * The change log in the store: one document per day (collection `history-changes`, key `YYYY-MM-DD`) and a
 * description of the log (collection `history`, key `change-log`). `estate import` of a directory with a
 * `history/changes.jsonl` stores it; the log is only true of the estate it came with, so a later import replaces it.
 */
import type { Store } from '../../store/index.js';
import { ChangeLog, type HistoryChange } from './change-log.js';

export const CHANGES_COLLECTION = 'history-changes';
export const HISTORY_COLLECTION = 'history';
const META_KEY = 'change-log';

export interface ChangeLogInfo {
  /** Where the log came from (the file imported). */
  source: string;
  importedAt: string;
  changes: number;
  days: number;
  /** First and last change. */
  first: string | null;
  last: string | null;
  /**
   * The base time of the history (the sample's), when the source says: the instant the estate's rows are the state of.
   * `history replay` ends there.
   */
  baseTime: string | null;
  /** How many estate imports the store had counted right after this log was stored (later writes are not in the log). */
  estateImports: number | null;
}

/** Replaces the stored change log. */
export async function saveChangeLog(store: Store, log: ChangeLog, info: { source: string; baseTime?: string | null; importedAt: Date }): Promise<ChangeLogInfo> {
  await deleteChangeLog(store);
  const days = log.byDay();
  for (const [day, changes] of days) await store.putDocument(CHANGES_COLLECTION, day, { changes });
  const estate = await store.estateInfo();
  const meta: ChangeLogInfo = {
    source: info.source,
    importedAt: info.importedAt.toISOString(),
    changes: log.size,
    days: days.size,
    first: log.first?.toISOString() ?? null,
    last: log.last?.toISOString() ?? null,
    baseTime: info.baseTime ?? null,
    estateImports: estate?.imports ?? null,
  };
  await store.putDocument(HISTORY_COLLECTION, META_KEY, meta);
  return meta;
}

/** Removes the stored change log (a no-op when there is none). */
export async function deleteChangeLog(store: Store): Promise<number> {
  const docs = await store.listDocuments(CHANGES_COLLECTION);
  for (const d of docs) await store.deleteDocument(CHANGES_COLLECTION, d.key);
  await store.deleteDocument(HISTORY_COLLECTION, META_KEY);
  return docs.length;
}

export async function changeLogInfo(store: Store): Promise<ChangeLogInfo | undefined> {
  return store.getDocument<ChangeLogInfo>(HISTORY_COLLECTION, META_KEY);
}

/** The stored change log (empty when there is none). */
export async function loadChangeLog(store: Store): Promise<ChangeLog> {
  const docs = await store.listDocuments<{ changes?: HistoryChange[] }>(CHANGES_COLLECTION);
  return new ChangeLog(docs.flatMap((d) => d.body.changes ?? []));
}

/**
 * Why the stored log may not describe the estate's past exactly: writes after it was imported (policy assignments,
 * pricing changes, remediations) are in the current rows but not in the log, so earlier states include them too.
 */
export async function changeLogWarnings(store: Store, info: ChangeLogInfo | undefined): Promise<string[]> {
  if (!info || info.estateImports === null) return [];
  const estate = await store.estateInfo();
  const later = (estate?.imports ?? 0) - info.estateImports;
  return later > 0
    ? [`the estate was written ${later} time(s) after its change log was imported; those writes are not in the log, so earlier states include them`]
    : [];
}
