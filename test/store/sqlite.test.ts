import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, parseStoreUrl } from '../../src/store/index.js';
import { baseEstate, runStoreSuite } from './store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'palisade-store-'));

// The file store imports through its worker thread; the in-memory one on the main thread.
runStoreSuite('sqlite file (import worker)', {
  open: () => openStore(join(dir, 'suite.db')),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});

runStoreSuite('sqlite file (inline import)', {
  open: () => openStore(`sqlite:${join(dir, 'inline.db')}`, { importWorker: false }),
});

describe('sqlite store specifics', () => {
  it('parses store URLs', () => {
    expect(parseStoreUrl('sqlite:/tmp/x.db')).toEqual({ kind: 'sqlite', path: '/tmp/x.db' });
    expect(parseStoreUrl('sqlite:///tmp/x.db')).toEqual({ kind: 'sqlite', path: '/tmp/x.db' });
    expect(parseStoreUrl('./rel/x.db')).toEqual({ kind: 'sqlite', path: './rel/x.db' });
    expect(parseStoreUrl(':memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
    expect(parseStoreUrl('C:\\data\\x.db')).toEqual({ kind: 'sqlite', path: 'C:\\data\\x.db' });
    const saved = process.env.PALISADE_STORE;
    try {
      delete process.env.PALISADE_STORE;
      expect(parseStoreUrl()).toEqual({ kind: 'sqlite', path: '.palisade/palisade.db' });
      process.env.PALISADE_STORE = '/var/lib/palisade.db';
      expect(parseStoreUrl('')).toEqual({ kind: 'sqlite', path: '/var/lib/palisade.db' });
    } finally {
      if (saved === undefined) delete process.env.PALISADE_STORE;
      else process.env.PALISADE_STORE = saved;
    }
    expect(parseStoreUrl('postgresql://u:pw@db.example:6543/palisade?schema=Tenant_1&sslmode=disable')).toMatchObject({
      kind: 'postgres',
      schema: 'tenant_1',
      host: 'db.example:6543',
      display: 'postgres://u@db.example:6543/palisade?schema=tenant_1',
      connectionString: 'postgresql://u:pw@db.example:6543/palisade?sslmode=disable',
    });
    expect(() => parseStoreUrl('postgres://h/db?schema=x;drop')).toThrow(expect.objectContaining({ code: 'StoreUrlInvalid' }));
    expect(() => parseStoreUrl('sqlite:')).toThrow(expect.objectContaining({ code: 'StoreUrlInvalid' }));
    expect(() => parseStoreUrl('redis://u:hunter2@h')).toThrow(expect.objectContaining({ code: 'StoreUrlInvalid', message: expect.not.stringContaining('hunter2') }));
  });

  it('a small write succeeds while another connection holds the store open (a server beside the CLI)', async () => {
    const file = join(dir, 'shared.db');
    const server = await openStore(file);
    await server.importEstate([baseEstate()], { mode: 'replace', bulk: true });
    const cli = await openStore(file);
    try {
      const [first] = baseEstate();
      await cli.importEstate([[{ ...first, row: { ...first.row, location: 'westus' } }]], { mode: 'merge', source: 'test:cli' });
      expect((await server.getResource(first.key))?.row.location).toBe('westus');
      // a bulk load wants the file alone: with the other connection open it fails cleanly and changes nothing
      await expect(cli.importEstate([baseEstate()], { mode: 'replace', bulk: true })).rejects.toMatchObject({ code: 'StoreImportFailed' });
      expect(await server.countResources()).toBe(7);
    } finally {
      await cli.close();
      await server.close();
    }
  });

  it('creates the directory of a new store file and works in memory', async () => {
    const nested = join(dir, 'a', 'b', 'store.db');
    const store = await openStore(nested);
    expect(store.backend).toBe('sqlite');
    await store.close();
    expect(readFileSync(nested).subarray(0, 15).toString()).toBe('SQLite format 3');
    const memory = await openStore(':memory:');
    await memory.importEstate([baseEstate()], { mode: 'merge' });
    expect(await memory.countResources()).toBe(7);
    await memory.close();
    await expect(memory.countResources()).rejects.toMatchObject({ code: 'StoreClosed' });
  });

  it('an unopenable file is StoreConnectionFailed', async () => {
    const blocker = join(dir, 'file-not-dir');
    await (await openStore(blocker)).close();
    await expect(openStore(join(blocker, 'x.db'))).rejects.toMatchObject({ code: 'StoreConnectionFailed' });
  });
});
