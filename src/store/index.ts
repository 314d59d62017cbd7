/**
 * The store: one async interface (`Store`), two backends — SQLite (embedded default, better-sqlite3) and
 * PostgreSQL (`pg`). `openStore()` picks the backend from the URL and runs the migrations.
 */
import { openPostgresStore } from './postgres.js';
import type { PostgresOptions } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { SqliteOptions } from './sqlite.js';
import type { Store } from './types.js';
import { parseStoreUrl } from './url.js';

export type * from './types.js';
export type * from './export-types.js';
export { OUTBOX_STATES } from './export-types.js';
export { WORKSPACE_TABLES, WORKSPACE_TABLE_NAMES, WORKSPACE_SYSTEM_COLUMNS, workspaceTable, storedWorkspaceColumns } from './workspace-tables.js';
export type { WorkspaceColumn, WorkspaceColumnType, WorkspaceTable, WorkspaceTableName } from './workspace-tables.js';
export { STORE_ARG_TABLES } from './types.js';
export { MIGRATIONS, LATEST_VERSION } from './migrations.js';
export type { Migration } from './migrations.js';
export { parseStoreUrl, redactUrl, DEFAULT_SQLITE_PATH } from './url.js';
export type { StoreTarget, SqliteTarget, PostgresTarget } from './url.js';

export interface OpenStoreOptions extends SqliteOptions, PostgresOptions {
  /** PostgreSQL schema for the tables (same as `?schema=NAME` in the URL; the URL wins). */
  schema?: string;
}

/**
 * Opens a store and brings its schema up to date.
 * - no URL: SQLite at `$PALISADE_STORE` or `.palisade/palisade.db` (the directory is created);
 * - a path, `sqlite:PATH` or `:memory:`: SQLite;
 * - `postgres://…` / `postgresql://…`: PostgreSQL, `?schema=NAME` for the tables' schema.
 * Errors: `StoreUrlInvalid`, `StoreConnectionFailed` (names the host, never a password), `StoreMigrationFailed`.
 */
export async function openStore(url?: string, options: OpenStoreOptions = {}): Promise<Store> {
  const target = parseStoreUrl(url, { schema: options.schema });
  if (target.kind === 'sqlite') return openSqliteStore(target.path, options);
  return openPostgresStore(target, options);
}
