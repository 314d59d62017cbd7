/** Argument checks, row mapping and value coercion shared by both backends' export methods. */
import { PalisadeError } from '../core/index.js';
import { checkDate, checkName, documentText, parseJson } from './common.js';
import type { ExportStateEntry, OutboxClaim, OutboxInsert, OutboxItem, OutboxSettlement, OutboxState, OutboxStats } from './export-types.js';
import { OUTBOX_STATES } from './export-types.js';
import { bind, inList, type Dialect } from './sql.js';
import { WORKSPACE_TABLES, storedWorkspaceColumns, workspaceTable, type WorkspaceColumn, type WorkspaceTable } from './workspace-tables.js';

/** Outbox columns written by an insert, in order. */
export const OUTBOX_INSERT_COLUMNS = [
  'id',
  'idempotency_key',
  'automation_id',
  'event_source',
  'entity_id',
  'sink_type',
  'sink',
  'payload',
  'state',
  'attempts',
  'created_ms',
  'next_attempt_ms',
] as const;

export type OutboxInsertRow = [string, string, string, string, string, string, string, string, 'pending', 0, number, number];

export function outboxInsertRow(item: OutboxInsert, index: number, nowMs: number): OutboxInsertRow {
  if (item === null || typeof item !== 'object') throw invalid(`outbox row #${index + 1} is not an object`);
  const text = (what: keyof OutboxInsert): string => {
    const v = item[what];
    if (typeof v !== 'string' || v === '') throw invalid(`outbox row #${index + 1}: ${what} must be a non-empty string`);
    return v;
  };
  return [
    text('id'),
    text('idempotencyKey'),
    text('automationId'),
    text('eventSource'),
    text('entityId'),
    text('sinkType'),
    documentText(item.sink ?? null),
    documentText(item.payload ?? null),
    'pending',
    0,
    nowMs,
    nowMs,
  ];
}

export function checkStateEntries(entries: readonly ExportStateEntry[] | undefined): Array<{ scope: string; key: string; value: string | null }> {
  return (entries ?? []).map((e, i) => {
    if (e === null || typeof e !== 'object') throw invalid(`export state entry #${i + 1} is not an object`);
    checkName('scope', e.scope);
    if (typeof e.key !== 'string') throw invalid(`export state entry #${i + 1}: key must be a string`);
    return { scope: e.scope, key: e.key, value: e.value === null || e.value === undefined ? null : documentText(e.value) };
  });
}

export function checkSettlements(settlements: readonly OutboxSettlement[]): OutboxSettlement[] {
  return settlements.map((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.id !== 'string') throw invalid(`settlement #${i + 1} has no id`);
    if (s.outcome === 'retry') checkDate('nextAttemptAt', s.nextAttemptAt);
    else if (s.outcome !== 'delivered' && s.outcome !== 'dead') throw invalid(`settlement #${i + 1}: unknown outcome "${String((s as { outcome?: unknown }).outcome)}"`);
    return s;
  });
}

export function checkStates(states: readonly OutboxState[] | undefined): OutboxState[] | undefined {
  if (states === undefined) return undefined;
  for (const s of states) if (!OUTBOX_STATES.includes(s)) throw invalid(`unknown outbox state "${String(s)}" (valid: ${OUTBOX_STATES.join(', ')})`);
  return [...states];
}

export function checkPositive(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalid(`${what} must be a positive integer`);
  return value;
}

export function checkClaim(claim: OutboxClaim): void {
  checkName('owner', claim?.owner);
  checkPositive('limit', claim.limit);
  checkPositive('leaseMs', claim.leaseMs);
  checkDate('now', claim.now);
}

/** Checks the arguments of `settleOutbox`; returns the checked settlements. */
export function checkSettle(owner: string, settlements: readonly OutboxSettlement[], now: Date): OutboxSettlement[] {
  checkName('owner', owner);
  const checked = checkSettlements(settlements);
  checkDate('now', now);
  return checked;
}

export function checkOutboxDelete(filter: { automationId: string; states?: readonly OutboxState[] }): void {
  checkName('automationId', filter?.automationId);
  checkStates(filter.states);
}

function invalid(message: string): PalisadeError {
  return new PalisadeError('StoreInvalidArgument', `${message}.`, { kind: 'argument' });
}

/** The outbox row as both dialects return it (numbers may come back as strings from PostgreSQL's bigint). */
export interface OutboxDbRow {
  seq: number | string;
  id: string;
  idempotency_key: string;
  automation_id: string;
  event_source: string;
  entity_id: string;
  sink_type: string;
  sink: string;
  payload: string;
  state: string;
  attempts: number | string;
  created_ms: number | string;
  next_attempt_ms: number | string;
  lease_owner: string | null;
  lease_until_ms: number | string | null;
  delivered_ms: number | string | null;
  last_error: string | null;
}

const date = (ms: number | string | null): Date | null => (ms === null || ms === undefined ? null : new Date(Number(ms)));

export function toOutboxItem(r: OutboxDbRow): OutboxItem {
  return {
    seq: Number(r.seq),
    id: r.id,
    idempotencyKey: r.idempotency_key,
    automationId: r.automation_id,
    eventSource: r.event_source,
    entityId: r.entity_id,
    sinkType: r.sink_type,
    sink: parseJson(r.sink),
    payload: parseJson(r.payload),
    state: r.state as OutboxState,
    attempts: Number(r.attempts),
    createdAt: date(r.created_ms)!,
    nextAttemptAt: date(r.next_attempt_ms)!,
    deliveredAt: date(r.delivered_ms),
    lastError: r.last_error,
    leaseOwner: r.lease_owner,
    leaseUntil: date(r.lease_until_ms),
  };
}

/** The order claims are returned in: due first, then insertion order. */
export function claimOrder(a: OutboxItem, b: OutboxItem): number {
  return a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.seq - b.seq;
}

/** The WHERE clause of an outbox filter; its parameters are appended to `params`. */
export function outboxWhere(dialect: Dialect, filter: { automationId?: string; states?: readonly OutboxState[]; ids?: readonly string[] }, params: unknown[]): string {
  const clauses: string[] = [];
  const states = checkStates(filter.states);
  if (states !== undefined) clauses.push(inList(dialect, params, 'state', states));
  if (filter.automationId !== undefined) clauses.push(`automation_id = ${bind(dialect, params, filter.automationId.toLowerCase())}`);
  if (filter.ids !== undefined) clauses.push(inList(dialect, params, 'id', filter.ids));
  return clauses.length === 0 ? '' : ` WHERE ${clauses.join(' AND ')}`;
}

/** Outbox totals at a time given by the placeholder `now` (SQLite binds it once per use, PostgreSQL once). */
export function outboxTotalsSql(now: string): string {
  return (
    "SELECT count(*) FILTER (WHERE state = 'pending') AS pending, count(*) FILTER (WHERE state = 'delivered') AS delivered, " +
    `count(*) FILTER (WHERE state = 'dead') AS dead, count(*) FILTER (WHERE state = 'pending' AND lease_until_ms > ${now}) AS leased, ` +
    `count(*) FILTER (WHERE state = 'pending' AND next_attempt_ms <= ${now} AND (lease_until_ms IS NULL OR lease_until_ms <= ${now})) AS due, ` +
    "min(next_attempt_ms) FILTER (WHERE state = 'pending') AS next_ms, min(created_ms) FILTER (WHERE state = 'pending') AS oldest_ms FROM export_outbox"
  );
}

export const OUTBOX_BY_AUTOMATION_SQL =
  "SELECT automation_id, sink_type, count(*) FILTER (WHERE state = 'pending') AS pending, count(*) FILTER (WHERE state = 'delivered') AS delivered, " +
  "count(*) FILTER (WHERE state = 'dead') AS dead FROM export_outbox GROUP BY automation_id, sink_type ORDER BY automation_id, sink_type";

/** Counts come back as numbers from SQLite and as strings from PostgreSQL's bigint. */
export interface OutboxTotalsRow {
  pending: number | string;
  delivered: number | string;
  dead: number | string;
  leased: number | string;
  due: number | string;
  next_ms: number | string | null;
  oldest_ms: number | string | null;
}

export interface OutboxAutomationRow {
  automation_id: string;
  sink_type: string;
  pending: number | string;
  delivered: number | string;
  dead: number | string;
}

export function toOutboxStats(totals: OutboxTotalsRow, byAutomation: readonly OutboxAutomationRow[]): OutboxStats {
  return {
    pending: Number(totals.pending),
    delivered: Number(totals.delivered),
    dead: Number(totals.dead),
    leased: Number(totals.leased),
    due: Number(totals.due),
    nextAttemptAt: date(totals.next_ms),
    oldestPendingAt: date(totals.oldest_ms),
    byAutomation: byAutomation.map((r) => ({ automationId: r.automation_id, sinkType: r.sink_type, pending: Number(r.pending), delivered: Number(r.delivered), dead: Number(r.dead) })),
  };
}

/** Error messages kept in the outbox are bounded. */
export function errorText(error: string): string {
  const text = String(error);
  return text.length > 2000 ? `${text.slice(0, 1999)}…` : text;
}

// ------------------------------------------------------------------------------------------------ workspace rows

export function checkWorkspaceTable(name: string): WorkspaceTable {
  const table = workspaceTable(name);
  if (!table) {
    throw new PalisadeError('WorkspaceTableUnknown', `"${String(name)}" is not a workspace table; valid: ${WORKSPACE_TABLES.map((t) => t.name).join(', ')}.`, {
      kind: 'argument',
      target: String(name),
    });
  }
  return table;
}

function coerce(column: WorkspaceColumn, value: unknown, row: number): unknown {
  if (value === undefined || value === null) return null;
  const bad = (): PalisadeError =>
    new PalisadeError('WorkspaceRowInvalid', `row #${row + 1}: ${column.name} (${column.type}) cannot hold ${JSON.stringify(value)?.slice(0, 80)}.`, { kind: 'validation', target: column.name });
  switch (column.type) {
    case 'string':
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'int':
    case 'long': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw bad();
      return Math.trunc(n);
    }
    case 'real': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw bad();
      return n;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'True') return true;
      if (value === 'false' || value === 'False') return false;
      throw bad();
    case 'datetime': {
      const d = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
      if (d === undefined || Number.isNaN(d.getTime())) throw bad();
      return d.toISOString();
    }
    case 'dynamic':
      return value;
  }
}

/**
 * A row's values in the table's stored column order (documented columns, then `_ItemId`, `_WorkspaceResourceId`),
 * coerced to the column types. Unknown columns and rows without `_ItemId` / `_WorkspaceResourceId` are errors.
 */
export function workspaceRowValues(table: WorkspaceTable, row: Record<string, unknown>, index: number): unknown[] {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    throw new PalisadeError('WorkspaceRowInvalid', `row #${index + 1} of ${table.name} is not an object.`, { kind: 'validation' });
  }
  const columns = storedWorkspaceColumns(table);
  const known = new Set(columns.map((c) => c.name));
  for (const key of Object.keys(row)) {
    if (!known.has(key)) {
      throw new PalisadeError('WorkspaceRowInvalid', `row #${index + 1}: ${table.name} has no column "${key}".`, { kind: 'validation', target: key });
    }
  }
  for (const required of ['_ItemId', '_WorkspaceResourceId']) {
    if (typeof row[required] !== 'string' || row[required] === '') {
      throw new PalisadeError('WorkspaceRowInvalid', `row #${index + 1} of ${table.name} has no ${required}.`, { kind: 'validation', target: required });
    }
  }
  return columns.map((c) => coerce(c, row[c.name], index));
}

// ------------------------------------------------------------------------------------------------ workspace query

export const DEFAULT_MAX_ROWS = 10_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/** Every stored workspace column by lower-cased name (the same name has the same type in every table). */
export const WORKSPACE_COLUMNS_BY_LOWER: ReadonlyMap<string, WorkspaceColumn> = new Map(
  WORKSPACE_TABLES.flatMap((t) => storedWorkspaceColumns(t)).map((c) => [c.name.toLowerCase(), c]),
);

export const WORKSPACE_TABLES_LOWER: ReadonlySet<string> = new Set(WORKSPACE_TABLES.map((t) => t.name.toLowerCase()));

export function workspaceError(code: string, message: string, cause?: unknown): PalisadeError {
  const kind = code === 'WorkspaceQueryTimeout' ? 'io' : 'validation';
  return new PalisadeError(code, message, { kind, target: 'query', cause });
}

/** The first keyword of a statement, after comments and an opening parenthesis: `select`, `with`, ... */
export function leadingKeyword(sql: string): string {
  let s = sql;
  for (;;) {
    const t = s.replace(/^\s+/, '');
    if (t.startsWith('--')) s = t.replace(/^--[^\n]*(\n|$)/, '');
    else if (t.startsWith('/*')) {
      const end = t.indexOf('*/');
      s = end < 0 ? '' : t.slice(end + 2);
    } else if (t.startsWith('(')) s = t.slice(1);
    else {
      s = t;
      break;
    }
  }
  return (/^[a-z]+/i.exec(s)?.[0] ?? '').toLowerCase();
}

/** Checks the options and the statement's shape before the database sees it. */
export function checkQuery(sql: unknown, options: { maxRows?: number; timeoutMs?: number } = {}): { sql: string; maxRows: number; timeoutMs: number } {
  if (typeof sql !== 'string' || sql.trim() === '') throw workspaceError('WorkspaceQueryInvalid', 'The query is empty.');
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  if (!Number.isInteger(maxRows) || maxRows < 1) throw invalid('maxRows must be a positive integer');
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1) throw invalid('timeoutMs must be a positive number');
  const keyword = leadingKeyword(sql);
  if (keyword !== 'select' && keyword !== 'with') {
    throw workspaceError('WorkspaceQueryNotReadOnly', `Only SELECT and WITH queries can run on the workspace, not "${keyword.toUpperCase() || sql.trim().slice(0, 20)}".`);
  }
  return { sql: sql.trim().replace(/;\s*$/, ''), maxRows, timeoutMs };
}

export function notAllowedTables(names: Iterable<string>): string[] {
  return [...new Set([...names].filter((n) => !WORKSPACE_TABLES_LOWER.has(n.toLowerCase())))].sort();
}

export function tableNotAllowed(names: string[]): PalisadeError {
  return workspaceError(
    'WorkspaceTableNotAllowed',
    `The query reads ${names.map((n) => `"${n}"`).join(', ')}, which ${names.length === 1 ? 'is not a workspace table' : 'are not workspace tables'}; queries may read ${WORKSPACE_TABLES.map((t) => t.name).join(', ')}.`,
  );
}
