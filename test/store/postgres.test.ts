import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { PG_URL } from './helpers.js';
import { runStoreSuite } from './store-suite.js';

// CI starts PostgreSQL: when it cannot be reached these tests fail (they never skip).
const schema = `palisade_test_${process.pid}_${randomBytes(4).toString('hex')}`;
const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;

async function dropSchema(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

async function openOrExplain(): Promise<Awaited<ReturnType<typeof openStore>>> {
  try {
    return await openStore(url);
  } catch (error) {
    throw new Error(
      `PostgreSQL is required for these tests and could not be reached at ${PG_URL.replace(/:[^:@/]*@/, ':***@')} ` +
        `(set PALISADE_TEST_PG_URL, or start it: pg_ctlcluster <version> main start): ${(error as Error).message}`,
    );
  }
}

runStoreSuite('postgres', { open: openOrExplain, cleanup: dropSchema });

describe('postgres store specifics', () => {
  it('puts the tables in the schema of the URL (or of the option)', async () => {
    const other = `${schema}_opt`;
    const store = await openStore(PG_URL, { schema: other });
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      expect(store.location).toContain(`?schema=${other}`);
      const tables = await client.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
        [other],
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual([
        'documents',
        'estate',
        'estate_imports',
        'export_outbox',
        'export_state',
        'schema_migrations',
        'securescorecontrols',
        'securescores',
        'securityalert',
        'securityattackpathdata',
        'securityrecommendation',
        'securityregulatorycompliance',
        'snapshots',
      ]);
    } finally {
      await store.close();
      await client.query(`DROP SCHEMA IF EXISTS ${other} CASCADE`);
      await client.end();
    }
  });

  it('a connection failure names the host and never the password', async () => {
    const started = Date.now();
    const error = await openStore('postgres://palisade:S3cretPassw0rd@127.0.0.1:1/nodb', { connectionTimeoutMs: 3000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'StoreConnectionFailed', kind: 'io' });
    const message = (error as Error).message;
    expect(message).toContain('127.0.0.1:1');
    expect(message).not.toContain('S3cretPassw0rd');
    expect(JSON.stringify(error)).not.toContain('S3cretPassw0rd');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
