import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PalisadeError, ResourceId, isWithin } from '../../src/core/index.js';
import { loadEstate, detectFormat, scanJsonElements, type EstateRecord } from '../../src/estate/index.js';

const TENANT = 'tttttttt-0000-0000-0000-000000000000';
const SUB = '11111111-0000-0000-0000-000000000001';

const rows = {
  tenantRoot: { id: `/providers/Microsoft.Management/managementGroups/${TENANT}`, type: 'microsoft.management/managementgroups', name: TENANT, tenantId: TENANT, properties: { displayName: 'Tenant Root Group', tenantId: TENANT, details: { parent: null } } },
  root: { id: '/providers/Microsoft.Management/managementGroups/contoso-root', type: 'microsoft.management/managementgroups', name: 'contoso-root', tenantId: TENANT, properties: { displayName: 'Contoso', tenantId: TENANT, details: { parent: { id: `/providers/Microsoft.Management/managementGroups/${TENANT}`, name: TENANT } } } },
  corp: { id: '/providers/Microsoft.Management/managementGroups/corp', type: 'microsoft.management/managementgroups', name: 'corp', tenantId: TENANT, properties: { displayName: 'Corp', tenantId: TENANT, details: { parent: { id: '/providers/Microsoft.Management/managementGroups/contoso-root', name: 'contoso-root' } } } },
  sub: { id: `/subscriptions/${SUB}`, type: 'microsoft.resources/subscriptions', name: 'corp-prod', subscriptionId: SUB, tenantId: TENANT, properties: { state: 'Enabled', managementGroupAncestorsChain: [{ name: 'corp', displayName: 'Corp' }, { name: 'contoso-root', displayName: 'Contoso' }, { name: TENANT, displayName: 'Tenant Root Group' }] } },
  rg: { id: `/subscriptions/${SUB}/resourceGroups/rg-app`, type: 'microsoft.resources/subscriptions/resourcegroups', name: 'rg-app', subscriptionId: SUB, resourceGroup: 'rg-app', location: 'eastus', properties: { provisioningState: 'Succeeded' } },
  storage: { id: `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stapp`, type: 'microsoft.storage/storageaccounts', name: 'stapp', subscriptionId: SUB, resourceGroup: 'rg-app', location: 'eastus', tags: { env: 'prod' }, properties: { allowBlobPublicAccess: true } },
  vm: { id: `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm1`, type: 'microsoft.compute/virtualmachines', name: 'vm1', subscriptionId: SUB, resourceGroup: 'rg-app', location: 'eastus', properties: {} },
};

const good = [rows.tenantRoot, rows.root, rows.corp, rows.sub, rows.rg, rows.storage, rows.vm];
const jsonl = (items: unknown[]): string => items.map((r) => JSON.stringify(r)).join('\n') + '\n';

let dir: string;
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function collect(paths: string[]): Promise<EstateRecord[]> {
  const load = loadEstate(paths, { batchSize: 3 });
  const out: EstateRecord[] = [];
  for await (const batch of load.batches()) out.push(...batch);
  return out;
}

async function failure(paths: string[]): Promise<PalisadeError> {
  try {
    await collect(paths);
  } catch (error) {
    expect(error).toBeInstanceOf(PalisadeError);
    return error as PalisadeError;
  }
  throw new Error('expected the load to fail');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-loader-'));
});

describe('estate loaders: every input format', () => {
  it('reads JSON Lines, keeping each row text and a table from the row type', async () => {
    const records = await collect([file('mixed.jsonl', jsonl(good))]);
    expect(records.map((r) => r.row.name)).toEqual(good.map((r) => r.name));
    expect(records[0].table).toBe('resourcecontainers');
    expect(records[5].table).toBe('resources');
    expect(records[5].json).toBe(JSON.stringify(rows.storage));
    expect(records[5].key).toBe(rows.storage.id.toLowerCase());
  });

  it('reads a JSON array, pretty-printed, with CRLF line endings and a BOM', async () => {
    const text = '\uFEFF' + JSON.stringify(good, null, 2).replace(/\n/g, '\r\n');
    const path = file('array.json', text);
    expect(await detectFormat(path)).toBe('json-array');
    const records = await collect([path]);
    expect(records).toHaveLength(good.length);
    expect(records[6].row).toEqual(rows.vm);
  });

  it('reads `az graph query` output ({count, data, skip_token}) pretty-printed and on one line', async () => {
    const page = { count: good.length, data: good, skip_token: null, total_records: good.length };
    const pretty = file('graph.json', JSON.stringify(page, null, 2));
    expect(await detectFormat(pretty)).toBe('graph-page');
    expect((await collect([pretty])).map((r) => r.row.id)).toEqual(good.map((r) => r.id));
    const oneLine = file('graph-one-line.json', JSON.stringify({ skip_token: 'abc', data: good, count: good.length }));
    expect((await collect([oneLine])).map((r) => r.row.id)).toEqual(good.map((r) => r.id));
  });

  it('reads JSON Lines whose lines are `az graph query` pages', async () => {
    const path = file('pages.jsonl', jsonl([{ count: 3, data: good.slice(0, 3) }, { count: 4, data: good.slice(3) }]));
    expect((await collect([path])).map((r) => r.row.id)).toEqual(good.map((r) => r.id));
  });

  it('reads a directory, taking each table from the file name and ignoring manifest.json', async () => {
    const sub = join(dir, 'export');
    mkdirSync(sub);
    writeFileSync(join(sub, 'resourcecontainers.jsonl'), jsonl(good.slice(0, 5)));
    writeFileSync(join(sub, 'resources-0001.jsonl'), jsonl(good.slice(5)));
    writeFileSync(join(sub, 'manifest.json'), JSON.stringify({ seed: 'x' }));
    writeFileSync(join(sub, 'notes.txt'), 'not an estate file');
    const load = loadEstate([sub]);
    const records: EstateRecord[] = [];
    for await (const batch of load.batches()) records.push(...batch);
    expect(records).toHaveLength(7);
    expect(load.stats.byTable.resourcecontainers).toBe(5);
    expect(load.stats.byTable.resources).toBe(2);
    expect(load.stats.files.map((f) => f.table)).toEqual(['resourcecontainers', 'resources']);
  });

  it('builds the management-group tree from parents and ancestor chains', async () => {
    const load = loadEstate([file('tree.jsonl', jsonl(good))]);
    for await (const batch of load.batches()) void batch;
    const tree = load.tree;
    expect(tree.groupAncestors('corp')).toEqual(['contoso-root', TENANT]);
    expect(tree.subscriptionAncestors(SUB)).toEqual(['corp', 'contoso-root', TENANT]);
    expect(tree.roots().map((g) => g.name)).toEqual([TENANT]);
    expect(isWithin('/providers/Microsoft.Management/managementGroups/contoso-root', rows.vm.id, tree)).toBe(true);
    expect(isWithin('/providers/Microsoft.Management/managementGroups/contoso-root', ResourceId.parse(rows.corp.id), tree)).toBe(true);
  });

  it('decodes multi-byte UTF-8 split across read chunks (JSON Lines and JSON arrays)', async () => {
    const many: Array<Record<string, unknown>> = [rows.tenantRoot, rows.root, rows.corp, rows.sub, rows.rg];
    for (let i = 0; i < 3000; i++) {
      // odd padding lengths shift the multi-byte characters across the 1 MiB chunk boundaries
      many.push({ ...rows.storage, id: `${rows.storage.id}u${i}`, name: `st${i}`, tags: { note: 'é€😀'.repeat(40) + 'x'.repeat(i % 7), owner: 'Zoë Ångström' } });
    }
    const fromLines = await collect([file('utf8.jsonl', jsonl(many))]);
    const fromArray = await collect([file('utf8.json', JSON.stringify(many))]);
    for (const records of [fromLines, fromArray]) {
      expect(records).toHaveLength(many.length);
      records.forEach((record, index) => expect(record.row).toEqual(many[index]));
    }
  });

  it('streams a JSON array larger than one read chunk with elements split across chunks', async () => {
    const many = [rows.tenantRoot, rows.root, rows.corp, rows.sub, rows.rg];
    for (let i = 0; i < 4000; i++) {
      many.push({ ...rows.storage, id: `${rows.storage.id}${i}`, name: `stapp${i}`, properties: { note: 'x'.repeat(i % 700), '"quoted]}': '{[' } as never });
    }
    const records = await collect([file('big.json', JSON.stringify(many, null, 1))]);
    expect(records).toHaveLength(many.length);
    expect(records[4004].row.name).toBe('stapp3999');
  });

  it('keeps all of a last scalar element that spans a read chunk (it is then reported whole)', async () => {
    // Rows must be objects, but the scanner hands every element on whole so the error quotes what the file holds.
    const long = 'y'.repeat((1 << 20) + 4096);
    const elements: string[] = [];
    for await (const e of scanJsonElements(file('scalar-tail.json', JSON.stringify([rows.rg, long])))) elements.push(e.text);
    expect(elements).toHaveLength(2);
    expect(JSON.parse(elements[1])).toBe(long);
  });
});

describe('estate loaders: malformed input is reported with code and location', () => {
  const cases: Array<{ name: string; content: string; code: string; line: number; path?: string; message: RegExp }> = [
    {
      name: 'truncated last line',
      content: jsonl(good) + JSON.stringify(rows.vm).slice(0, 40) + '\n',
      code: 'EstateJsonSyntax',
      line: 8,
      message: /invalid JSON/,
    },
    {
      name: 'missing id',
      content: jsonl([...good, { type: 'microsoft.compute/virtualmachines', name: 'x' }]),
      code: 'EstateMissingField',
      line: 8,
      path: '$.id',
      message: /required property 'id'/,
    },
    {
      name: 'missing type',
      content: jsonl([...good, { id: rows.vm.id + 'x', name: 'x' }]),
      code: 'EstateMissingField',
      line: 8,
      path: '$.type',
      message: /required property 'type'/,
    },
    {
      name: 'wrong types',
      content: jsonl([...good.slice(0, 5), { ...rows.storage, tags: 'prod' }, rows.vm]),
      code: 'EstateWrongType',
      line: 6,
      path: '$.tags',
      message: /expected object, got string/,
    },
    {
      name: 'tag value not a string',
      content: jsonl([...good.slice(0, 5), { ...rows.storage, tags: { env: 3 } }, rows.vm]),
      code: 'EstateWrongType',
      line: 6,
      path: '$.tags.env',
      message: /tag values are strings/,
    },
    {
      name: 'properties an array',
      content: jsonl([...good, { ...rows.vm, id: rows.vm.id + '2', properties: [] }]),
      code: 'EstateWrongType',
      line: 8,
      path: '$.properties',
      message: /expected object, got array/,
    },
    {
      name: 'invalid id',
      content: jsonl([...good, { ...rows.vm, id: '/subscriptions/x/resourceGroups' }]),
      code: 'EstateInvalidId',
      line: 8,
      path: '$.id',
      message: /not a valid resource id/,
    },
    {
      name: 'a row that is not an object',
      content: jsonl([...good, [1, 2]]),
      code: 'EstateRowNotObject',
      line: 8,
      path: '$',
      message: /must be a JSON object/,
    },
    {
      name: 'duplicate id differing only in case',
      content: jsonl([...good, { ...rows.vm, id: rows.vm.id.toUpperCase().replace('/SUBSCRIPTIONS', '/subscriptions') }]),
      code: 'EstateDuplicateId',
      line: 8,
      path: '$.id',
      message: /duplicate id .* \(first seen at .*:7\)/,
    },
    {
      name: 'unknown management-group parent',
      content: jsonl([...good, { ...rows.corp, id: '/providers/Microsoft.Management/managementGroups/orphan', name: 'orphan', properties: { displayName: 'Orphan', tenantId: TENANT, details: { parent: { id: '/providers/Microsoft.Management/managementGroups/nowhere', name: 'nowhere' } } } }]),
      code: 'EstateUnknownParent',
      line: 8,
      path: '$.properties.details.parent',
      message: /parent 'nowhere', which is not in the estate/,
    },
    {
      name: 'subscription chain naming an unknown management group',
      content: jsonl([...good, { ...rows.sub, id: '/subscriptions/22222222-0000-0000-0000-000000000002', subscriptionId: '22222222-0000-0000-0000-000000000002', properties: { managementGroupAncestorsChain: [{ name: 'ghost' }] } }]),
      code: 'EstateUnknownManagementGroup',
      line: 8,
      path: '$.properties.managementGroupAncestorsChain[0].name',
      message: /management group 'ghost'/,
    },
    {
      name: 'type that contradicts the id',
      content: jsonl([...good, { ...rows.vm, id: rows.vm.id + '9', type: 'microsoft.storage/storageaccounts' }]),
      code: 'EstateTypeMismatch',
      line: 8,
      path: '$.type',
      message: /does not match the id's type/,
    },
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.code} at line ${c.line}`, async () => {
      const path = file(`bad-${c.name.replace(/\W+/g, '-')}.jsonl`, c.content);
      const error = await failure([path]);
      expect(error.code).toBe('EstateInvalid');
      expect(error.details).toHaveLength(1);
      const [detail] = error.details;
      expect(detail.code).toBe(c.code);
      expect(detail.location).toEqual({ file: path, line: c.line, path: c.path });
      expect(detail.message).toMatch(c.message);
      expect(error.message).toContain(`${path}:${c.line}: `);
    });
  }

  it('reports a bad element of a JSON array with its line and array path', async () => {
    const text = JSON.stringify([...good, { ...rows.vm, id: 42 }], null, 2);
    const path = file('bad-array.json', text);
    const error = await failure([path]);
    const [detail] = error.details;
    expect(detail.code).toBe('EstateWrongType');
    expect(detail.location?.path).toBe('$[7].id');
    const expectedLine = text.split('\n').findIndex((l) => l.includes('"id": 42')) ; // the element starts the line before
    expect(detail.location?.line).toBe(expectedLine);
  });

  it('reports a truncated JSON document', async () => {
    const text = JSON.stringify({ data: good, count: 7 }, null, 2);
    const path = file('truncated.json', text.slice(0, text.length - 200));
    const error = await failure([path]);
    expect(error.details[0].code).toBe('EstateJsonSyntax');
    expect(error.details[0].message).toMatch(/truncated/);
  });

  it('reports every problem in one error, not just the first', async () => {
    const path = file('many-bad.jsonl', jsonl([...good, { name: 'a' }, { id: 7, type: 't', name: 'b' }]));
    const error = await failure([path]);
    expect(error.details.map((d) => `${d.code}@${d.location?.line}${d.location?.path}`)).toEqual([
      'EstateMissingField@8$.id',
      'EstateMissingField@8$.type',
      'EstateWrongType@9$.id',
    ]);
  });

  it('yields nothing after the first problem and fails at the end, so a transactional consumer applies nothing', async () => {
    const path = file('late-bad.jsonl', jsonl([...good, { name: 'broken' }]));
    const load = loadEstate([path], { batchSize: 2 });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const batch of load.batches()) seen.push(batch.length);
      })(),
    ).rejects.toThrow(/nothing was imported/);
    // good rows before the bad one were yielded in batches, but the generator threw before finishing
    expect(seen.reduce((a, b) => a + b, 0)).toBeLessThan(good.length);
  });

  it('names a missing input path', async () => {
    const error = await failure([join(dir, 'nope.jsonl')]);
    expect(error.code).toBe('EstateFileNotFound');
  });

  it('drops __proto__ keys so rows cannot pollute prototypes', async () => {
    const text = `{"id":"${rows.vm.id}","type":"microsoft.compute/virtualmachines","name":"vm1","properties":{"__proto__":{"polluted":true}},"__proto__":{"polluted":true}}\n`;
    const records = await collect([file('proto.jsonl', text)]);
    expect(records).toHaveLength(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(records[0].row)).toBe(Object.prototype);
    expect((records[0].row.properties as Record<string, unknown>).polluted).toBeUndefined();
  });
});
