import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import Database from 'better-sqlite3';
import { openStore, type Store } from '../../src/store/index.js';
import { PG_URL } from './helpers.js';
import { runExportSuite } from './export-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'palisade-export-store-'));

function sqliteColumns(file: string) {
  return async (_store: Store, table: string): Promise<string[]> => {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
    } finally {
      db.close();
    }
  };
}

runExportSuite('sqlite file', {
  open: () => openStore(join(dir, 'export.db')),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  columns: sqliteColumns(join(dir, 'export.db')),
  timeouts: true,
});

// One in-memory store shared by the suite (a second open would be a different database): concurrency runs on it twice.
let memory: Promise<Store> | undefined;
runExportSuite('sqlite :memory:', {
  open: async () => {
    const store = await (memory ??= openStore(':memory:'));
    return { ...bind(store), close: async () => undefined } as Store;
  },
  cleanup: async () => (await memory)?.close(),
  columns: async (store, table) => (await store.queryWorkspace(`SELECT * FROM ${table} LIMIT 0`)).columns,
  timeouts: false,
});

/** The store's methods bound to it, so a wrapper can override close(). */
function bind(store: Store): Store {
  const out: Record<string, unknown> = { backend: store.backend, location: store.location };
  for (const key of Object.getOwnPropertyNames(Object.getPrototypeOf(store))) {
    const v = (store as unknown as Record<string, unknown>)[key];
    if (typeof v === 'function' && key !== 'constructor') out[key] = v.bind(store);
  }
  return out as unknown as Store;
}

// CI starts PostgreSQL: when it cannot be reached these tests fail (they never skip).
const schema = `palisade_export_${process.pid}_${randomBytes(4).toString('hex')}`;
const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;

runExportSuite('postgres', {
  open: () => openStore(url),
  cleanup: async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await client.end();
    }
  },
  columns: async (_store, table) => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const r = await client.query<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position', [schema, table.toLowerCase()]);
      return r.rows.map((x) => x.column_name);
    } finally {
      await client.end();
    }
  },
  timeouts: true,
});
