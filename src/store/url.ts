import { PalisadeError } from '../core/index.js';

export interface SqliteTarget {
  kind: 'sqlite';
  /** a file path or `:memory:` */
  path: string;
}

export interface PostgresTarget {
  kind: 'postgres';
  /** The connection string for `pg`, without Palisade's own parameters (`schema`). */
  connectionString: string;
  schema: string | undefined;
  /** For messages: `postgres://user@host:port/db?schema=...`, never a password. */
  display: string;
  host: string;
}

export type StoreTarget = SqliteTarget | PostgresTarget;

export const DEFAULT_SQLITE_PATH = '.palisade/palisade.db';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Parses a store URL: nothing, a path or `sqlite:PATH` → SQLite; `postgres://` / `postgresql://` → PostgreSQL
 * (`?schema=NAME` puts the tables in that schema). Anything else with a scheme is `StoreUrlInvalid`.
 */
export function parseStoreUrl(url?: string, options: { schema?: string } = {}): StoreTarget {
  const raw = url?.trim();
  if (raw === undefined || raw === '') {
    return { kind: 'sqlite', path: process.env.PALISADE_STORE?.trim() || DEFAULT_SQLITE_PATH };
  }
  if (/^sqlite:/i.test(raw)) {
    let path = raw.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path and sqlite://rel/path
    if (path === '') throw invalid(raw, 'a sqlite: URL needs a file path (or :memory:)');
    return { kind: 'sqlite', path: decodeURIComponent(path) };
  }
  if (/^postgres(ql)?:\/\//i.test(raw)) return parsePostgres(raw, options.schema);
  // A Windows drive path (C:\...) is a path; any other `scheme:` is not something we know.
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw) && !/^[a-z]:[\\/]/i.test(raw)) {
    throw invalid(redactUrl(raw), 'the store URL must be a file path, sqlite:PATH, postgres:// or postgresql://');
  }
  return { kind: 'sqlite', path: raw };
}

function parsePostgres(raw: string, schemaOption: string | undefined): PostgresTarget {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(redactUrl(raw), 'the PostgreSQL URL cannot be parsed');
  }
  const schemaParam = url.searchParams.get('schema') ?? schemaOption;
  url.searchParams.delete('schema');
  let schema: string | undefined;
  if (schemaParam !== undefined && schemaParam !== null && schemaParam !== '') {
    schema = schemaParam.toLowerCase();
    if (!SCHEMA_NAME.test(schema)) {
      throw invalid(redactUrl(raw), `schema "${schemaParam}" is not a plain identifier (letters, digits, _; at most 63)`);
    }
  }
  const host = url.hostname === '' ? 'localhost' : url.hostname;
  const port = url.port === '' ? '5432' : url.port;
  const user = url.username === '' ? '' : `${decodeURIComponent(url.username)}@`;
  const db = url.pathname.replace(/^\//, '');
  const display = `postgres://${user}${host}:${port}/${db}${schema ? `?schema=${schema}` : ''}`;
  return { kind: 'postgres', connectionString: url.toString(), schema, display, host: `${host}:${port}` };
}

function invalid(shown: string, why: string): PalisadeError {
  return new PalisadeError('StoreUrlInvalid', `Invalid store URL "${shown}": ${why}.`, { kind: 'argument', target: 'store' });
}

/** Removes a password from anything URL-shaped (`scheme://user:pass@host` → `scheme://user:***@host`). */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@');
}
