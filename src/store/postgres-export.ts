/**
 * The PostgreSQL side of continuous export: outbox, export state and workspace statements. Batches travel as one
 * JSON parameter unpacked by `jsonb_to_recordset` / `jsonb_populate_recordset` (one round trip per chunk); claims
 * use `FOR UPDATE SKIP LOCKED`, so deliverers on several servers never take the same row.
 *
 * Workspace queries: one transaction that is rolled back at the end. As the store's user it EXPLAINs the query and
 * checks every relation the plan reads is a workspace table of the store's schema; then, when the user may create
 * roles, it creates a throw-away role allowed to SELECT the workspace tables only, switches to it (`SET LOCAL ROLE`),
 * makes the transaction READ ONLY, sets `statement_timeout`, and fetches the rows through a cursor (DECLARE accepts
 * only a query, and the extended protocol a single statement). The rollback drops the role. Without CREATEROLE the
 * same runs as the store's user: read-only and the plan check still hold, but a function called by the query could
 * read another table — grant CREATEROLE to the store's user to close that.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
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
import { parseJson } from './common.js';
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
import { WORKSPACE_TABLES, storedWorkspaceColumns } from './workspace-tables.js';

type Queryable = pg.Pool | pg.PoolClient;

const CHUNK = 2000;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `fn` in a transaction on one pooled connection. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let healthy = true;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      healthy = false;
    });
    throw error;
  } finally {
    client.release(healthy ? undefined : true);
  }
}

export async function pgReadExportState(db: Queryable, scope: string): Promise<Map<string, unknown>> {
  const { rows } = await db.query<{ entity_key: string; value: string }>('SELECT entity_key, value FROM export_state WHERE scope = $1', [scope]);
  return new Map(rows.map((r) => [r.entity_key, parseJson(r.value)]));
}

export async function pgListExportScopes(db: Queryable, prefix = ''): Promise<string[]> {
  const { rows } = await db.query<{ scope: string }>('SELECT DISTINCT scope FROM export_state WHERE left(scope, $1) = $2 ORDER BY scope', [prefix.length, prefix]);
  return rows.map((r) => r.scope);
}

export async function pgClearExportState(db: Queryable, scope: string): Promise<number> {
  return (await db.query('DELETE FROM export_state WHERE scope = $1', [scope])).rowCount ?? 0;
}

const OUTBOX_RECORD_TYPES =
  'id text, idempotency_key text, automation_id text, event_source text, entity_id text, sink_type text, sink text, payload text, state text, attempts integer, created_ms bigint, next_attempt_ms bigint';

export async function pgWriteExport(pool: pg.Pool, write: ExportWrite): Promise<ExportWriteResult> {
  const nowMs = write.now.getTime();
  const rows = write.outbox.map((item, i) => Object.fromEntries(outboxInsertRow(item, i, nowMs).map((v, c) => [OUTBOX_INSERT_COLUMNS[c], v])));
  const state = checkStateEntries(write.state);
  return inTransaction(pool, async (client) => {
    let enqueued = 0;
    for (const chunk of chunks(rows)) {
      const result = await client.query(
        `INSERT INTO export_outbox (${OUTBOX_INSERT_COLUMNS.join(', ')}) SELECT ${OUTBOX_INSERT_COLUMNS.join(', ')} ` +
          `FROM jsonb_to_recordset($1::jsonb) AS x(${OUTBOX_RECORD_TYPES}) ON CONFLICT (id) DO NOTHING`,
        [JSON.stringify(chunk)],
      );
      enqueued += result.rowCount ?? 0;
    }
    const upserts = state.filter((e) => e.value !== null);
    for (const chunk of chunks(upserts)) {
      await client.query(
        'INSERT INTO export_state (scope, entity_key, value, updated_ms) SELECT scope, key, value, $2 FROM jsonb_to_recordset($1::jsonb) AS x(scope text, key text, value text) ' +
          'ON CONFLICT (scope, entity_key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms',
        [JSON.stringify(chunk), nowMs],
      );
    }
    const deletes = state.filter((e) => e.value === null);
    for (const chunk of chunks(deletes)) {
      await client.query('DELETE FROM export_state s USING jsonb_to_recordset($1::jsonb) AS x(scope text, key text) WHERE s.scope = x.scope AND s.entity_key = x.key', [
        JSON.stringify(chunk.map((e) => ({ scope: e.scope, key: e.key }))),
      ]);
    }
    return { enqueued, duplicates: rows.length - enqueued };
  });
}

export async function pgClaimOutbox(db: Queryable, claim: OutboxClaim): Promise<OutboxItem[]> {
  const now = claim.now.getTime();
  const { rows } = await db.query<OutboxDbRow>(
    'UPDATE export_outbox o SET lease_owner = $1, lease_until_ms = $2, attempts = o.attempts + 1 FROM (' +
      "SELECT seq FROM export_outbox WHERE state = 'pending' AND next_attempt_ms <= $3 AND (lease_until_ms IS NULL OR lease_until_ms <= $3) " +
      'ORDER BY next_attempt_ms, seq LIMIT $4 FOR UPDATE SKIP LOCKED) c WHERE o.seq = c.seq RETURNING o.*',
    [claim.owner, now + claim.leaseMs, now, claim.limit],
  );
  return rows.map(toOutboxItem).sort(claimOrder);
}

export async function pgSettleOutbox(pool: pg.Pool, owner: string, settlements: readonly OutboxSettlement[], now: Date): Promise<number> {
  const delivered = settlements.filter((s) => s.outcome === 'delivered').map((s) => s.id);
  const retries = settlements.flatMap((s) => (s.outcome === 'retry' ? [{ id: s.id, next: s.nextAttemptAt.getTime(), err: errorText(s.error) }] : []));
  const dead = settlements.flatMap((s) => (s.outcome === 'dead' ? [{ id: s.id, err: errorText(s.error) }] : []));
  return inTransaction(pool, async (client) => {
    let changed = 0;
    for (const chunk of chunks(delivered)) {
      const r = await client.query(
        "UPDATE export_outbox SET state = 'delivered', delivered_ms = $1, lease_owner = NULL, lease_until_ms = NULL, last_error = NULL WHERE id = ANY($2::text[]) AND state = 'pending'",
        [now.getTime(), chunk],
      );
      changed += r.rowCount ?? 0;
    }
    for (const chunk of chunks(retries)) {
      const r = await client.query(
        'UPDATE export_outbox o SET next_attempt_ms = x.next, last_error = x.err, lease_owner = NULL, lease_until_ms = NULL ' +
          "FROM jsonb_to_recordset($1::jsonb) AS x(id text, next bigint, err text) WHERE o.id = x.id AND o.state = 'pending' AND o.lease_owner = $2",
        [JSON.stringify(chunk), owner],
      );
      changed += r.rowCount ?? 0;
    }
    for (const chunk of chunks(dead)) {
      const r = await client.query(
        "UPDATE export_outbox o SET state = 'dead', last_error = x.err, lease_owner = NULL, lease_until_ms = NULL " +
          "FROM jsonb_to_recordset($1::jsonb) AS x(id text, err text) WHERE o.id = x.id AND o.state = 'pending' AND o.lease_owner = $2",
        [JSON.stringify(chunk), owner],
      );
      changed += r.rowCount ?? 0;
    }
    return changed;
  });
}

export async function pgListOutbox(db: Queryable, filter: OutboxFilter = {}): Promise<OutboxItem[]> {
  const params: unknown[] = [];
  let sql = `SELECT * FROM export_outbox${outboxWhere('postgres', filter, params)} ORDER BY seq`;
  if (filter.limit !== undefined) {
    params.push(filter.limit);
    sql += ` LIMIT $${params.length}`;
  }
  if (filter.offset !== undefined && filter.offset > 0) {
    params.push(filter.offset);
    sql += ` OFFSET $${params.length}`;
  }
  const { rows } = await db.query<OutboxDbRow>(sql, params);
  return rows.map(toOutboxItem);
}

export async function pgOutboxStats(db: Queryable, now: Date): Promise<OutboxStats> {
  const nowMs = now.getTime();
  const totals = (await db.query<OutboxTotalsRow>(outboxTotalsSql('$1'), [nowMs])).rows[0]!;
  const byAutomation = (await db.query<OutboxAutomationRow>(OUTBOX_BY_AUTOMATION_SQL)).rows;
  return toOutboxStats(totals, byAutomation);
}

export async function pgRetryOutbox(db: Queryable, filter: { ids?: readonly string[]; automationId?: string }, now: Date): Promise<number> {
  const params: unknown[] = [now.getTime()];
  const where = outboxWhere('postgres', { ...filter, states: ['dead'] }, params);
  const r = await db.query(`UPDATE export_outbox SET state = 'pending', attempts = 0, next_attempt_ms = $1, lease_owner = NULL, lease_until_ms = NULL${where}`, params);
  return r.rowCount ?? 0;
}

export async function pgDeleteOutbox(db: Queryable, filter: { automationId: string; states?: readonly OutboxState[] }): Promise<number> {
  const params: unknown[] = [];
  const r = await db.query(`DELETE FROM export_outbox${outboxWhere('postgres', filter, params)}`, params);
  return r.rowCount ?? 0;
}

export async function pgPurgeOutbox(db: Queryable, deliveredBefore: Date): Promise<number> {
  const r = await db.query("DELETE FROM export_outbox WHERE state = 'delivered' AND delivered_ms < $1", [deliveredBefore.getTime()]);
  return r.rowCount ?? 0;
}

export async function pgInsertWorkspaceRows(pool: pg.Pool, tableName: string, rows: readonly Record<string, unknown>[]): Promise<WorkspaceInsertResult> {
  const table = checkWorkspaceTable(tableName);
  const columns = storedWorkspaceColumns(table);
  // Unquoted names fold to lower case in PostgreSQL: the JSON keys must be lower-cased to match.
  const objects = rows.map((row, i) => Object.fromEntries(workspaceRowValues(table, row, i).map((v, c) => [columns[c]!.name.toLowerCase(), v])));
  return inTransaction(pool, async (client) => {
    let inserted = 0;
    for (const chunk of chunks(objects, 1000)) {
      const r = await client.query(
        `INSERT INTO ${table.name} SELECT * FROM jsonb_populate_recordset(NULL::${table.name}, $1::jsonb) ON CONFLICT (_WorkspaceResourceId, _ItemId) DO NOTHING`,
        [JSON.stringify(chunk)],
      );
      inserted += r.rowCount ?? 0;
    }
    return { inserted, duplicates: objects.length - inserted };
  });
}

// ------------------------------------------------------------------------------------------------ workspace query

const INT8 = 20;
const NUMERIC = 1700;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

/** Result parsers: counts and sums as numbers (not strings), times as ISO 8601 strings. */
const QUERY_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => (v === null ? null : Number(v));
    if (oid === TIMESTAMPTZ || oid === TIMESTAMP) {
      const parse = pg.types.getTypeParser(oid, 'text') as (v: string) => Date;
      return (v: string) => {
        const d = parse(v);
        return d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : v;
      };
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

/** Every relation (schema, name) a plan reads. */
function planRelations(plan: unknown, out: Array<{ schema: string; name: string }> = []): Array<{ schema: string; name: string }> {
  if (Array.isArray(plan)) for (const p of plan) planRelations(p, out);
  else if (plan !== null && typeof plan === 'object') {
    const node = plan as Record<string, unknown>;
    if (typeof node['Relation Name'] === 'string') out.push({ schema: String(node.Schema ?? ''), name: node['Relation Name'] });
    for (const v of Object.values(node)) if (v !== null && typeof v === 'object') planRelations(v, out);
  }
  return out;
}

function mapQueryError(error: unknown): Error {
  const e = error as { code?: string; message?: string };
  if (e?.code === '57014') return workspaceError('WorkspaceQueryTimeout', `The workspace query ran too long and was stopped: ${e.message}`);
  if (e?.code === '25006') return workspaceError('WorkspaceQueryNotReadOnly', `The query cannot run on the workspace: ${e.message}`);
  if (e?.code === '42501') return workspaceError('WorkspaceTableNotAllowed', `The query reads something outside the workspace tables: ${e.message}`);
  if (error instanceof Error && 'code' in error && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    return workspaceError('WorkspaceQueryInvalid', `The workspace query failed: ${e.message} (${e.code})`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

export async function pgQueryWorkspace(pool: pg.Pool, sql: string, options: WorkspaceQueryOptions = {}): Promise<WorkspaceQueryResult> {
  const checked = checkQuery(sql, options);
  const client = await pool.connect();
  let healthy = true;
  try {
    await client.query('BEGIN');
    const schema = (await client.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s;
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(checked.timeoutMs))}`);
    let plan: unknown;
    try {
      plan = (await client.query({ text: `EXPLAIN (VERBOSE, FORMAT JSON) ${checked.sql}`, queryMode: 'extended' } as pg.QueryConfig)).rows[0]?.['QUERY PLAN'];
    } catch (error) {
      throw mapQueryError(error);
    }
    const read = planRelations(plan);
    const denied = read.filter((r) => r.schema !== schema || !WORKSPACE_TABLES_LOWER.has(r.name)).map((r) => (r.schema === schema ? r.name : `${r.schema}.${r.name}`));
    if (denied.length > 0) throw tableNotAllowed(notAllowedTables(denied));
    await restrictRole(client, schema);
    await client.query('SET TRANSACTION READ ONLY');
    try {
      await client.query({ text: `DECLARE palisade_workspace_query NO SCROLL CURSOR FOR ${checked.sql}`, queryMode: 'extended' } as pg.QueryConfig);
      const result = await client.query({ text: `FETCH FORWARD ${checked.maxRows + 1} FROM palisade_workspace_query`, types: QUERY_TYPES } as pg.QueryConfig);
      const names = result.fields.map((f) => {
        const documented = WORKSPACE_COLUMNS_BY_LOWER.get(f.name);
        return documented !== undefined && documented.name.toLowerCase() === f.name ? documented.name : f.name;
      });
      const rows = (result.rows as Record<string, unknown>[]).slice(0, checked.maxRows).map((r) => {
        const out: Record<string, unknown> = {};
        result.fields.forEach((f, i) => {
          if (names[i] !== '__proto__') out[names[i]!] = r[f.name];
        });
        return out;
      });
      return { columns: names, rows, truncated: result.rows.length > checked.maxRows };
    } catch (error) {
      throw mapQueryError(error);
    }
  } finally {
    await client.query('ROLLBACK').catch(() => {
      healthy = false;
    });
    client.release(healthy ? undefined : true);
  }
}

/** Switches the transaction to a throw-away role that may only read the workspace tables (when roles can be made). */
async function restrictRole(client: pg.PoolClient, schema: string): Promise<boolean> {
  const role = `palisade_ws_${randomBytes(8).toString('hex')}`;
  await client.query('SAVEPOINT palisade_role');
  try {
    await client.query(`CREATE ROLE ${role} NOLOGIN`);
    await client.query(`GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${role}`);
    await client.query(`GRANT SELECT ON ${WORKSPACE_TABLES.map((t) => `${quoteIdent(schema)}.${t.name}`).join(', ')} TO ${role}`);
    await client.query(`SET LOCAL ROLE ${role}`);
    await client.query('RELEASE SAVEPOINT palisade_role');
    return true;
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT palisade_role');
    return false;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
