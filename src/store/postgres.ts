/**
 * The PostgreSQL backend (`pg` Pool). The estate import streams the records with `COPY ... FROM STDIN` into a
 * temporary staging table inside one transaction (the server parses COPY on its own core while Node parses the
 * input), then upserts the staging rows into `estate` with one INSERT ... SELECT. Anything that fails — the input,
 * COPY, the upsert — rolls the whole transaction back.
 */
import { once } from 'node:events';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PalisadeError, canonicalKey, isPalisadeError, systemClock } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { ESTATE_COLUMNS, batchesOf, checkName, checkPaging, closedError, parseJson, recordColumns, storeError } from './common.js';
import { ESTATE_SECONDARY_INDEXES, MIGRATIONS } from './migrations.js';
import { checkDate, checkMode, checkSnapshot, documentText, snapshotExists } from './common.js';
import { keyPaging, rowsByKey } from './paging.js';
import { importInfo, savedSnapshotInfo, toAppliedMigration, toSnapshot, toSnapshotInfo, toStoredDocument, toStoredResource, toTypeCount } from './rows.js';
import type { DocumentRow, EstateDbRow, ImportRow, MigrationRow, SnapshotInfoRow, SnapshotRow, TypeCountRow } from './rows.js';
import { estatePageQuery, estateWhere, snapshotListQuery } from './sql.js';
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
import type { PostgresTarget } from './url.js';
import {
  pgClaimOutbox,
  pgClearExportState,
  pgListExportScopes,
  pgDeleteOutbox,
  pgInsertWorkspaceRows,
  pgListOutbox,
  pgOutboxStats,
  pgPurgeOutbox,
  pgQueryWorkspace,
  pgReadExportState,
  pgRetryOutbox,
  pgSettleOutbox,
  pgWriteExport,
} from './postgres-export.js';
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

export interface PostgresOptions {
  clock?: Clock;
  /** Pool size (default 4). */
  max?: number;
  connectionTimeoutMs?: number;
}

/** Characters COPY's text format gives a meaning to. */
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
/** Key of the advisory lock that serialises imports into one schema. */
const IMPORT_LOCK = 0x70616c69; // 'pali'

function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c]!) : value;
}

export async function openPostgresStore(target: PostgresTarget, options: PostgresOptions = {}): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: options.max ?? 4,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
  });
  pool.on('error', () => undefined); // an idle client's connection dropped; the next query reconnects
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new PalisadeError('StoreConnectionFailed', `Cannot connect to PostgreSQL at ${target.host} (${target.display}): ${reason}`, {
      kind: 'io',
      target: target.host,
    });
  }
  try {
    if (target.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${target.schema}`);
    await migrate(client);
  } catch (error) {
    client.release(true);
    await pool.end().catch(() => undefined);
    throw isPalisadeError(error) ? error : storeError('StoreMigrationFailed', 'Store migrations failed', error, 'internal');
  }
  client.release();
  return new PostgresStore(pool, target, options.clock ?? systemClock);
}

async function migrate(client: pg.PoolClient): Promise<void> {
  await client.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
  ).catch((error: unknown) => {
    // Two processes creating the table at once: one loses with a unique violation on the catalog; the table exists.
    if ((error as { code?: string }).code !== '23505') throw error;
  });
  for (const migration of MIGRATIONS) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK + 1]);
      const applied = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (applied.rowCount === 0) {
        await client.query(migration.postgres);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [migration.version, migration.name]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw storeError('StoreMigrationFailed', `Store migration ${migration.version} (${migration.name}) failed`, error, 'internal');
    }
  }
}

class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  readonly location: string;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    target: PostgresTarget,
    private readonly clock: Clock,
  ) {
    this.location = target.display;
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    if (this.closed) throw closedError();
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (error) {
      throw storeError('StoreQueryFailed', 'A store query failed', error);
    }
  }

  async migrations(): Promise<AppliedMigration[]> {
    return (await this.query<MigrationRow>('SELECT version, name, applied_at FROM schema_migrations ORDER BY version')).map(toAppliedMigration);
  }

  async importEstate(batches: AsyncIterable<EstateRecordBatch> | Iterable<EstateRecordBatch>, options: ImportOptions): Promise<ImportResult> {
    checkMode(options?.mode);
    if (this.closed) throw closedError();
    const started = performance.now();
    const importedAt = this.clock.now();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw storeError('StoreConnectionFailed', 'Cannot connect to PostgreSQL', error);
    }
    let healthy = true;
    let copy: ReturnType<typeof copyFrom> | undefined;
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL work_mem = '256MB'");
      await client.query(
        'CREATE TEMP TABLE estate_staging (seq bigint NOT NULL, key text COLLATE "C" NOT NULL, id text NOT NULL, arg_table text NOT NULL, ' +
          'type text COLLATE "C" NOT NULL, name text NOT NULL, subscription_id text COLLATE "C", resource_group text COLLATE "C", ' +
          'location text, row text NOT NULL) ON COMMIT DROP',
      );
      const stream = client.query(copyFrom(`COPY estate_staging (seq, ${ESTATE_COLUMNS}) FROM STDIN`));
      copy = stream;
      let copyError: unknown;
      stream.on('error', (error) => {
        copyError ??= error;
      });
      let records = 0;
      for await (const batch of batchesOf(batches)) {
        if (copyError !== undefined) throw copyError;
        let text = '';
        for (const record of batch) {
          const c = recordColumns(record, records);
          records += 1;
          text +=
            `${records}\t${copyField(c[0])}\t${copyField(c[1])}\t${c[2]}\t${copyField(c[3])}\t${copyField(c[4])}\t` +
            `${copyField(c[5])}\t${copyField(c[6])}\t${copyField(c[7])}\t${copyField(c[8])}\n`;
        }
        if (text !== '' && !stream.write(text)) {
          await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
        }
      }
      stream.end();
      await once(stream, 'finish').catch((error: unknown) => {
        throw copyError ?? error;
      });
      if (copyError !== undefined) throw copyError;
      copy = undefined;

      // One import at a time per schema; readers are not blocked until the TRUNCATE of a replace.
      await client.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
      let before = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM estate')).rows[0]!.n);
      let removed = 0;
      if (options.mode === 'replace') {
        removed = before;
        before = 0;
        await client.query('TRUNCATE estate');
      }
      // Into an empty estate, building the secondary indexes after the load beats maintaining them row by row.
      const rebuild = before === 0 ? ESTATE_SECONDARY_INDEXES : [];
      for (const ix of rebuild) await client.query(`DROP INDEX IF EXISTS ${ix.name}`);
      await this.upsertStaging(client);
      if (rebuild.length > 0) await client.query("SET LOCAL maintenance_work_mem = '512MB'");
      for (const ix of rebuild) await client.query(`CREATE INDEX ${ix.name} ON estate (${ix.columns})`);
      const total = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM estate')).rows[0]!.n);
      const inserted = total - before;
      const replaced = records - inserted;
      await client.query(
        'INSERT INTO estate_imports (imported_at, source, mode, records, inserted, replaced, removed, total, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [importedAt, options.source ?? null, options.mode, records, inserted, replaced, removed, total, Math.round(performance.now() - started)],
      );
      await client.query('COMMIT');
      return { inserted, replaced, removed, records, total, durationMs: Math.round(performance.now() - started) };
    } catch (error) {
      if (copy !== undefined && !copy.destroyed) {
        // Sends CopyFail: the server ends the COPY with an error and the connection is usable again.
        const closed = once(copy, 'close').catch(() => undefined);
        copy.destroy(new Error('import aborted'));
        await closed;
      }
      try {
        await client.query('ROLLBACK');
      } catch {
        healthy = false; // closing the connection rolls the transaction back
      }
      if (isPalisadeError(error) || !(error instanceof Error && 'severity' in error)) throw error; // the input's own error
      throw storeError('StoreImportFailed', 'The estate import failed', error);
    } finally {
      client.release(healthy ? undefined : true);
    }
  }

  /** INSERT ... SELECT from staging; when the input repeated a key, keep its last record and try again. */
  private async upsertStaging(client: pg.PoolClient): Promise<void> {
    const upsert =
      `INSERT INTO estate (${ESTATE_COLUMNS}) SELECT ${ESTATE_COLUMNS} FROM estate_staging ` +
      'ON CONFLICT (key) DO UPDATE SET id = excluded.id, arg_table = excluded.arg_table, type = excluded.type, name = excluded.name, ' +
      'subscription_id = excluded.subscription_id, resource_group = excluded.resource_group, location = excluded.location, row = excluded.row';
    await client.query('SAVEPOINT estate_upsert');
    try {
      await client.query(upsert);
      await client.query('RELEASE SAVEPOINT estate_upsert');
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== '21000' && code !== '23505') throw error;
      await client.query('ROLLBACK TO SAVEPOINT estate_upsert');
      await client.query(
        'DELETE FROM estate_staging s USING (SELECT key, max(seq) AS last FROM estate_staging GROUP BY key HAVING count(*) > 1) d ' +
          'WHERE s.key = d.key AND s.seq < d.last',
      );
      await client.query(upsert);
    }
  }

  async listResources(filter?: ResourceFilter): Promise<StoredResource[]> {
    const { limit, offset } = checkPaging(filter);
    const where = estateWhere('postgres', filter);
    const params = [...where.params];
    let sql = `SELECT ${ESTATE_COLUMNS} FROM estate${where.sql} ORDER BY key`;
    if (limit !== undefined) {
      params.push(limit);
      sql += ` LIMIT $${params.length}`;
    }
    if (offset > 0) {
      params.push(offset);
      sql += ` OFFSET $${params.length}`;
    }
    return (await this.query<EstateDbRow>(sql, params)).map(toStoredResource);
  }

  async *iterateResources(filter?: ResourceFilter & { pageSize?: number }): AsyncIterableIterator<StoredResource> {
    const paging = keyPaging(filter);
    const where = estateWhere('postgres', filter);
    const rows = rowsByKey(paging, (page) => {
      const query = estatePageQuery('postgres', where, page);
      return this.query<EstateDbRow>(query.sql, query.params);
    });
    for await (const row of rows) yield toStoredResource(row);
  }

  async getResource(keyOrId: string): Promise<StoredResource | undefined> {
    const key = canonicalKey(checkName('keyOrId', keyOrId));
    const rows = await this.query<EstateDbRow>(`SELECT ${ESTATE_COLUMNS} FROM estate WHERE key = $1`, [key]);
    return rows.length === 0 ? undefined : toStoredResource(rows[0]!);
  }

  async deleteResources(keysOrIds: readonly string[]): Promise<number> {
    const keys = keysOrIds.map((k) => canonicalKey(checkName('keysOrIds', k)));
    if (keys.length === 0) return 0;
    const rows = await this.query<{ n: string }>('WITH gone AS (DELETE FROM estate WHERE key = ANY($1::text[]) RETURNING 1) SELECT count(*) AS n FROM gone', [keys]);
    return Number(rows[0]!.n);
  }

  async countResources(filter?: ResourceFilter): Promise<number> {
    const where = estateWhere('postgres', filter);
    const rows = await this.query<{ n: string }>(`SELECT count(*) AS n FROM estate${where.sql}`, where.params);
    return Number(rows[0]!.n);
  }

  async countByType(filter?: ResourceFilter): Promise<TypeCount[]> {
    const where = estateWhere('postgres', filter);
    const rows = await this.query<TypeCountRow>(`SELECT type, count(*) AS count FROM estate${where.sql} GROUP BY type ORDER BY type`, where.params);
    return rows.map(toTypeCount);
  }

  async estateInfo(): Promise<EstateInfo | undefined> {
    const rows = await this.query<ImportRow & { total_now: string; imports: string }>(
      'SELECT i.*, (SELECT count(*) FROM estate) AS total_now, (SELECT count(*) FROM estate_imports) AS imports ' +
        'FROM estate_imports i ORDER BY i.id DESC LIMIT 1',
    );
    const last = rows[0];
    if (last === undefined) return undefined;
    return importInfo(last, Number(last.total_now), Number(last.imports));
  }

  async putDocument<T = unknown>(collection: string, key: string, body: T): Promise<void> {
    checkName('collection', collection);
    checkName('key', key);
    await this.query(
      'INSERT INTO documents (collection, key, original_key, body, updated_at) VALUES ($1, $2, $3, $4, $5) ' +
        'ON CONFLICT (collection, key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at',
      [collection, key.toLowerCase(), key, documentText(body), this.clock.now()],
    );
  }

  async getDocument<T = unknown>(collection: string, key: string): Promise<T | undefined> {
    checkName('collection', collection);
    checkName('key', key);
    const rows = await this.query<{ body: string }>('SELECT body FROM documents WHERE collection = $1 AND key = $2', [collection, key.toLowerCase()]);
    return rows.length === 0 ? undefined : (parseJson(rows[0]!.body) as T);
  }

  async listDocuments<T = unknown>(collection: string): Promise<StoredDocument<T>[]> {
    checkName('collection', collection);
    const rows = await this.query<DocumentRow>('SELECT original_key, body, updated_at FROM documents WHERE collection = $1 ORDER BY key', [collection]);
    return rows.map((r) => toStoredDocument<T>(collection, r));
  }

  async deleteDocument(collection: string, key: string): Promise<boolean> {
    checkName('collection', collection);
    checkName('key', key);
    if (this.closed) throw closedError();
    try {
      const result = await this.pool.query('DELETE FROM documents WHERE collection = $1 AND key = $2', [collection, key.toLowerCase()]);
      return (result.rowCount ?? 0) > 0;
    } catch (error) {
      throw storeError('StoreQueryFailed', 'A store query failed', error);
    }
  }

  async saveSnapshot(snapshot: SnapshotInput): Promise<SnapshotInfo> {
    const input = checkSnapshot(snapshot);
    if (this.closed) throw closedError();
    try {
      await this.pool.query('INSERT INTO snapshots (id, taken_at, kind, summary, body) VALUES ($1, $2, $3, $4, $5)', [
        input.id,
        input.takenAt,
        input.kind,
        input.summaryText,
        input.bodyText,
      ]);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw snapshotExists(input.id);
      throw storeError('StoreQueryFailed', 'Saving the snapshot failed', error);
    }
    return savedSnapshotInfo(input);
  }

  async listSnapshots(filter: SnapshotFilter = {}): Promise<SnapshotInfo[]> {
    const query = snapshotListQuery('postgres', filter);
    return (await this.query<SnapshotInfoRow>(query.sql, query.params)).map(toSnapshotInfo);
  }

  async getSnapshot(id: string): Promise<Snapshot | undefined> {
    checkName('id', id);
    const rows = await this.query<SnapshotRow>('SELECT id, taken_at, kind, summary, body FROM snapshots WHERE id = $1', [id]);
    return rows.length === 0 ? undefined : toSnapshot(rows[0]!);
  }

  // ---- continuous export (postgres-export.ts) ----

  /** Runs an export statement; driver errors become StoreQueryFailed (coded errors pass through). */
  private async exportOp<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw closedError();
    try {
      return await fn();
    } catch (error) {
      throw storeError('StoreQueryFailed', what, error);
    }
  }

  async readExportState(scope: string): Promise<Map<string, unknown>> {
    checkName('scope', scope);
    return this.exportOp('Reading the export state failed', () => pgReadExportState(this.pool, scope));
  }

  async listExportScopes(prefix?: string): Promise<string[]> {
    return this.exportOp('Listing export state failed', () => pgListExportScopes(this.pool, prefix ?? ''));
  }

  async clearExportState(scope: string): Promise<number> {
    checkName('scope', scope);
    return this.exportOp('Clearing export state failed', () => pgClearExportState(this.pool, scope));
  }

  async writeExport(write: ExportWrite): Promise<ExportWriteResult> {
    checkDate('now', write?.now);
    return this.exportOp('Writing the export outbox failed', () => pgWriteExport(this.pool, write));
  }

  async claimOutbox(claim: OutboxClaim): Promise<OutboxItem[]> {
    checkClaim(claim);
    return this.exportOp('Claiming outbox rows failed', () => pgClaimOutbox(this.pool, claim));
  }

  async settleOutbox(owner: string, settlements: readonly OutboxSettlement[], now: Date): Promise<number> {
    const checked = checkSettle(owner, settlements, now);
    return this.exportOp('Settling outbox rows failed', () => pgSettleOutbox(this.pool, owner, checked, now));
  }

  async listOutbox(filter?: OutboxFilter): Promise<OutboxItem[]> {
    checkPaging(filter);
    return this.exportOp('Listing the outbox failed', () => pgListOutbox(this.pool, filter));
  }

  async outboxStats(now: Date): Promise<OutboxStats> {
    checkDate('now', now);
    return this.exportOp('Reading outbox statistics failed', () => pgOutboxStats(this.pool, now));
  }

  async retryOutbox(filter: { ids?: readonly string[]; automationId?: string }, now: Date): Promise<number> {
    checkDate('now', now);
    return this.exportOp('Retrying outbox rows failed', () => pgRetryOutbox(this.pool, filter ?? {}, now));
  }

  async deleteOutbox(filter: { automationId: string; states?: readonly OutboxState[] }): Promise<number> {
    checkOutboxDelete(filter);
    return this.exportOp('Deleting outbox rows failed', () => pgDeleteOutbox(this.pool, filter));
  }

  async purgeOutbox(deliveredBefore: Date): Promise<number> {
    checkDate('deliveredBefore', deliveredBefore);
    return this.exportOp('Purging the outbox failed', () => pgPurgeOutbox(this.pool, deliveredBefore));
  }

  async insertWorkspaceRows(table: string, rows: readonly Record<string, unknown>[]): Promise<WorkspaceInsertResult> {
    return this.exportOp('Inserting workspace rows failed', () => pgInsertWorkspaceRows(this.pool, table, rows));
  }

  async queryWorkspace(sql: string, options?: WorkspaceQueryOptions): Promise<WorkspaceQueryResult> {
    return this.exportOp('A workspace query failed', () => pgQueryWorkspace(this.pool, sql, options));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
