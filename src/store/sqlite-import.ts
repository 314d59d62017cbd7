/**
 * The SQLite estate import. The loader parses JSON on the main thread; the inserts run on a `worker_threads` worker
 * that owns its own connection to the same file, so parsing and inserting use both cores. The main thread only
 * validates each record cheaply and posts its column values in chunks (with a bound on chunks in flight, so a slow
 * disk never lets memory grow). The worker holds one `BEGIN IMMEDIATE` transaction for the whole import and rolls it
 * back when the main thread says so (the input threw) or when a statement fails. WAL lets the main connection keep
 * answering reads from the last committed state meanwhile.
 *
 * `:memory:` databases cannot be shared with a worker; they import on the main thread with the same SQL
 * (`importInline`).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { PalisadeError } from '../core/index.js';
import { ESTATE_COLUMNS, batchesOf, recordColumns, storeError } from './common.js';
import { ESTATE_SECONDARY_INDEXES } from './migrations.js';
import type { EstateRecordBatch, ImportOptions, ImportResult } from './types.js';

/** Rows per message to the worker. */
const CHUNK_ROWS = 2000;
/** Messages the worker may have queued before the main thread waits for it. */
const MAX_IN_FLIGHT = 6;
/** SQLite page cache of the importing connection (KiB, negative = size). */
export const IMPORT_CACHE_PRAGMA = `cache_size = -${Number(process.env.PALISADE_STORE_IMPORT_CACHE_MB ?? 256) * 1024}`;
/** Imports into an empty estate drop the secondary indexes and build them after the load (0 turns that off). */
const REBUILD_INDEXES = process.env.PALISADE_STORE_REBUILD_INDEXES !== '0';

export const UPSERT_SQL =
  `INSERT INTO estate (${ESTATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ` +
  'ON CONFLICT (key) DO UPDATE SET id = excluded.id, arg_table = excluded.arg_table, type = excluded.type, ' +
  'name = excluded.name, subscription_id = excluded.subscription_id, resource_group = excluded.resource_group, ' +
  'location = excluded.location, row = excluded.row';

export const IMPORT_HISTORY_SQL =
  'INSERT INTO estate_imports (imported_at, source, mode, records, inserted, replaced, removed, total, duration_ms) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * The worker, as plain JavaScript run with `eval: true` (a separate .js file would not exist when the sources run
 * under vitest, nor would a .ts one under node). It mirrors `importInline` below statement for statement.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeout });
db.pragma('synchronous = OFF');
db.pragma(workerData.cachePragma);
db.pragma('temp_store = MEMORY');
db.pragma('threads = 2');
db.pragma('journal_size_limit = 67108864');
db.pragma('wal_autocheckpoint = 0');
// Alone on the file, the import uses a rollback journal: new pages go straight into the database file once.
if (workerData.exclusive) { db.pragma('journal_mode = DELETE'); db.pragma('locking_mode = EXCLUSIVE'); }
const debug = workerData.debug; const T = { rows: 0, idx: 0, commit: 0 }; let t0;
let upsert, failed = false, inTx = false, records = 0, before = 0, removed = 0, rebuilt = [];
function rollback() { if (inTx) { inTx = false; try { db.exec('ROLLBACK'); } catch (e) {} } }
parentPort.on('message', (m) => {
  if (m.t === 'abort') { rollback(); parentPort.postMessage({ t: 'aborted' }); return; }
  if (failed) return;
  try {
    if (m.t === 'begin') {
      db.exec('BEGIN IMMEDIATE'); inTx = true;
      before = db.prepare('SELECT count(*) AS n FROM estate').get().n;
      if (m.mode === 'replace') {
        removed = before; before = 0;
        db.exec('DELETE FROM estate');
      }
      // Into an empty estate, building the secondary indexes after the load is several times faster than
      // maintaining them row by row.
      if (before === 0 && m.rebuildIndexes) for (const ix of m.indexes) { db.exec('DROP INDEX IF EXISTS ' + ix.name); rebuilt.push(ix); }
      upsert = db.prepare(workerData.upsertSql);
      parentPort.postMessage({ t: 'ready' });
    } else if (m.t === 'rows') {
      const v = m.v; t0 = performance.now();
      for (let i = 0; i < v.length; i += 9) upsert.run(v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7], v[i + 8]);
      records += v.length / 9; T.rows += performance.now() - t0;
      parentPort.postMessage({ t: 'ack' });
    } else if (m.t === 'commit') {
      t0 = performance.now();
      for (const ix of rebuilt) db.exec('CREATE INDEX ' + ix.name + ' ON estate (' + ix.columns + ')');
      T.idx = performance.now() - t0; t0 = performance.now();
      const total = db.prepare('SELECT count(*) AS n FROM estate').get().n;
      const inserted = total - before;
      const replaced = records - inserted;
      const durationMs = Math.round(performance.timeOrigin + performance.now() - m.startedAt);
      db.prepare(workerData.historySql).run(m.importedAt, m.source, m.mode, records, inserted, replaced, removed, total, durationMs);
      db.exec('COMMIT'); inTx = false; T.commit = performance.now() - t0;
      if (debug) process.stderr.write('sqlite import worker ms: ' + JSON.stringify(T) + String.fromCharCode(10));
      parentPort.postMessage({ t: 'done', result: { inserted, replaced, removed, records, total } });
      // Copy the committed pages from the WAL into the database file now, off the main thread, instead of in
      // the middle of some later small write on the main connection (nothing to copy after an exclusive import).
      t0 = performance.now();
      if (workerData.exclusive) { try { db.pragma('journal_mode = WAL'); } catch (e) {} }
      else { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (e) {} }
      if (debug) process.stderr.write('sqlite import checkpoint ms: ' + Math.round(performance.now() - t0) + String.fromCharCode(10));
      db.close();
      parentPort.postMessage({ t: 'checkpointed' });
    }
  } catch (e) {
    failed = true;
    rollback();
    parentPort.postMessage({ t: 'error', message: e && e.message ? e.message : String(e), code: e && e.code });
  }
});
`;

interface Pending {
  expect: string;
  resolve: (value: WorkerReply) => void;
  reject: (error: unknown) => void;
}

type WorkerReply = { t: string; result?: Omit<ImportResult, 'durationMs'>; message?: string; code?: string };

export interface ImportContext {
  path: string;
  /** the worker is the only connection: it may switch to a rollback journal */
  exclusive?: boolean;
  busyTimeoutMs: number;
  importedAt: string;
  startedAt: number;
}

/** Imports through a worker that owns its own connection to `ctx.path`. */
export async function importViaWorker(
  batches: AsyncIterable<EstateRecordBatch> | Iterable<EstateRecordBatch>,
  options: ImportOptions,
  ctx: ImportContext,
): Promise<Omit<ImportResult, 'durationMs'> & { background: Promise<unknown> }> {
  const require = createRequire(import.meta.url);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: require.resolve('better-sqlite3'),
      path: ctx.path,
      busyTimeout: ctx.busyTimeoutMs,
      cachePragma: IMPORT_CACHE_PRAGMA,
      upsertSql: UPSERT_SQL,
      historySql: IMPORT_HISTORY_SQL,
      debug: process.env.PALISADE_STORE_DEBUG === '1',
      exclusive: ctx.exclusive === true,
    },
  });
  const pending: Pending[] = [];
  let broken: unknown;
  let background: Promise<unknown> | undefined;
  const breakAll = (error: unknown): void => {
    broken ??= error;
    for (const p of pending.splice(0)) p.reject(error);
  };
  worker.on('message', (reply: WorkerReply) => {
    if (reply.t === 'error') {
      breakAll(storeError('StoreImportFailed', 'The estate import failed', Object.assign(new Error(reply.message), { code: reply.code })));
      return;
    }
    const next = pending.shift();
    if (next === undefined) return;
    if (next.expect === reply.t) next.resolve(reply);
    else next.reject(new PalisadeError('StoreImportFailed', `The import worker answered "${reply.t}" to a "${next.expect}".`, { kind: 'internal' }));
  });
  worker.on('error', (error) => breakAll(storeError('StoreImportFailed', 'The import worker failed', error, 'internal')));
  worker.on('exit', () => breakAll(new PalisadeError('StoreImportFailed', 'The import worker stopped.', { kind: 'internal' })));

  const send = (message: Record<string, unknown>, expect: string): Promise<WorkerReply> => {
    if (broken !== undefined) return Promise.reject(broken);
    const promise = new Promise<WorkerReply>((resolve, reject) => pending.push({ expect, resolve, reject }));
    promise.catch(() => undefined); // observed through `broken` / the awaited ones; never unhandled
    worker.postMessage(message);
    return promise;
  };

  try {
    const rebuildIndexes = REBUILD_INDEXES;
    await send({ t: 'begin', mode: options.mode, rebuildIndexes, indexes: ESTATE_SECONDARY_INDEXES }, 'ready');
    let values: (string | null)[] = [];
    let index = 0;
    const acks: Promise<WorkerReply>[] = [];
    const flush = async (): Promise<void> => {
      acks.push(send({ t: 'rows', v: values }, 'ack'));
      values = [];
      while (acks.length > MAX_IN_FLIGHT) await acks.shift();
    };
    for await (const batch of batchesOf(batches)) {
      if (broken !== undefined) throw broken;
      for (const record of batch) {
        const c = recordColumns(record, index++);
        values.push(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]);
      }
      if (values.length >= CHUNK_ROWS * 9) await flush();
    }
    if (values.length > 0) await flush();
    await Promise.all(acks);
    const done = await send(
      { t: 'commit', importedAt: ctx.importedAt, source: options.source ?? null, mode: options.mode, startedAt: ctx.startedAt },
      'done',
    );
    const checkpointed = new Promise<void>((resolve) => {
      pending.push({ expect: 'checkpointed', resolve: () => resolve(), reject: () => resolve() });
    });
    background = checkpointed.finally(() => {
      worker.removeAllListeners('exit');
      return worker.terminate();
    });
    return { ...done.result!, background };
  } catch (error) {
    if (broken === undefined) {
      try {
        await send({ t: 'abort' }, 'aborted');
      } catch {
        // the worker is gone; terminating it below rolls its transaction back with the connection
      }
    }
    throw error;
  } finally {
    if (background === undefined) {
      worker.removeAllListeners('exit');
      await worker.terminate();
    }
  }
}

/** Imports on the caller's connection (`:memory:` stores), with the same statements as the worker. */
export async function importInline(
  db: BetterSqlite3.Database,
  batches: AsyncIterable<EstateRecordBatch> | Iterable<EstateRecordBatch>,
  options: ImportOptions,
  ctx: ImportContext,
): Promise<Omit<ImportResult, 'durationMs'>> {
  const count = db.prepare('SELECT count(*) AS n FROM estate').pluck();
  db.exec('BEGIN IMMEDIATE');
  try {
    let before = count.get() as number;
    let removed = 0;
    if (options.mode === 'replace') {
      removed = before;
      before = 0;
      db.exec('DELETE FROM estate');
    }
    const upsert = db.prepare(UPSERT_SQL);
    let records = 0;
    for await (const batch of batchesOf(batches)) {
      for (const record of batch) upsert.run(...recordColumns(record, records++));
    }
    const total = count.get() as number;
    const inserted = total - before;
    const replaced = records - inserted;
    const durationMs = Math.round(performance.timeOrigin + performance.now() - ctx.startedAt);
    db.prepare(IMPORT_HISTORY_SQL).run(ctx.importedAt, options.source ?? null, options.mode, records, inserted, replaced, removed, total, durationMs);
    db.exec('COMMIT');
    return { inserted, replaced, removed, records, total };
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw storeErrorUnlessInput(error);
  }
}

function storeErrorUnlessInput(error: unknown): unknown {
  // Errors thrown by the input (the loader) propagate unchanged; SQLite's own errors get a code.
  const name = (error as { code?: unknown } | null)?.code;
  return typeof name === 'string' && name.startsWith('SQLITE_') ? storeError('StoreImportFailed', 'The estate import failed', error) : error;
}
