import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PalisadeError, canonicalKey, systemClock } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { ESTATE_COLUMNS, checkDate, checkMode, checkName, checkSnapshot, documentText, snapshotExists, checkPaging, closedError, parseJson, storeError } from './common.js';
import { keyPaging, rowsByKey } from './paging.js';
import { importInfo, savedSnapshotInfo, toAppliedMigration, toSnapshot, toSnapshotInfo, toStoredDocument, toStoredResource, toTypeCount } from './rows.js';
import type { DocumentRow, EstateDbRow, ImportRow, MigrationRow, SnapshotInfoRow, SnapshotRow, TypeCountRow } from './rows.js';
import { estatePageQuery, estateWhere, snapshotListQuery } from './sql.js';
import { MIGRATIONS } from './migrations.js';
import { importInline, importViaWorker } from './sqlite-import.js';
import {
  sqliteClaimOutbox,
  sqliteClearExportState,
  sqliteListExportScopes,
  sqliteDeleteOutbox,
  sqliteInsertWorkspaceRows,
  sqliteListOutbox,
  sqliteOutboxStats,
  sqlitePurgeOutbox,
  sqliteQueryWorkspace,
  sqliteQueryWorkspaceInline,
  sqliteReadExportState,
  sqliteRetryOutbox,
  sqliteSettleOutbox,
  sqliteWriteExport,
} from './sqlite-export.js';
import { checkClaim, checkOutboxDelete, checkSettle } from './export-common.js';
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
import type {
  AppliedMigration,
  EstateInfo,
  EstateRecordBatch,
  ImportOptions,
  ImportResult,
  ResourceFilter,
  Snapshot,
  SnapshotFilter,
  SnapshotInfo,
  SnapshotInput,
  Store,
  StoredDocument,
  StoredResource,
  TypeCount,
} from './types.js';

export interface SqliteOptions {
  /** Import through a worker thread (default: yes for files; `:memory:` always imports inline). */
  importWorker?: boolean;
  busyTimeoutMs?: number;
  clock?: Clock;
}

/** Page size for new databases: estate rows are ~1 KB, and 16 KiB pages halve the commit time of a large import. */
const PAGE_SIZE = 16384;

export async function openSqliteStore(path: string, options: SqliteOptions = {}): Promise<Store> {
  const memory = path === ':memory:';
  const file = memory ? path : resolve(path);
  if (!memory) {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (error) {
      throw new PalisadeError('StoreConnectionFailed', `Cannot open the SQLite store ${file}: ${(error as Error).message}`, { kind: 'io', target: file });
    }
  }
  const db = openConnection(file, memory, options);
  try {
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteStore(db, file, memory, options);
}

/** Opens a connection with the store's pragmas (WAL for files, so reads never wait for a normal write). */
function openConnection(file: string, memory: boolean, options: SqliteOptions): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: options.busyTimeoutMs ?? 10_000 });
  } catch (error) {
    throw new PalisadeError('StoreConnectionFailed', `Cannot open the SQLite store ${file}: ${(error as Error).message}`, {
      kind: 'io',
      target: file,
    });
  }
  try {
    db.pragma(`page_size = ${PAGE_SIZE}`); // takes effect only while the file is empty
    if (!memory) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('journal_size_limit = 67108864');
  } catch (error) {
    db.close();
    throw storeError('StoreConnectionFailed', `Cannot configure the SQLite store ${file}`, error, 'io');
  }
  return db;
}

function migrate(db: Database.Database): void {
  try {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const migration of MIGRATIONS) {
      db.exec('BEGIN IMMEDIATE');
      try {
        // Checked inside the write lock: two processes opening a new store at once apply each version once.
        const applied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version);
        if (applied === undefined) {
          db.exec(migration.sqlite);
          db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
            migration.version,
            migration.name,
            new Date().toISOString(),
          );
        }
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw new PalisadeError('StoreMigrationFailed', `Store migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`, {
          kind: 'internal',
        });
      }
    }
  } catch (error) {
    throw storeError('StoreMigrationFailed', 'Store migrations failed', error, 'internal');
  }
}

class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  private closed = false;
  /** Serialises writes (the import's worker holds the database's write lock for its whole run). */
  private writes: Promise<unknown> = Promise.resolve();
  /** Set while an inline (same-connection) import runs: reads wait so they never see its uncommitted rows. */
  private inlineImport: Promise<unknown> | undefined;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly clock: Clock;
  /** The last import worker's WAL checkpoint, which runs after its commit; close() waits for it. */
  private background: Promise<unknown> = Promise.resolve();
  /** Set while a worker import owns the file alone (this connection is closed meanwhile): reads wait for it. */
  private exclusiveImport: Promise<unknown> | undefined;

  constructor(
    private db: Database.Database,
    readonly location: string,
    private readonly memory: boolean,
    private readonly options: SqliteOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private async read<T>(fn: () => T): Promise<T> {
    if (this.closed) throw closedError();
    while (this.inlineImport !== undefined || this.exclusiveImport !== undefined) {
      await (this.inlineImport ?? this.exclusiveImport)!.catch(() => undefined);
    }
    try {
      return fn();
    } catch (error) {
      throw storeError('StoreQueryFailed', 'A store query failed', error);
    }
  }

  private write<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    const run = this.writes.then(async () => {
      while (this.inlineImport !== undefined) await this.inlineImport.catch(() => undefined);
      return fn();
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  async migrations(): Promise<AppliedMigration[]> {
    return this.read(() => (this.stmt('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as MigrationRow[]).map(toAppliedMigration));
  }

  async importEstate(batches: AsyncIterable<EstateRecordBatch> | Iterable<EstateRecordBatch>, options: ImportOptions): Promise<ImportResult> {
    checkMode(options?.mode);
    return this.write(async () => {
      const started = performance.now();
      const ctx = {
        path: this.location,
        busyTimeoutMs: this.options.busyTimeoutMs ?? 10_000,
        importedAt: this.clock.now().toISOString(),
        startedAt: performance.timeOrigin + started,
      };
      let counts: Omit<ImportResult, 'durationMs'>;
      if (this.memory || this.options.importWorker === false || options.bulk !== true) {
        const run = importInline(this.db, batches, options, ctx);
        this.inlineImport = run;
        try {
          counts = await run;
        } finally {
          this.inlineImport = undefined;
        }
      } else {
        // The worker takes the file alone and imports with a rollback journal: the rows are written once, into the
        // database file, instead of into the WAL and then again by a checkpoint. A failure rolls back as usual.
        await this.background;
        this.statements.clear();
        this.db.close();
        const run = importViaWorker(batches, options, { ...ctx, exclusive: true });
        this.exclusiveImport = run;
        try {
          const { background, ...rest } = await run;
          counts = rest;
          await background;
        } finally {
          this.db = openConnection(this.location, false, this.options);
          this.exclusiveImport = undefined;
        }
      }
      return { ...counts, durationMs: Math.round(performance.now() - started) };
    });
  }

  async listResources(filter?: ResourceFilter): Promise<StoredResource[]> {
    const { limit, offset } = checkPaging(filter);
    const where = estateWhere('sqlite', filter);
    return this.read(() => {
      let sql = `SELECT ${ESTATE_COLUMNS} FROM estate${where.sql} ORDER BY key`;
      const params = [...where.params];
      if (limit !== undefined || offset > 0) {
        sql += ' LIMIT ? OFFSET ?';
        params.push(limit ?? -1, offset);
      }
      return (this.stmt(sql).all(...params) as EstateDbRow[]).map(toStoredResource);
    });
  }

  async *iterateResources(filter?: ResourceFilter & { pageSize?: number }): AsyncIterableIterator<StoredResource> {
    const paging = keyPaging(filter);
    const where = estateWhere('sqlite', filter);
    const rows = rowsByKey(paging, (page) =>
      this.read(() => {
        const query = estatePageQuery('sqlite', where, page);
        return this.stmt(query.sql).all(...query.params) as EstateDbRow[];
      }),
    );
    for await (const row of rows) yield toStoredResource(row);
  }

  async getResource(keyOrId: string): Promise<StoredResource | undefined> {
    const key = canonicalKey(checkName('keyOrId', keyOrId));
    return this.read(() => {
      const row = this.stmt(`SELECT ${ESTATE_COLUMNS} FROM estate WHERE key = ?`).get(key) as EstateDbRow | undefined;
      return row === undefined ? undefined : toStoredResource(row);
    });
  }

  deleteResources(keysOrIds: readonly string[]): Promise<number> {
    const keys = keysOrIds.map((k) => canonicalKey(checkName('keysOrIds', k)));
    return this.write(() => {
      const remove = this.stmt('DELETE FROM estate WHERE key = ?');
      return this.db.transaction(() => keys.reduce((n, key) => n + remove.run(key).changes, 0))();
    });
  }

  async countResources(filter?: ResourceFilter): Promise<number> {
    const where = estateWhere('sqlite', filter);
    return this.read(() => this.stmt(`SELECT count(*) FROM estate${where.sql}`).pluck().get(...where.params) as number);
  }

  async countByType(filter?: ResourceFilter): Promise<TypeCount[]> {
    const where = estateWhere('sqlite', filter);
    return this.read(() =>
      (this.stmt(`SELECT type, count(*) AS count FROM estate${where.sql} GROUP BY type ORDER BY type`).all(...where.params) as TypeCountRow[]).map(toTypeCount),
    );
  }

  async estateInfo(): Promise<EstateInfo | undefined> {
    return this.read(() => {
      const last = this.stmt('SELECT * FROM estate_imports ORDER BY id DESC LIMIT 1').get() as ImportRow | undefined;
      if (last === undefined) return undefined;
      const total = this.stmt('SELECT count(*) FROM estate').pluck().get() as number;
      const imports = this.stmt('SELECT count(*) FROM estate_imports').pluck().get() as number;
      return importInfo(last, total, imports);
    });
  }

  putDocument<T = unknown>(collection: string, key: string, body: T): Promise<void> {
    checkName('collection', collection);
    checkName('key', key);
    const text = documentText(body);
    return this.write(() => {
      this.stmt(
        'INSERT INTO documents (collection, key, original_key, body, updated_at) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (collection, key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at',
      ).run(collection, key.toLowerCase(), key, text, this.clock.now().toISOString());
    });
  }

  async getDocument<T = unknown>(collection: string, key: string): Promise<T | undefined> {
    checkName('collection', collection);
    checkName('key', key);
    return this.read(() => {
      const body = this.stmt('SELECT body FROM documents WHERE collection = ? AND key = ?').pluck().get(collection, key.toLowerCase()) as string | undefined;
      return body === undefined ? undefined : (parseJson(body) as T);
    });
  }

  async listDocuments<T = unknown>(collection: string): Promise<StoredDocument<T>[]> {
    checkName('collection', collection);
    return this.read(() =>
      (this.stmt('SELECT original_key, body, updated_at FROM documents WHERE collection = ? ORDER BY key').all(collection) as DocumentRow[]).map((r) =>
        toStoredDocument<T>(collection, r),
      ),
    );
  }

  deleteDocument(collection: string, key: string): Promise<boolean> {
    checkName('collection', collection);
    checkName('key', key);
    return this.write(() => this.stmt('DELETE FROM documents WHERE collection = ? AND key = ?').run(collection, key.toLowerCase()).changes > 0);
  }

  saveSnapshot(snapshot: SnapshotInput): Promise<SnapshotInfo> {
    const input = checkSnapshot(snapshot);
    return this.write(() => {
      this.stmt('INSERT INTO snapshots (id, taken_at, kind, summary, body) VALUES (?, ?, ?, ?, ?)').run(
        input.id,
        input.takenAt.toISOString(),
        input.kind,
        input.summaryText,
        input.bodyText,
      );
      return savedSnapshotInfo(input);
    }).catch((error: unknown) => {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw snapshotExists(input.id);
      throw storeError('StoreQueryFailed', 'Saving the snapshot failed', error);
    });
  }

  async listSnapshots(filter: SnapshotFilter = {}): Promise<SnapshotInfo[]> {
    const query = snapshotListQuery('sqlite', filter);
    return this.read(() => (this.stmt(query.sql).all(...query.params) as SnapshotInfoRow[]).map(toSnapshotInfo));
  }

  async getSnapshot(id: string): Promise<Snapshot | undefined> {
    checkName('id', id);
    return this.read(() => {
      const r = this.stmt('SELECT id, taken_at, kind, summary, body FROM snapshots WHERE id = ?').get(id) as SnapshotRow | undefined;
      return r === undefined ? undefined : toSnapshot(r);
    });
  }

  // ---- continuous export (sqlite-export.ts) ----

  /** A write that fails in the driver becomes StoreQueryFailed (coded errors pass through). */
  private exportWrite<T>(what: string, fn: () => T): Promise<T> {
    return this.write(fn).catch((error: unknown) => {
      throw storeError('StoreQueryFailed', what, error);
    });
  }

  async readExportState(scope: string): Promise<Map<string, unknown>> {
    checkName('scope', scope);
    return this.read(() => sqliteReadExportState(this.db, scope));
  }

  async listExportScopes(prefix?: string): Promise<string[]> {
    return this.read(() => sqliteListExportScopes(this.db, prefix ?? ''));
  }

  async clearExportState(scope: string): Promise<number> {
    checkName('scope', scope);
    return this.exportWrite('Clearing export state failed', () => sqliteClearExportState(this.db, scope));
  }

  async writeExport(write: ExportWrite): Promise<ExportWriteResult> {
    checkDate('now', write?.now);
    return this.exportWrite('Writing the export outbox failed', () => sqliteWriteExport(this.db, write));
  }

  async claimOutbox(claim: OutboxClaim): Promise<OutboxItem[]> {
    checkClaim(claim);
    return this.exportWrite('Claiming outbox rows failed', () => sqliteClaimOutbox(this.db, claim));
  }

  async settleOutbox(owner: string, settlements: readonly OutboxSettlement[], now: Date): Promise<number> {
    const checked = checkSettle(owner, settlements, now);
    return this.exportWrite('Settling outbox rows failed', () => sqliteSettleOutbox(this.db, owner, checked, now));
  }

  async listOutbox(filter?: OutboxFilter): Promise<OutboxItem[]> {
    checkPaging(filter);
    return this.read(() => sqliteListOutbox(this.db, filter));
  }

  async outboxStats(now: Date): Promise<OutboxStats> {
    checkDate('now', now);
    return this.read(() => sqliteOutboxStats(this.db, now));
  }

  async retryOutbox(filter: { ids?: readonly string[]; automationId?: string }, now: Date): Promise<number> {
    checkDate('now', now);
    return this.exportWrite('Retrying outbox rows failed', () => sqliteRetryOutbox(this.db, filter ?? {}, now));
  }

  async deleteOutbox(filter: { automationId: string; states?: readonly OutboxState[] }): Promise<number> {
    checkOutboxDelete(filter);
    return this.exportWrite('Deleting outbox rows failed', () => sqliteDeleteOutbox(this.db, filter));
  }

  async purgeOutbox(deliveredBefore: Date): Promise<number> {
    checkDate('deliveredBefore', deliveredBefore);
    return this.exportWrite('Purging the outbox failed', () => sqlitePurgeOutbox(this.db, deliveredBefore));
  }

  async insertWorkspaceRows(table: string, rows: readonly Record<string, unknown>[]): Promise<WorkspaceInsertResult> {
    return this.exportWrite('Inserting workspace rows failed', () => sqliteInsertWorkspaceRows(this.db, table, rows));
  }

  async queryWorkspace(sql: string, options?: WorkspaceQueryOptions): Promise<WorkspaceQueryResult> {
    if (this.closed) throw closedError();
    if (this.memory) return this.read(() => sqliteQueryWorkspaceInline(this.db, sql, options));
    return sqliteQueryWorkspace(this.location, this.options.busyTimeoutMs ?? 10_000, sql, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.catch(() => undefined);
    await this.background;
    this.statements.clear();
    this.db.close();
  }
}
