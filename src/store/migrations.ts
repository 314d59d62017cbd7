/**
 * Schema migrations: an ordered list of versions, each with the SQL of both dialects. A store applies the versions
 * it has not recorded in `schema_migrations`, each in its own transaction, oldest first. Never edit a released
 * version: add a new one.
 *
 * Why the row JSON is `text` in PostgreSQL and not `jsonb`: the import COPYs the loader's original text as-is, and
 * every read parses it in Node anyway. `jsonb` would make the server parse and re-encode ~1 KB per row during the
 * load (measurably slower COPY and a larger table) for queries the store does not run; a later version can add a
 * `jsonb` generated column or expression index when a server-side JSON query needs one.
 */

import { workspaceDdl } from './workspace-tables.js';

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'estate, import history, documents, snapshots',
    sqlite: `
      CREATE TABLE estate (
        key TEXT NOT NULL PRIMARY KEY,
        id TEXT NOT NULL,
        arg_table TEXT NOT NULL,
        type TEXT NOT NULL,
        name TEXT NOT NULL,
        subscription_id TEXT,
        resource_group TEXT,
        location TEXT,
        row TEXT NOT NULL
      );
      CREATE INDEX estate_by_type ON estate (type, key);
      CREATE INDEX estate_by_subscription ON estate (subscription_id, key);
      CREATE INDEX estate_by_resource_group ON estate (resource_group, key);
      CREATE TABLE estate_imports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        imported_at TEXT NOT NULL,
        source TEXT,
        mode TEXT NOT NULL,
        records INTEGER NOT NULL,
        inserted INTEGER NOT NULL,
        replaced INTEGER NOT NULL,
        removed INTEGER NOT NULL,
        total INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL
      );
      CREATE TABLE documents (
        collection TEXT NOT NULL,
        key TEXT NOT NULL,
        original_key TEXT NOT NULL,
        body TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (collection, key)
      );
      CREATE TABLE snapshots (
        id TEXT NOT NULL PRIMARY KEY,
        taken_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        summary TEXT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX snapshots_by_time ON snapshots (taken_at, id);
      CREATE INDEX snapshots_by_kind ON snapshots (kind, taken_at, id);
    `,
    postgres: `
      CREATE TABLE estate (
        key text COLLATE "C" NOT NULL PRIMARY KEY,
        id text NOT NULL,
        arg_table text NOT NULL,
        type text COLLATE "C" NOT NULL,
        name text NOT NULL,
        subscription_id text COLLATE "C",
        resource_group text COLLATE "C",
        location text,
        row text NOT NULL
      );
      CREATE INDEX estate_by_type ON estate (type, key);
      CREATE INDEX estate_by_subscription ON estate (subscription_id, key);
      CREATE INDEX estate_by_resource_group ON estate (resource_group, key);
      CREATE TABLE estate_imports (
        id bigserial PRIMARY KEY,
        imported_at timestamptz NOT NULL,
        source text,
        mode text NOT NULL,
        records bigint NOT NULL,
        inserted bigint NOT NULL,
        replaced bigint NOT NULL,
        removed bigint NOT NULL,
        total bigint NOT NULL,
        duration_ms bigint NOT NULL
      );
      CREATE TABLE documents (
        collection text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        original_key text NOT NULL,
        body text NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (collection, key)
      );
      CREATE TABLE snapshots (
        id text COLLATE "C" NOT NULL PRIMARY KEY,
        taken_at timestamptz NOT NULL,
        kind text NOT NULL,
        summary text NOT NULL,
        body text NOT NULL
      );
      CREATE INDEX snapshots_by_time ON snapshots (taken_at, id);
      CREATE INDEX snapshots_by_kind ON snapshots (kind, taken_at, id);
    `,
  },
  {
    // Continuous export: the outbox (one row per record and sink, kept until the sink acknowledges it), the state the
    // change detection compares a run with, and the workspace tables (workspace-tables.ts). Times are epoch ms.
    version: 2,
    name: 'continuous export: outbox, export state, workspace tables',
    sqlite: `
      CREATE TABLE export_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        idempotency_key TEXT NOT NULL,
        automation_id TEXT NOT NULL,
        event_source TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        sink_type TEXT NOT NULL,
        sink TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        next_attempt_ms INTEGER NOT NULL,
        lease_owner TEXT,
        lease_until_ms INTEGER,
        delivered_ms INTEGER,
        last_error TEXT
      );
      CREATE INDEX export_outbox_due ON export_outbox (state, next_attempt_ms, seq);
      CREATE INDEX export_outbox_by_automation ON export_outbox (automation_id, state);
      CREATE TABLE export_state (
        scope TEXT NOT NULL,
        entity_key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (scope, entity_key)
      );
      ${workspaceDdl('sqlite')}
    `,
    postgres: `
      CREATE TABLE export_outbox (
        seq bigserial PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        idempotency_key text NOT NULL,
        automation_id text COLLATE "C" NOT NULL,
        event_source text NOT NULL,
        entity_id text NOT NULL,
        sink_type text NOT NULL,
        sink text NOT NULL,
        payload text NOT NULL,
        state text NOT NULL,
        attempts integer NOT NULL,
        created_ms bigint NOT NULL,
        next_attempt_ms bigint NOT NULL,
        lease_owner text,
        lease_until_ms bigint,
        delivered_ms bigint,
        last_error text
      );
      CREATE INDEX export_outbox_due ON export_outbox (state, next_attempt_ms, seq);
      CREATE INDEX export_outbox_by_automation ON export_outbox (automation_id, state);
      CREATE TABLE export_state (
        scope text COLLATE "C" NOT NULL,
        entity_key text COLLATE "C" NOT NULL,
        value text NOT NULL,
        updated_ms bigint NOT NULL,
        PRIMARY KEY (scope, entity_key)
      );
      ${workspaceDdl('postgres')}
    `,
  },
];

/** The secondary estate indexes, which a large `replace` import may drop and rebuild after the load. */
export const ESTATE_SECONDARY_INDEXES: readonly { name: string; columns: string }[] = [
  { name: 'estate_by_type', columns: 'type, key' },
  { name: 'estate_by_subscription', columns: 'subscription_id, key' },
  { name: 'estate_by_resource_group', columns: 'resource_group, key' },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
