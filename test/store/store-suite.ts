/**
 * The store conformance suite: every backend runs exactly these tests against a real database.
 * `open` returns a store on a fresh, empty database each time it is called within one test file run
 * (the same database when called twice: re-opening must see the same data); `cleanup` drops it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPalisadeError, openStoreForTest } from './helpers.js';
import type { EstateRecordBatch, Store, StoreEstateRecord, StoredResource } from '../../src/store/index.js';

export interface SuiteOptions {
  /** Opens (or re-opens) the suite's database. */
  open: () => Promise<Store>;
  /** Drops the suite's database after the last test. */
  cleanup?: () => Promise<void>;
}

const SUB_A = '0b1f6471-1bf0-4dda-aec3-111111111111';
const SUB_B = '0b1f6471-1bf0-4dda-aec3-222222222222';

export function resource(sub: string, rg: string, type: string, name: string, extra: Record<string, unknown> = {}): StoreEstateRecord {
  const id = `/subscriptions/${sub}/resourceGroups/${rg}/providers/${type}/${name}`;
  const row = { id, type: type.toLowerCase(), name, subscriptionId: sub, resourceGroup: rg.toLowerCase(), location: 'westeurope', ...extra };
  return { key: id.toLowerCase(), table: 'resources', row };
}

function container(sub: string): StoreEstateRecord {
  const id = `/subscriptions/${sub}`;
  return { key: id, table: 'resourcecontainers', row: { id, type: 'microsoft.resources/subscriptions', name: sub, subscriptionId: sub } };
}

/** 2 subscriptions, 3 resource groups, storage accounts and VMs, in an order that is not key order. */
export function baseEstate(): StoreEstateRecord[] {
  return [
    resource(SUB_B, 'RG-Web', 'Microsoft.Compute/virtualMachines', 'vm-b1'),
    resource(SUB_A, 'RG-Data', 'Microsoft.Storage/storageAccounts', 'stData1', { properties: { supportsHttpsTrafficOnly: false } }),
    resource(SUB_A, 'RG-Data', 'Microsoft.Storage/storageAccounts', 'stData2'),
    resource(SUB_A, 'rg-web', 'Microsoft.Compute/virtualMachines', 'vm-a1'),
    resource(SUB_A, 'rg-web', 'Microsoft.Compute/virtualMachines', 'vm-a2'),
    container(SUB_A),
    container(SUB_B),
  ];
}

async function* inBatches(records: StoreEstateRecord[], size: number, failAfter?: number): AsyncGenerator<EstateRecordBatch> {
  let sent = 0;
  for (let i = 0; i < records.length; i += size) {
    if (failAfter !== undefined && sent === failAfter) throw new Error(`bad row in batch ${sent + 1}`);
    sent += 1;
    await Promise.resolve();
    yield records.slice(i, i + size);
  }
  if (failAfter !== undefined && sent === failAfter) throw new Error(`bad row in batch ${sent + 1}`);
}

function keysOf(rows: StoredResource[]): string[] {
  return rows.map((r) => r.key);
}

export function runStoreSuite(name: string, options: SuiteOptions): void {
  describe(`store conformance: ${name}`, () => {
    let store: Store;

    beforeAll(async () => {
      store = await options.open();
    });

    afterAll(async () => {
      await store?.close();
      await options.cleanup?.();
    });

    it('starts empty with every migration recorded', async () => {
      expect(await store.estateInfo()).toBeUndefined();
      expect(await store.countResources()).toBe(0);
      const applied = await store.migrations();
      expect(applied.map((m) => m.version)).toEqual([...Array(applied.length).keys()].map((i) => i + 1));
      expect(applied.length).toBeGreaterThanOrEqual(1);
      for (const m of applied) expect(m.appliedAt).toBeInstanceOf(Date);
    });

    it('re-opening runs no migration again', async () => {
      const before = await store.migrations();
      const again = await options.open();
      try {
        expect(await again.migrations()).toEqual(before);
      } finally {
        await again.close();
      }
    });

    it('imports in replace mode and records the import', async () => {
      const result = await store.importEstate(inBatches(baseEstate(), 2), { mode: 'replace', source: 'test:base', bulk: true });
      expect(result).toMatchObject({ inserted: 7, replaced: 0, removed: 0, records: 7, total: 7 });
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
      const info = await store.estateInfo();
      expect(info).toMatchObject({ source: 'test:base', mode: 'replace', inserted: 7, total: 7, imports: 1 });
      expect(info!.lastImportAt).toBeInstanceOf(Date);
    });

    it('returns rows with their columns and the parsed row', async () => {
      const vm = await store.getResource(`/SUBSCRIPTIONS/${SUB_A}/resourceGroups/RG-WEB/providers/Microsoft.Compute/virtualMachines/VM-A1`);
      expect(vm).toEqual({
        key: `/subscriptions/${SUB_A}/resourcegroups/rg-web/providers/microsoft.compute/virtualmachines/vm-a1`,
        id: `/subscriptions/${SUB_A}/resourceGroups/rg-web/providers/Microsoft.Compute/virtualMachines/vm-a1`,
        table: 'resources',
        type: 'microsoft.compute/virtualmachines',
        name: 'vm-a1',
        subscriptionId: SUB_A,
        resourceGroup: 'rg-web',
        location: 'westeurope',
        row: baseEstate()[3]!.row,
      });
      const sub = await store.getResource(`/subscriptions/${SUB_B}`);
      expect(sub).toMatchObject({ table: 'resourcecontainers', resourceGroup: null, location: null });
      expect(await store.getResource('/subscriptions/nope')).toBeUndefined();
    });

    it('filters case-insensitively and lists in key order', async () => {
      const all = await store.listResources();
      expect(keysOf(all)).toEqual(keysOf(all).slice().sort());
      expect(all).toHaveLength(7);
      const storage = await store.listResources({ types: ['MICROSOFT.STORAGE/storageAccounts'] });
      expect(storage.map((r) => r.name)).toEqual(['stData1', 'stData2']);
      expect(await store.countResources({ subscriptionId: SUB_A.toUpperCase() })).toBe(5);
      expect(await store.countResources({ resourceGroup: 'RG-WEB' })).toBe(3);
      expect(await store.countResources({ resourceGroup: 'rg-web', subscriptionId: SUB_B })).toBe(1);
      expect(await store.countResources({ tables: ['ResourceContainers'] })).toBe(2);
      expect(
        keysOf(await store.listResources({ types: ['microsoft.compute/virtualmachines', 'microsoft.resources/subscriptions'], subscriptionId: SUB_A })),
      ).toEqual([
        `/subscriptions/${SUB_A}`,
        `/subscriptions/${SUB_A}/resourcegroups/rg-web/providers/microsoft.compute/virtualmachines/vm-a1`,
        `/subscriptions/${SUB_A}/resourcegroups/rg-web/providers/microsoft.compute/virtualmachines/vm-a2`,
      ]);
      const byKey = await store.listResources({ keys: [`/SUBSCRIPTIONS/${SUB_B}`, `/subscriptions/${SUB_A}/`, '/subscriptions/missing'] });
      expect(keysOf(byKey)).toEqual([`/subscriptions/${SUB_A}`, `/subscriptions/${SUB_B}`]);
      expect(await store.listResources({ types: [] })).toEqual([]);
    });

    it('pages and iterates in key order', async () => {
      const all = keysOf(await store.listResources());
      expect(keysOf(await store.listResources({ limit: 3 }))).toEqual(all.slice(0, 3));
      expect(keysOf(await store.listResources({ limit: 3, offset: 3 }))).toEqual(all.slice(3, 6));
      expect(keysOf(await store.listResources({ offset: 5 }))).toEqual(all.slice(5));
      const iterated: string[] = [];
      for await (const r of store.iterateResources({ pageSize: 2 })) iterated.push(r.key);
      expect(iterated).toEqual(all);
      const window: string[] = [];
      for await (const r of store.iterateResources({ pageSize: 2, offset: 1, limit: 4 })) window.push(r.key);
      expect(window).toEqual(all.slice(1, 5));
      const vms: string[] = [];
      for await (const r of store.iterateResources({ types: ['Microsoft.Compute/virtualMachines'], pageSize: 1 })) vms.push(r.name);
      expect(vms).toEqual(['vm-a1', 'vm-a2', 'vm-b1']);
      await expect(store.listResources({ limit: -1 })).rejects.toMatchObject({ code: 'StoreInvalidArgument' });
    });

    it('counts by type', async () => {
      expect(await store.countByType()).toEqual([
        { type: 'microsoft.compute/virtualmachines', count: 3 },
        { type: 'microsoft.resources/subscriptions', count: 2 },
        { type: 'microsoft.storage/storageaccounts', count: 2 },
      ]);
      expect(await store.countByType({ tables: ['resources'], subscriptionId: SUB_B })).toEqual([{ type: 'microsoft.compute/virtualmachines', count: 1 }]);
    });

    it('merge replaces rows with the same key and keeps the others; the original JSON text is stored as-is', async () => {
      const changed = resource(SUB_A, 'RG-Data', 'Microsoft.Storage/storageAccounts', 'stData1', { properties: { supportsHttpsTrafficOnly: true } });
      changed.json = JSON.stringify(changed.row, null, 1).replace(/\n/g, ' '); // still one line, but not JSON.stringify's text
      const added = resource(SUB_B, 'rg-new', 'Microsoft.KeyVault/vaults', 'kv1');
      const duplicateA = resource(SUB_B, 'rg-new', 'Microsoft.KeyVault/vaults', 'kv2', { tags: { v: '1' } });
      const duplicateB = resource(SUB_B, 'rg-new', 'Microsoft.KeyVault/vaults', 'KV2', { tags: { v: '2' } });
      const result = await store.importEstate([[changed, added], [duplicateA], [duplicateB]], { mode: 'merge', source: 'test:merge' });
      expect(result).toMatchObject({ inserted: 2, replaced: 2, removed: 0, records: 4, total: 9 });
      const st = await store.getResource(changed.key);
      expect(st!.row.properties).toEqual({ supportsHttpsTrafficOnly: true });
      const kv2 = await store.getResource(duplicateA.key);
      expect(kv2!.row.tags).toEqual({ v: '2' });
      expect(kv2!.name).toBe('KV2');
      expect(await store.countResources()).toBe(9);
      expect((await store.estateInfo())!).toMatchObject({ source: 'test:merge', mode: 'merge', total: 9, imports: 2 });
    });

    it('an import whose input throws after good batches leaves the store exactly unchanged', async () => {
      const before = await store.listResources();
      const infoBefore = await store.estateInfo();
      const many: StoreEstateRecord[] = [];
      for (let i = 0; i < 500; i++) many.push(resource(SUB_A, `rg-${i % 7}`, 'Microsoft.Web/sites', `site-${i}`));
      many.push(resource(SUB_A, 'RG-Data', 'Microsoft.Storage/storageAccounts', 'stData2', { changed: true }));
      for (const mode of ['merge', 'replace'] as const) {
        await expect(store.importEstate(inBatches(many, 50, 4), { mode, source: 'test:broken', bulk: mode === 'replace' })).rejects.toThrow('bad row in batch 5');
        expect(await store.listResources()).toEqual(before);
        expect(await store.estateInfo()).toEqual(infoBefore);
      }
      // A record the store itself rejects (unknown table) rolls back the same way, with a coded error.
      const bad = { ...resource(SUB_A, 'rg', 'Microsoft.Web/sites', 'x'), table: 'nosuchtable' };
      await expect(store.importEstate([[many[0]!], [bad]], { mode: 'replace' })).rejects.toMatchObject({ code: 'StoreInvalidRecord' });
      expect(await store.listResources()).toEqual(before);
      // The store still works after the failures.
      expect(await store.countResources()).toBe(before.length);
    });

    it('replace makes the import the whole estate', async () => {
      const only = [resource(SUB_B, 'rg-x', 'Microsoft.Sql/servers', 'sql1'), resource(SUB_B, 'rg-x', 'Microsoft.Sql/servers', 'sql1')];
      const result = await store.importEstate(inBatches(only, 1), { mode: 'replace', source: 'test:replace' });
      expect(result).toMatchObject({ inserted: 1, replaced: 1, removed: 9, records: 2, total: 1 });
      expect(keysOf(await store.listResources())).toEqual([only[0]!.key]);
      expect(await store.estateInfo()).toMatchObject({ mode: 'replace', removed: 9, total: 1, imports: 3 });
    });

    it('streams a larger import and iterates it page by page', async () => {
      const records: StoreEstateRecord[] = [];
      for (let i = 0; i < 5000; i++) {
        const sub = i % 2 === 0 ? SUB_A : SUB_B;
        records.push(resource(sub, `rg-${i % 13}`, i % 3 === 0 ? 'Microsoft.Network/networkSecurityGroups' : 'Microsoft.Web/sites', `r${i}`, { properties: { text: 'tab\there, newline\nthere, back\\slash, quote " and ünïcödé ✓' } }));
      }
      const result = await store.importEstate(inBatches(records, 700), { mode: 'replace', source: 'test:large', bulk: true });
      expect(result).toMatchObject({ inserted: 5000, replaced: 0, removed: 1, total: 5000 });
      let n = 0;
      let last = '';
      for await (const r of store.iterateResources({ pageSize: 333 })) {
        expect(r.key > last).toBe(true);
        last = r.key;
        n++;
      }
      expect(n).toBe(5000);
      const one = await store.getResource(records[42]!.row.id);
      expect(one!.row).toEqual(records[42]!.row);
      expect(await store.countResources({ subscriptionId: SUB_B, resourceGroup: 'RG-1' })).toBe(records.filter((r) => r.row.subscriptionId === SUB_B && r.row.resourceGroup === 'rg-1').length);
      expect(await store.countByType()).toEqual([
        { type: 'microsoft.network/networksecuritygroups', count: 1667 },
        { type: 'microsoft.web/sites', count: 3333 },
      ]);
    });

    it('deletes rows by key or id, case-insensitively, and counts only those that existed', async () => {
      const extra = [resource(SUB_A, 'rg-del', 'Microsoft.Storage/storageAccounts', 'stdel1'), resource(SUB_A, 'rg-del', 'Microsoft.Storage/storageAccounts', 'stdel2')];
      await store.importEstate(inBatches(extra, 1), { mode: 'merge', source: 'test:delete' });
      const before = await store.countResources();
      const removed = await store.deleteResources([extra[0]!.row.id.toUpperCase().replace('/SUBSCRIPTIONS', '/subscriptions'), extra[1]!.key, '/subscriptions/nope/resourceGroups/x']);
      expect(removed).toBe(2);
      expect(await store.countResources()).toBe(before - 2);
      expect(await store.getResource(extra[0]!.key)).toBeUndefined();
      expect(await store.deleteResources([])).toBe(0);
    });

    it('a __proto__ key in a row round-trips harmlessly', async () => {
      const id = `/subscriptions/${SUB_A}/resourceGroups/rg-evil/providers/Microsoft.Web/sites/evil`;
      const json = `{"id":"${id}","type":"microsoft.web/sites","name":"evil","subscriptionId":"${SUB_A}","__proto__":{"polluted":"yes"},"properties":{"__proto__":{"isAdmin":true},"ok":1}}`;
      const row = JSON.parse(json) as StoreEstateRecord['row'];
      await store.importEstate([[{ key: id.toLowerCase(), table: 'resources', row, json }]], { mode: 'merge' });
      const back = await store.getResource(id);
      expect(back!.row.properties).toEqual({ ok: 1 });
      expect(Object.getPrototypeOf(back!.row)).toBe(Object.prototype);
      expect((back!.row as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      const merged = { ...back!.row, ...(back!.row.properties as object) } as Record<string, unknown>;
      expect(merged.isAdmin).toBeUndefined();
      await store.putDocument('evil', 'k', JSON.parse('{"__proto__":{"polluted":"doc"},"a":1}'));
      const doc = await store.getDocument<Record<string, unknown>>('evil', 'K');
      expect(doc).toEqual({ a: 1 });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('documents: put, get, list, delete with case-insensitive keys', async () => {
      expect(await store.getDocument('policyAssignments', 'none')).toBeUndefined();
      await store.putDocument('policyAssignments', 'ASC-Default', { displayName: 'MCSB', parameters: { effect: 'Audit' } });
      await store.putDocument('policyAssignments', 'cis', { displayName: 'CIS' });
      await store.putDocument('automations', 'asc-default', { other: true });
      expect(await store.getDocument('policyAssignments', 'asc-default')).toEqual({ displayName: 'MCSB', parameters: { effect: 'Audit' } });
      await store.putDocument('policyAssignments', 'asc-DEFAULT', { displayName: 'MCSB v2' });
      const list = await store.listDocuments('policyAssignments');
      expect(list.map((d) => [d.key, d.body])).toEqual([
        ['ASC-Default', { displayName: 'MCSB v2' }],
        ['cis', { displayName: 'CIS' }],
      ]);
      expect(list[0]!.updatedAt).toBeInstanceOf(Date);
      expect(await store.deleteDocument('policyAssignments', 'ASC-DEFAULT')).toBe(true);
      expect(await store.deleteDocument('policyAssignments', 'asc-default')).toBe(false);
      expect((await store.listDocuments('policyAssignments')).map((d) => d.key)).toEqual(['cis']);
      expect(await store.getDocument('automations', 'ASC-DEFAULT')).toEqual({ other: true });
      expect(await store.listDocuments('nothing')).toEqual([]);
    });

    it('snapshots: newest first, kind and time filters, body only from getSnapshot', async () => {
      const t = (iso: string): Date => new Date(iso);
      const a = await store.saveSnapshot({ takenAt: t('2025-01-01T00:00:00.000Z'), kind: 'posture', summary: { score: 40 }, body: { controls: [1] } });
      await store.saveSnapshot({ id: 'snap-b', takenAt: t('2025-02-01T12:00:00.500Z'), kind: 'posture', summary: { score: 55 }, body: { controls: [2] } });
      await store.saveSnapshot({ id: 'snap-c', takenAt: t('2025-03-01T00:00:00.000Z'), kind: 'drift', summary: { changes: 3 }, body: {} });
      await store.saveSnapshot({ id: 'snap-d', takenAt: t('2025-04-01T00:00:00.000Z'), kind: 'posture', summary: { score: 61 }, body: { controls: [4] } });
      expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
      const all = await store.listSnapshots();
      expect(all.map((s) => s.id)).toEqual(['snap-d', 'snap-c', 'snap-b', a.id]);
      expect(all[0]).toEqual({ id: 'snap-d', takenAt: t('2025-04-01T00:00:00.000Z'), kind: 'posture', summary: { score: 61 } });
      expect('body' in all[0]!).toBe(false);
      expect((await store.listSnapshots({ kind: 'posture' })).map((s) => s.id)).toEqual(['snap-d', 'snap-b', a.id]);
      expect((await store.listSnapshots({ since: t('2025-02-01T12:00:00.500Z'), until: t('2025-04-01T00:00:00.000Z') })).map((s) => s.id)).toEqual([
        'snap-c',
        'snap-b',
      ]);
      expect((await store.listSnapshots({ kind: 'posture', limit: 1 })).map((s) => s.id)).toEqual(['snap-d']);
      const b = await store.getSnapshot('snap-b');
      expect(b).toEqual({ id: 'snap-b', takenAt: t('2025-02-01T12:00:00.500Z'), kind: 'posture', summary: { score: 55 }, body: { controls: [2] } });
      expect(await store.getSnapshot('nope')).toBeUndefined();
      await expect(store.saveSnapshot({ id: 'snap-b', takenAt: new Date(), kind: 'x', summary: {}, body: {} })).rejects.toMatchObject({
        code: 'StoreSnapshotExists',
      });
    });

    it('lists snapshots taken at the same time newest first (ids sort in creation order)', async () => {
      const at = new Date('2024-06-01T00:00:00.000Z');
      const saved = [];
      for (let n = 0; n < 5; n++) saved.push(await store.saveSnapshot({ takenAt: at, kind: 'tie', summary: { n }, body: {} }));
      const listed = await store.listSnapshots({ kind: 'tie' });
      expect(listed.map((x) => x.summary.n)).toEqual([4, 3, 2, 1, 0]);
      expect(saved.map((x) => x.id)).toEqual([...saved.map((x) => x.id)].sort());
    });

    it('rejects a bad import mode with a coded error', async () => {
      await expect(store.importEstate([], { mode: 'upsert' as 'merge' })).rejects.toMatchObject({ code: 'StoreInvalidArgument' });
    });

    it('a bad URL is a coded error', async () => {
      await expect(openStoreForTest('mysql://root:secret@localhost/db')).rejects.toSatisfy(
        (e: unknown) => isPalisadeError(e) && e.code === 'StoreUrlInvalid' && !e.message.includes('secret'),
      );
    });
  });
}
