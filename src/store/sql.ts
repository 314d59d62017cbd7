/**
 * SQL text both backends build the same way but for the dialect: parameter placeholders (`?` in SQLite, `$n` in
 * PostgreSQL), list tests, and the WHERE and paging clauses of the estate and snapshot queries.
 */
import { canonicalKey } from '../core/index.js';
import { ESTATE_COLUMNS, checkDate, checkPaging } from './common.js';
import type { KeyPage } from './paging.js';
import type { ResourceFilter, SnapshotFilter } from './types.js';

export type Dialect = 'sqlite' | 'postgres';

export interface SqlQuery {
  sql: string;
  params: unknown[];
}

/** Appends a parameter and returns its placeholder. */
export function bind(dialect: Dialect, params: unknown[], value: unknown): string {
  params.push(value);
  return dialect === 'sqlite' ? '?' : `$${params.length}`;
}

/** `column` is one of `values`: a JSON array unpacked by `json_each` in SQLite, a text[] parameter in PostgreSQL. */
export function inList(dialect: Dialect, params: unknown[], column: string, values: readonly string[]): string {
  if (dialect === 'sqlite') return `${column} IN (SELECT value FROM json_each(${bind(dialect, params, JSON.stringify(values))}))`;
  return `${column} = ANY(${bind(dialect, params, values)}::text[])`;
}

function whereClause(clauses: string[]): string {
  return clauses.length === 0 ? '' : ` WHERE ${clauses.join(' AND ')}`;
}

/** Builds the WHERE clause of an estate filter. Empty lists match nothing. */
export function estateWhere(dialect: Dialect, filter: ResourceFilter | undefined): SqlQuery {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const list = (column: string, values: readonly string[]): void => {
    if (values.length === 0) clauses.push('1 = 0');
    else if (values.length === 1) clauses.push(`${column} = ${bind(dialect, params, values[0])}`);
    else clauses.push(inList(dialect, params, column, values));
  };
  if (filter?.types !== undefined) list('type', unique(filter.types.map((t) => t.toLowerCase())));
  if (filter?.tables !== undefined) list('arg_table', unique(filter.tables.map((t) => t.toLowerCase())));
  if (filter?.keys !== undefined) list('key', unique(filter.keys.map((k) => canonicalKey(k))));
  if (filter?.subscriptionId !== undefined) clauses.push(`subscription_id = ${bind(dialect, params, filter.subscriptionId.toLowerCase())}`);
  if (filter?.resourceGroup !== undefined) clauses.push(`resource_group = ${bind(dialect, params, filter.resourceGroup.toLowerCase())}`);
  return { sql: whereClause(clauses), params };
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}

/** The estate rows of one page of `iterateResources`. */
export function estatePageQuery(dialect: Dialect, where: SqlQuery, page: KeyPage): SqlQuery {
  const params = [...where.params];
  let sql = `SELECT ${ESTATE_COLUMNS} FROM estate${where.sql}`;
  if (page.after !== undefined) sql += `${where.sql === '' ? ' WHERE' : ' AND'} key > ${bind(dialect, params, page.after)}`;
  sql += ` ORDER BY key LIMIT ${bind(dialect, params, page.take)} OFFSET ${bind(dialect, params, page.skip)}`;
  return { sql, params };
}

/** The snapshot list query, newest first; times are ISO text in SQLite and timestamptz in PostgreSQL. */
export function snapshotListQuery(dialect: Dialect, filter: SnapshotFilter): SqlQuery {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const time = (what: string, value: Date): unknown => (dialect === 'sqlite' ? checkDate(what, value).toISOString() : checkDate(what, value));
  if (filter.kind !== undefined) clauses.push(`kind = ${bind(dialect, params, filter.kind)}`);
  if (filter.since !== undefined) clauses.push(`taken_at >= ${bind(dialect, params, time('since', filter.since))}`);
  if (filter.until !== undefined) clauses.push(`taken_at < ${bind(dialect, params, time('until', filter.until))}`);
  let sql = `SELECT id, taken_at, kind, summary FROM snapshots${whereClause(clauses)} ORDER BY taken_at DESC, id DESC`;
  if (filter.limit !== undefined) sql += ` LIMIT ${bind(dialect, params, checkPaging({ limit: filter.limit }).limit)}`;
  return { sql, params };
}
