/**
 * The store's public types. The store depends on `core` only: the record shape below is structural, so the
 * estate loader's `EstateRecord` fits it; the returned rows are typed as core's `ArgRow`.
 */
import { ARG_TABLES, type ArgRow, type ArgTable } from '../core/index.js';
import type {
  ExportWrite,
  ExportWriteResult,
  OutboxClaim,
  OutboxFilter,
  OutboxItem,
  OutboxSettlement,
  OutboxState,
  OutboxStats,
  WorkspaceInsertResult,
  WorkspaceQueryOptions,
  WorkspaceQueryResult,
} from './export-types.js';

/** The Azure Resource Graph tables the estate holds. */
export const STORE_ARG_TABLES = ARG_TABLES;

export type StoreArgTable = ArgTable;

/** The fields of an ARG row the store indexes; everything else is kept in the row JSON. */
export interface StoreRow {
  id: string;
  type: string;
  name?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  location?: string;
  [extra: string]: unknown;
}

/** One estate row to import: `key` is `canonicalKey(row.id)`; `json` is the row's original text when known. */
export interface StoreEstateRecord {
  key: string;
  table: string;
  row: StoreRow;
  json?: string;
}

/** What the loader yields: rows in batches (a few hundred to a few thousand per batch is ideal). */
export type EstateRecordBatch = ReadonlyArray<StoreEstateRecord>;

export type ImportMode = 'merge' | 'replace';

export interface ImportOptions {
  /** `merge` upserts by key and keeps other rows; `replace` makes this import the whole estate. */
  mode: ImportMode;
  /** Where the rows came from (a file name, `live:<tenant>`, `sample`...), kept in the import history. */
  source?: string;
  /**
   * A large load (`estate import`): SQLite writes it through a worker that takes the file alone, with a rollback
   * journal, so no other process may hold the store open meanwhile. Small writes (the default) go through the WAL on
   * the store's own connection, so a running server and the CLI can share one store file.
   */
  bulk?: boolean;
}

export interface ImportResult {
  /** Rows whose key was not in the estate before (counting each key once). */
  inserted: number;
  /**
   * Records that overwrote a row with the same key: an existing row (merge mode) or an earlier record of the same
   * import (a duplicate key in the input; the last one wins).
   */
  replaced: number;
  /** Rows the import removed: in `replace` mode, every row the estate held before; 0 in `merge` mode. */
  removed: number;
  /** Records read from the input (`inserted + replaced`). */
  records: number;
  /** Rows in the estate after the import. */
  total: number;
  durationMs: number;
}

/** One stored estate row, as the store returns it. `row` is the parsed JSON (no `__proto__` keys). */
export interface StoredResource {
  key: string;
  id: string;
  table: StoreArgTable;
  /** lower-cased */
  type: string;
  name: string;
  /** lower-cased, or null for rows outside a subscription */
  subscriptionId: string | null;
  /** lower-cased, or null */
  resourceGroup: string | null;
  location: string | null;
  /** the row as imported (id, type and name checked at import; other fields as the source gave them) */
  row: ArgRow;
}

/** Filters on the estate. Every filter is case-insensitive; the given ones are ANDed. */
export interface ResourceFilter {
  types?: readonly string[];
  subscriptionId?: string;
  resourceGroup?: string;
  tables?: readonly string[];
  /** canonical keys or ids */
  keys?: readonly string[];
  limit?: number;
  offset?: number;
}

export interface TypeCount {
  type: string;
  count: number;
}

export interface EstateInfo {
  lastImportAt: Date;
  source: string | null;
  mode: ImportMode;
  inserted: number;
  replaced: number;
  removed: number;
  records: number;
  durationMs: number;
  /** Rows in the estate now. */
  total: number;
  /** How many imports the history holds. */
  imports: number;
}

export interface StoredDocument<T = unknown> {
  collection: string;
  /** the key as it was first written (lookups ignore case) */
  key: string;
  body: T;
  updatedAt: Date;
}

export interface SnapshotInput {
  id?: string;
  takenAt: Date;
  kind: string;
  summary: object;
  body: object;
}

export interface SnapshotInfo {
  id: string;
  takenAt: Date;
  kind: string;
  summary: Record<string, unknown>;
}

export interface Snapshot extends SnapshotInfo {
  body: Record<string, unknown>;
}

export interface SnapshotFilter {
  kind?: string;
  /** inclusive */
  since?: Date;
  /** exclusive */
  until?: Date;
  limit?: number;
}

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: Date;
}

export type StoreBackend = 'sqlite' | 'postgres';

/** The store: one async interface, two backends (SQLite file, PostgreSQL). */
export interface Store {
  readonly backend: StoreBackend;
  /** Where the store lives, without credentials (a file path or `postgres://user@host:port/db?schema=...`). */
  readonly location: string;

  /** Migrations applied so far, oldest first. */
  migrations(): Promise<AppliedMigration[]>;

  /** Imports the rows in one transaction: all of them or, when anything throws, none. */
  importEstate(batches: AsyncIterable<EstateRecordBatch> | Iterable<EstateRecordBatch>, options: ImportOptions): Promise<ImportResult>;
  listResources(filter?: ResourceFilter): Promise<StoredResource[]>;
  /** Streams the matching rows in key order, reading them page by page. */
  iterateResources(filter?: ResourceFilter & { pageSize?: number }): AsyncIterableIterator<StoredResource>;
  getResource(keyOrId: string): Promise<StoredResource | undefined>;
  /** Deletes estate rows by key or id in one transaction; returns how many existed. */
  deleteResources(keysOrIds: readonly string[]): Promise<number>;
  countResources(filter?: ResourceFilter): Promise<number>;
  /** Rows per type, ordered by type. */
  countByType(filter?: ResourceFilter): Promise<TypeCount[]>;
  /** The last import and the estate size, or undefined when nothing was ever imported. */
  estateInfo(): Promise<EstateInfo | undefined>;

  putDocument<T = unknown>(collection: string, key: string, body: T): Promise<void>;
  getDocument<T = unknown>(collection: string, key: string): Promise<T | undefined>;
  /** Documents of a collection ordered by (lower-cased) key. */
  listDocuments<T = unknown>(collection: string): Promise<StoredDocument<T>[]>;
  /** true when a document was deleted */
  deleteDocument(collection: string, key: string): Promise<boolean>;

  saveSnapshot(snapshot: SnapshotInput): Promise<SnapshotInfo>;
  /** Newest first, without bodies. */
  listSnapshots(filter?: SnapshotFilter): Promise<SnapshotInfo[]>;
  getSnapshot(id: string): Promise<Snapshot | undefined>;

  // ---- continuous export (export-types.ts) ----

  /** The change-detection state of one scope: entity key → value. */
  readExportState(scope: string): Promise<Map<string, unknown>>;
  /** The export-state scopes that hold entries, sorted; only those starting with `prefix` when given. */
  listExportScopes(prefix?: string): Promise<string[]>;
  /** Deletes every entry of an export-state scope; returns how many. */
  clearExportState(scope: string): Promise<number>;
  /** Inserts outbox rows (ids already there are left alone) and applies state changes, in one transaction. */
  writeExport(write: ExportWrite): Promise<ExportWriteResult>;
  /**
   * Claims up to `limit` pending rows that are due and not held by a live claim, oldest due first: each claim counts
   * an attempt and holds the row for `leaseMs`. Concurrent deliverers (threads, processes, servers) never claim the
   * same row while a claim lives.
   */
  claimOutbox(claim: OutboxClaim): Promise<OutboxItem[]>;
  /**
   * Settles claimed rows in one transaction: `delivered` applies to any pending row; `retry` and `dead` only to rows
   * the owner still holds. Returns how many rows changed.
   */
  settleOutbox(owner: string, settlements: readonly OutboxSettlement[], now: Date): Promise<number>;
  /** Outbox rows in insertion order. */
  listOutbox(filter?: OutboxFilter): Promise<OutboxItem[]>;
  outboxStats(now: Date): Promise<OutboxStats>;
  /** Dead rows (of the ids / the automation / all) back to pending, due now, attempts reset. Returns how many. */
  retryOutbox(filter: { ids?: readonly string[]; automationId?: string }, now: Date): Promise<number>;
  /** Removes an automation's rows (optionally only in some states). Returns how many. */
  deleteOutbox(filter: { automationId: string; states?: readonly OutboxState[] }): Promise<number>;
  /** Removes delivered rows delivered before the time. Returns how many. */
  purgeOutbox(deliveredBefore: Date): Promise<number>;
  /** Inserts Log Analytics rows into a workspace table; a row whose (`_WorkspaceResourceId`, `_ItemId`) exists is skipped. */
  insertWorkspaceRows(table: string, rows: readonly Record<string, unknown>[]): Promise<WorkspaceInsertResult>;
  /**
   * Runs one read-only SELECT / WITH query over the workspace tables. The database enforces it: SQLite runs it on a
   * read-only connection in a child process (killed at the timeout), PostgreSQL in a READ ONLY transaction as a throw-away
   * role that may only read the workspace tables. Errors: `WorkspaceQueryInvalid` (the database's message),
   * `WorkspaceQueryNotReadOnly`, `WorkspaceTableNotAllowed`, `WorkspaceQueryTimeout`.
   */
  queryWorkspace(sql: string, options?: WorkspaceQueryOptions): Promise<WorkspaceQueryResult>;

  close(): Promise<void>;
}
