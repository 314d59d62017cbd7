import { randomUUID } from 'node:crypto';
import { PalisadeError, isPalisadeError, safeJsonParse } from '../core/index.js';
import { STORE_ARG_TABLES } from './types.js';
import type { ResourceFilter, SnapshotInput, StoreEstateRecord } from './types.js';
import { redactUrl } from './url.js';

const ARG_TABLE_SET: ReadonlySet<string> = new Set(STORE_ARG_TABLES);

/** The estate columns of one record, in table order (`row` last). */
export type EstateColumns = [
  key: string,
  id: string,
  table: string,
  type: string,
  name: string,
  subscriptionId: string | null,
  resourceGroup: string | null,
  location: string | null,
  json: string,
];

/** Column list shared by both dialects. */
export const ESTATE_COLUMNS = 'key, id, arg_table, type, name, subscription_id, resource_group, location, row';

function str(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'string' ? value : String(value);
}

/** Validates a record cheaply and returns its column values. Throws `StoreInvalidRecord`. */
export function recordColumns(record: StoreEstateRecord, index: number): EstateColumns {
  const row = record?.row;
  if (row === null || typeof row !== 'object' || typeof row.id !== 'string' || row.id === '') {
    throw invalidRecord(index, 'the row has no id');
  }
  if (typeof record.key !== 'string' || record.key === '') throw invalidRecord(index, `row ${row.id} has no key`);
  const table = record.table;
  if (!ARG_TABLE_SET.has(table)) throw invalidRecord(index, `row ${row.id} names an unknown table "${String(table)}"`);
  if (typeof row.type !== 'string' || row.type === '') throw invalidRecord(index, `row ${row.id} has no type`);
  const json = typeof record.json === 'string' ? record.json : JSON.stringify(row);
  return [
    record.key,
    row.id,
    table,
    row.type.toLowerCase(),
    str(row.name) ?? '',
    str(row.subscriptionId)?.toLowerCase() ?? null,
    str(row.resourceGroup)?.toLowerCase() ?? null,
    str(row.location),
    json,
  ];
}

function invalidRecord(index: number, why: string): PalisadeError {
  return new PalisadeError('StoreInvalidRecord', `Estate record #${index + 1} cannot be stored: ${why}.`, { kind: 'validation' });
}

/** Parses JSON read back from the database; `__proto__` keys are dropped. */
export function parseObject(text: string): Record<string, unknown> {
  const value = safeJsonParse(text);
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

export function parseJson(text: string): unknown {
  return safeJsonParse(text);
}

export function checkPaging(filter: ResourceFilter | undefined): { limit?: number; offset: number } {
  const limit = filter?.limit;
  const offset = filter?.offset ?? 0;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new PalisadeError('StoreInvalidArgument', `limit must be a non-negative integer, not ${limit}.`, { kind: 'argument' });
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new PalisadeError('StoreInvalidArgument', `offset must be a non-negative integer, not ${offset}.`, { kind: 'argument' });
  }
  return { limit, offset };
}

export function checkName(what: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new PalisadeError('StoreInvalidArgument', `${what} must be a non-empty string.`, { kind: 'argument' });
  }
  return value;
}

/** Wraps a driver error into a coded PalisadeError whose message carries no credentials. */
export function storeError(code: string, what: string, error: unknown, kind: 'io' | 'internal' = 'io'): PalisadeError {
  if (isPalisadeError(error)) return error;
  // errors thrown in a worker thread arrive as plain objects with the message
  const message = (error as { message?: unknown } | null)?.message;
  const detail = error instanceof Error ? error.message : typeof message === 'string' ? message : String(error);
  const sqlState = (error as { code?: unknown } | null)?.code;
  const suffix = typeof sqlState === 'string' && sqlState !== '' ? ` (${sqlState})` : '';
  return new PalisadeError(code, `${what}: ${redactUrl(detail)}${suffix}`, { kind });
}

export function closedError(): PalisadeError {
  return new PalisadeError('StoreClosed', 'The store is closed.', { kind: 'internal' });
}

/** `for await` over sync and async iterables alike. */
export async function* batchesOf<T>(source: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* source as AsyncIterable<T>;
}

// ---- argument checks shared by the backends ----

export function checkMode(mode: unknown): void {
  if (mode !== 'merge' && mode !== 'replace') {
    throw new PalisadeError('StoreInvalidArgument', `The import mode must be "merge" or "replace", not "${String(mode)}".`, { kind: 'argument' });
  }
}

export function documentText(body: unknown): string {
  const text = JSON.stringify(body);
  if (text === undefined) throw new PalisadeError('StoreInvalidArgument', 'A document body must be JSON-serialisable.', { kind: 'argument' });
  return text;
}

export function checkDate(what: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new PalisadeError('StoreInvalidArgument', `${what} must be a valid Date.`, { kind: 'argument' });
  }
  return value;
}

let lastMillis = 0;
let sequence = 0;

/**
 * A UUID (version 7 layout) whose text sorts in creation order, also within one millisecond of one process: snapshots
 * taken at the same time (a pinned clock, a replay) list newest first by `taken_at DESC, id DESC`.
 */
export function timeOrderedId(): string {
  const now = Date.now();
  if (now <= lastMillis) sequence++;
  else {
    lastMillis = now;
    sequence = 0;
  }
  const ms = lastMillis.toString(16).padStart(12, '0');
  const seq = (sequence & 0xfff).toString(16).padStart(3, '0');
  const rand = randomUUID().replace(/-/g, '');
  const variant = ((parseInt(rand[0], 16) & 0x3) | 0x8).toString(16);
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${seq}-${variant}${rand.slice(1, 4)}-${rand.slice(4, 16)}`;
}

export function checkSnapshot(snapshot: SnapshotInput): { id: string; takenAt: Date; kind: string; summaryText: string; bodyText: string } {
  const takenAt = checkDate('takenAt', snapshot?.takenAt);
  const kind = checkName('kind', snapshot.kind);
  const id = snapshot.id === undefined ? timeOrderedId() : checkName('id', snapshot.id);
  const summaryText = documentText(snapshot.summary ?? {});
  const bodyText = documentText(snapshot.body ?? {});
  return { id, takenAt, kind, summaryText, bodyText };
}

export function snapshotExists(id: string): PalisadeError {
  return new PalisadeError('StoreSnapshotExists', `A snapshot with id "${id}" already exists.`, { kind: 'conflict', target: id });
}
