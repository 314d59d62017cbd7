/**
 * The SQLite side of continuous export: outbox, export state and workspace statements over a better-sqlite3
 * connection. The store class (sqlite.ts) serialises the writes and wraps errors; these functions run the SQL.
 *
 * Workspace queries run in a child process on a connection opened read-only (`{readonly: true}`), so the database
 * refuses any write, and the process is killed when the query outlives its timeout (SQLite has no statement timeout,
 * better-sqlite3 no interrupt, and a worker thread cannot be stopped inside native code). Before running, the child
 * checks with EXPLAIN which b-trees the statement opens: only the workspace tables (and their indexes) may be read.
 * An in-memory store cannot be shared with another process: it runs the same function inline on its connection
 * (the statement must be read-only and return rows; no timeout).
 */
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import type Database from 'better-sqlite3';
import {
  OUTBOX_BY_AUTOMATION_SQL,
  OUTBOX_INSERT_COLUMNS,
  WORKSPACE_COLUMNS_BY_LOWER,
  WORKSPACE_TABLES_LOWER,
  checkQuery,
  checkStateEntries,
  checkWorkspaceTable,
  claimOrder,
  errorText,
  notAllowedTables,
  outboxInsertRow,
  outboxTotalsSql,
  outboxWhere,
  tableNotAllowed,
  toOutboxItem,
  toOutboxStats,
  workspaceError,
  workspaceRowValues,
  type OutboxAutomationRow,
  type OutboxDbRow,
  type OutboxTotalsRow,
} from './export-common.js';
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
import { parseJson } from './common.js';
import { storedWorkspaceColumns } from './workspace-tables.js';

type Db = Database.Database;

export function sqliteReadExportState(db: Db, scope: string): Map<string, unknown> {
  const rows = db.prepare('SELECT entity_key, value FROM export_state WHERE scope = ?').all(scope) as { entity_key: string; value: string }[];
  return new Map(rows.map((r) => [r.entity_key, parseJson(r.value)]));
}

export function sqliteListExportScopes(db: Db, prefix = ''): string[] {
  return (db.prepare('SELECT DISTINCT scope FROM export_state WHERE substr(scope, 1, ?) = ? ORDER BY scope').all(prefix.length, prefix) as { scope: string }[]).map((r) => r.scope);
}

export function sqliteClearExportState(db: Db, scope: string): number {
  return db.prepare('DELETE FROM export_state WHERE scope = ?').run(scope).changes;
}

export function sqliteWriteExport(db: Db, write: ExportWrite): ExportWriteResult {
  const nowMs = write.now.getTime();
  const rows = write.outbox.map((item, i) => outboxInsertRow(item, i, nowMs));
  const state = checkStateEntries(write.state);
  const insert = db.prepare(`INSERT INTO export_outbox (${OUTBOX_INSERT_COLUMNS.join(', ')}) VALUES (${OUTBOX_INSERT_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`);
  const upsert = db.prepare(
    'INSERT INTO export_state (scope, entity_key, value, updated_ms) VALUES (?, ?, ?, ?) ON CONFLICT (scope, entity_key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms',
  );
  const remove = db.prepare('DELETE FROM export_state WHERE scope = ? AND entity_key = ?');
  return db
    .transaction(() => {
      let enqueued = 0;
      for (const r of rows) enqueued += insert.run(...r).changes;
      for (const e of state) {
        if (e.value === null) remove.run(e.scope, e.key);
        else upsert.run(e.scope, e.key, e.value, nowMs);
      }
      return { enqueued, duplicates: rows.length - enqueued };
    })
    .immediate();
}

export function sqliteClaimOutbox(db: Db, claim: OutboxClaim): OutboxItem[] {
  const now = claim.now.getTime();
  const rows = db
    .prepare(
      'UPDATE export_outbox SET lease_owner = ?, lease_until_ms = ?, attempts = attempts + 1 WHERE seq IN (' +
        "SELECT seq FROM export_outbox WHERE state = 'pending' AND next_attempt_ms <= ? AND (lease_until_ms IS NULL OR lease_until_ms <= ?) " +
        'ORDER BY next_attempt_ms, seq LIMIT ?) RETURNING *',
    )
    .all(claim.owner, now + claim.leaseMs, now, now, claim.limit) as OutboxDbRow[];
  return rows.map(toOutboxItem).sort(claimOrder);
}

export function sqliteSettleOutbox(db: Db, owner: string, settlements: readonly OutboxSettlement[], now: Date): number {
  const delivered = db.prepare(
    "UPDATE export_outbox SET state = 'delivered', delivered_ms = ?, lease_owner = NULL, lease_until_ms = NULL, last_error = NULL WHERE id = ? AND state = 'pending'",
  );
  const retry = db.prepare(
    "UPDATE export_outbox SET next_attempt_ms = ?, last_error = ?, lease_owner = NULL, lease_until_ms = NULL WHERE id = ? AND state = 'pending' AND lease_owner = ?",
  );
  const dead = db.prepare(
    "UPDATE export_outbox SET state = 'dead', last_error = ?, lease_owner = NULL, lease_until_ms = NULL WHERE id = ? AND state = 'pending' AND lease_owner = ?",
  );
  const nowMs = now.getTime();
  return db
    .transaction(() => {
      let changed = 0;
      for (const s of settlements) {
        if (s.outcome === 'delivered') changed += delivered.run(nowMs, s.id).changes;
        else if (s.outcome === 'retry') changed += retry.run(s.nextAttemptAt.getTime(), errorText(s.error), s.id, owner).changes;
        else changed += dead.run(errorText(s.error), s.id, owner).changes;
      }
      return changed;
    })
    .immediate();
}

export function sqliteListOutbox(db: Db, filter: OutboxFilter = {}): OutboxItem[] {
  const params: unknown[] = [];
  const where = outboxWhere('sqlite', filter, params);
  const rows = db.prepare(`SELECT * FROM export_outbox${where} ORDER BY seq LIMIT ? OFFSET ?`).all(...params, filter.limit ?? -1, filter.offset ?? 0) as OutboxDbRow[];
  return rows.map(toOutboxItem);
}

export function sqliteOutboxStats(db: Db, now: Date): OutboxStats {
  const nowMs = now.getTime();
  const totals = db.prepare(outboxTotalsSql('?')).get(nowMs, nowMs, nowMs) as OutboxTotalsRow;
  const byAutomation = db.prepare(OUTBOX_BY_AUTOMATION_SQL).all() as OutboxAutomationRow[];
  return toOutboxStats(totals, byAutomation);
}

export function sqliteRetryOutbox(db: Db, filter: { ids?: readonly string[]; automationId?: string }, now: Date): number {
  const params: unknown[] = [now.getTime()];
  const where = outboxWhere('sqlite', { ...filter, states: ['dead'] }, params);
  return db.prepare(`UPDATE export_outbox SET state = 'pending', attempts = 0, next_attempt_ms = ?, lease_owner = NULL, lease_until_ms = NULL${where}`).run(...params).changes;
}

export function sqliteDeleteOutbox(db: Db, filter: { automationId: string; states?: readonly OutboxState[] }): number {
  const params: unknown[] = [];
  return db.prepare(`DELETE FROM export_outbox${outboxWhere('sqlite', filter, params)}`).run(...params).changes;
}

export function sqlitePurgeOutbox(db: Db, deliveredBefore: Date): number {
  return db.prepare("DELETE FROM export_outbox WHERE state = 'delivered' AND delivered_ms < ?").run(deliveredBefore.getTime()).changes;
}

export function sqliteInsertWorkspaceRows(db: Db, tableName: string, rows: readonly Record<string, unknown>[]): WorkspaceInsertResult {
  const table = checkWorkspaceTable(tableName);
  const columns = storedWorkspaceColumns(table);
  const values = rows.map((row, i) =>
    workspaceRowValues(table, row, i).map((v, c) => {
      if (v === null) return null;
      const type = columns[c]!.type;
      if (type === 'bool') return v ? 1 : 0;
      if (type === 'dynamic') return JSON.stringify(v);
      return v;
    }),
  );
  const insert = db.prepare(
    `INSERT INTO ${table.name} (${columns.map((c) => c.name).join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (_WorkspaceResourceId, _ItemId) DO NOTHING`,
  );
  return db
    .transaction(() => {
      let inserted = 0;
      for (const v of values) inserted += insert.run(...v).changes;
      return { inserted, duplicates: values.length - inserted };
    })
    .immediate();
}

// ------------------------------------------------------------------------------------------------ workspace query

interface QueryInput {
  sql: string;
  maxRows: number;
  /** lower-cased workspace table names */
  allowed: string[];
  /** lower-cased column name → type, for decoding bool and dynamic columns of workspace tables */
  types: Record<string, string>;
}

type QueryOutcome = { ok: true; columns: string[]; rows: Record<string, unknown>[]; truncated: boolean } | { ok: false; code: string; message: string; tables?: string[] };

/**
 * Prepares, checks and runs a workspace query on a connection. Self-contained (it runs in the child process as source
 * text): uses nothing but its arguments.
 */
function runWorkspaceQuery(db: Db, input: QueryInput): QueryOutcome {
  let stmt: Database.Statement;
  try {
    stmt = db.prepare(input.sql);
  } catch (error) {
    return { ok: false, code: 'WorkspaceQueryInvalid', message: (error as Error).message };
  }
  if (!stmt.reader || !stmt.readonly) return { ok: false, code: 'WorkspaceQueryNotReadOnly', message: 'only read-only statements that return rows can run on the workspace' };
  if (/\bpragma_[a-z_]+\s*\(/i.test(input.sql)) return { ok: false, code: 'WorkspaceTableNotAllowed', message: 'pragma functions', tables: ['pragma functions'] };
  const roots = new Map<number, string>();
  for (const r of db.prepare('SELECT rootpage, tbl_name FROM sqlite_schema WHERE rootpage > 0').all() as { rootpage: number; tbl_name: string }[]) roots.set(r.rootpage, r.tbl_name);
  const read = new Set<string>();
  for (const op of db.prepare(`EXPLAIN ${input.sql}`).all() as { opcode: string; p2: number; p3: number }[]) {
    if (op.opcode !== 'OpenRead' && op.opcode !== 'OpenWrite' && op.opcode !== 'ReopenIdx') continue;
    if (op.p3 !== 0) read.add('a temporary or attached database');
    else read.add(op.p2 === 1 ? 'sqlite_schema' : (roots.get(op.p2) ?? `b-tree page ${op.p2}`));
  }
  const denied = [...read].filter((t) => !input.allowed.includes(t.toLowerCase()));
  if (denied.length > 0) return { ok: false, code: 'WorkspaceTableNotAllowed', message: 'tables', tables: denied };
  const meta = stmt.columns();
  const decoders = meta.map((c) => {
    const fromWorkspace = c.table !== null && input.allowed.includes(c.table.toLowerCase()) && c.column !== null;
    const type = fromWorkspace ? input.types[c.column!.toLowerCase()] : undefined;
    if (type === 'bool') return (v: unknown) => (v === 1 ? true : v === 0 ? false : v);
    if (type === 'dynamic')
      return (v: unknown) => {
        if (typeof v !== 'string') return v;
        try {
          return JSON.parse(v, (k, x) => (k === '__proto__' ? undefined : x));
        } catch {
          return v;
        }
      };
    return (v: unknown) => v;
  });
  const columns = meta.map((c) => c.name);
  const rows: Record<string, unknown>[] = [];
  let truncated = false;
  try {
    for (const raw of stmt.raw(true).iterate() as IterableIterator<unknown[]>) {
      if (rows.length === input.maxRows) {
        truncated = true;
        break;
      }
      const row: Record<string, unknown> = {};
      for (let i = 0; i < columns.length; i++) {
        if (columns[i] === '__proto__') continue;
        row[columns[i]!] = decoders[i]!(raw[i]);
      }
      rows.push(row);
    }
  } catch (error) {
    return { ok: false, code: 'WorkspaceQueryInvalid', message: (error as Error).message };
  }
  return { ok: true, columns, rows, truncated };
}

const require = createRequire(import.meta.url);

/** The child process: reads its input as JSON on stdin, answers one JSON line on stdout. */
const CHILD_SOURCE = `
'use strict';
const Database = require(process.argv[1]);
const runWorkspaceQuery = ${runWorkspaceQuery.toString()};
let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { text += chunk; });
process.stdin.on('end', () => {
  let out;
  try {
    const data = JSON.parse(text);
    const db = new Database(data.path, { readonly: true, fileMustExist: true, timeout: data.busyTimeout });
    try { out = runWorkspaceQuery(db, data.input); } finally { db.close(); }
  } catch (error) {
    out = { ok: false, code: 'WorkspaceQueryFailed', message: String(error && error.message) };
  }
  process.stdout.write(JSON.stringify(out));
});
`;

function queryInput(sql: string, maxRows: number): QueryInput {
  const types: Record<string, string> = {};
  for (const [name, c] of WORKSPACE_COLUMNS_BY_LOWER) types[name] = c.type;
  return { sql, maxRows, allowed: [...WORKSPACE_TABLES_LOWER], types };
}

function outcomeResult(out: QueryOutcome): WorkspaceQueryResult {
  if (out.ok) return { columns: out.columns, rows: out.rows, truncated: out.truncated };
  if (out.code === 'WorkspaceTableNotAllowed') throw tableNotAllowed(notAllowedTables(out.tables ?? []));
  if (out.code === 'WorkspaceQueryNotReadOnly') throw workspaceError(out.code, `The query cannot run on the workspace: ${out.message}.`);
  throw workspaceError(out.code, `The workspace query failed: ${out.message}`);
}

/** Runs a query on the store's own connection (in-memory stores). */
export function sqliteQueryWorkspaceInline(db: Db, sql: string, options: WorkspaceQueryOptions = {}): WorkspaceQueryResult {
  const checked = checkQuery(sql, options);
  return outcomeResult(runWorkspaceQuery(db, queryInput(checked.sql, checked.maxRows)));
}

/**
 * Runs a query in a child process on a read-only connection to the file, killed at the timeout (a worker thread
 * cannot be stopped while SQLite runs native code).
 */
export async function sqliteQueryWorkspace(path: string, busyTimeoutMs: number, sql: string, options: WorkspaceQueryOptions = {}): Promise<WorkspaceQueryResult> {
  const checked = checkQuery(sql, options);
  const child = spawn(process.execPath, ['--input-type=commonjs', '-e', CHILD_SOURCE, require.resolve('better-sqlite3')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let timer: NodeJS.Timeout | undefined;
  try {
    const out = await new Promise<QueryOutcome>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(workspaceError('WorkspaceQueryTimeout', `The workspace query ran longer than ${checked.timeoutMs} ms and was stopped.`));
      }, checked.timeoutMs);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      child.once('error', (error) => reject(workspaceError('WorkspaceQueryFailed', `The workspace query could not start: ${error.message}`, error)));
      child.once('close', (code) => {
        try {
          resolve(JSON.parse(stdout) as QueryOutcome);
        } catch {
          reject(workspaceError('WorkspaceQueryFailed', `The workspace query process exited (${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
        }
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify({ path, busyTimeout: busyTimeoutMs, input: queryInput(checked.sql, checked.maxRows) }));
    });
    return outcomeResult(out);
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
