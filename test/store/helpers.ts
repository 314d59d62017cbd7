export { isPalisadeError } from '../../src/core/index.js';
export { openStore as openStoreForTest } from '../../src/store/index.js';

/** Where the PostgreSQL tests connect (CI starts PostgreSQL there). */
export const PG_URL = process.env.PALISADE_PG_URL ?? process.env.PALISADE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
