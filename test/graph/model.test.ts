import { describe, expect, it } from 'vitest';
import { canonicalKey, type ArgRow } from '../../src/core/index.js';
import { SecurityGraph, buildGraph, type EdgeKind } from '../../src/graph/index.js';
import { KeyTable, PrefixHasher, equalFolded, keyHash, plainIdHash, type KeyedNodes } from '../../src/graph/key-table.js';

/** Nodes whose keys are the strings of a list (node n: `keys[n]`). */
const keyed = (keys: string[]): KeyedNodes => ({
  hasKey: (n, key) => keys[n] === key,
  hasKeyOfPlainId: (n, id) => keys[n] === canonicalKey(id),
});

const vm = (graph: SecurityGraph, name: string) => graph.addNode({ key: `/vms/${name}`, id: `/VMs/${name}`, type: 'AzureVM', name });

describe('SecurityGraph edge records', () => {
  it('lists a node’s edges out and in in the order they were added, with their fields', () => {
    const g = new SecurityGraph();
    const [a, b, c] = ['a', 'b', 'c'].map((n) => vm(g, n));
    const e1 = g.addEdge(a, b, 'routesTrafficTo', { ports: ['22'] });
    const e2 = g.addEdge(a, c, 'contains', undefined, true);
    const e3 = g.addEdge(c, b, 'lateralMovementTo');
    expect([e1, e2, e3]).toEqual([0, 1, 2]);
    expect(g.outEdges(a.index)).toEqual([0, 1]);
    expect(g.inEdges(b.index)).toEqual([0, 2]);
    expect(g.outEdges(b.index)).toEqual([]);
    expect([g.outDegree(a.index), g.inDegree(b.index), g.inDegree(a.index)]).toEqual([2, 2, 0]);
    expect(g.edge(e1)).toEqual({ index: 0, from: a.index, to: b.index, kind: 'routesTrafficTo', properties: { ports: ['22'] } });
    expect([g.edgeFrom(e3), g.edgeTo(e3), g.edgeKind(e3), g.edgeProperties(e3)]).toEqual([c.index, b.index, 'lateralMovementTo', undefined]);
    expect(g.edgeCount).toBe(3);
    expect(g.outgoing(a, 'contains').map((e) => e.to)).toEqual([c.index]);
    expect(g.incoming(b).map((e) => e.kind)).toEqual(['routesTrafficTo', 'lateralMovementTo']);
    expect(g.edgeCounts()).toEqual({ contains: 1, lateralMovementTo: 1, routesTrafficTo: 1 });
  });

  it('adds an edge once per (from, to, kind), below and above the hub degree where a set takes over', () => {
    const g = new SecurityGraph();
    const hub = vm(g, 'hub');
    const targets = Array.from({ length: 40 }, (_, i) => vm(g, `t${i}`));
    const first = targets.map((t) => g.addEdge(hub, t, 'routesTrafficTo'));
    // Every second call for the same triple returns the first edge; another kind is another edge.
    expect(targets.map((t) => g.addEdge(hub, t, 'routesTrafficTo'))).toEqual(first);
    const other = g.addEdge(hub, targets[3], 'lateralMovementTo');
    expect(other).toBe(40);
    expect(g.addEdge(hub, targets[3], 'lateralMovementTo')).toBe(other);
    expect(g.outDegree(hub.index)).toBe(41);
    expect(g.outEdges(hub.index)).toEqual([...first, other]);
    for (const t of targets) expect(g.inDegree(t.index)).toBe(t === targets[3] ? 2 : 1);
  });

  it('throws on an edge number it does not have', () => {
    const g = new SecurityGraph();
    expect(() => g.edge(0)).toThrow(RangeError);
  });

  it('finds nodes by key and returns the first node for a key given twice', () => {
    const g = new SecurityGraph();
    const a = vm(g, 'a');
    expect(vm(g, 'a')).toBe(a);
    expect(g.size).toBe(1);
    expect(g.indexOf('/vms/a')).toBe(a.index);
    expect(g.node('/vms/missing')).toBeUndefined();
    expect(g.indexOf('/vms/missing')).toBeUndefined();
  });
});

describe('KeyTable', () => {
  it('keeps every key through growth and tells absent keys apart', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `/subscriptions/00000000-0000-0000-0000-${String(i % 97).padStart(12, '0')}/resourcegroups/rg-${i}`);
    const table = new KeyTable(keyed(keys));
    const added = keys.filter((k, i) => table.getOrAdd(k, i) === -1).length;
    expect(added).toBe(keys.length);
    expect(table.size).toBe(keys.length);
    const wrong = keys.filter((k, i) => table.get(k) !== i || table.getOrAdd(k, 999_999) !== i);
    expect(wrong).toEqual([]);
    expect(table.get('/subscriptions/elsewhere')).toBe(-1);
    expect(table.size).toBe(keys.length);
  });

  it('compares the keys themselves when hashes collide', () => {
    // Two keys with one hash: the table must still keep them apart.
    const byHash = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined && i < 2_000_000; i++) {
      const k = `k${i}`;
      const h = keyHash(k) & 0xffff;
      const seen = byHash.get(h);
      if (seen !== undefined && keyHash(seen) === keyHash(k)) pair = [seen, k];
      else byHash.set(h, k);
    }
    expect(pair).toBeDefined();
    const keys: string[] = pair!;
    expect(keyHash(keys[0])).toBe(keyHash(keys[1]));
    const table = new KeyTable(keyed(keys));
    expect(table.getOrAdd(keys[0], 0)).toBe(-1);
    expect(table.getOrAdd(keys[1], 1)).toBe(-1);
    expect([table.get(keys[0]), table.get(keys[1])]).toEqual([0, 1]);
  });

  it('finds a key added through a plain id, and an id through its key, in any case', () => {
    const keys = ['/subscriptions/s1/resourcegroups/rg', '/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1'];
    const table = new KeyTable(keyed(keys));
    expect(table.getOrAdd(keys[0], 0)).toBe(-1);
    const id = '/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM1';
    expect(table.getOrAddPlainId(id, plainIdHash(id), 1)).toBe(-1);
    expect(table.get(keys[1])).toBe(1);
    const rg = '/SUBSCRIPTIONS/s1/resourceGroups/Rg';
    expect(table.getOrAddPlainId(rg, plainIdHash(rg), 7)).toBe(0);
    expect(table.getOrAddPlainId(id.toUpperCase(), plainIdHash(id.toUpperCase()), 7)).toBe(1);
    expect(table.size).toBe(2);
  });

  it('hashes to small integers', () => {
    for (const k of ['', 'a', '/subscriptions/x', 'é✓']) {
      const h = keyHash(k);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 30).toBe(true);
    }
  });
});

describe('plain ids', () => {
  it('hash a plain id as its canonical key, without making the key', () => {
    // ASCII, something above a space at both ends, no empty segment, no trailing slash: the key is the lower case.
    for (const id of ['/subscriptions/S1', '/subscriptions/s1/resourceGroups/RG-1/providers/Microsoft.Web/sites/App_1', 'AB', '/PROVIDERS/Microsoft.Management/managementGroups/Root']) {
      expect(plainIdHash(id)).toBe(keyHash(canonicalKey(id)));
      expect(equalFolded(id, canonicalKey(id))).toBe(true);
      expect(equalFolded(id, id.toUpperCase())).toBe(true);
    }
  });

  it('leaves every other id to canonicalKey', () => {
    // Each of these has a canonical key that is not its ASCII lower case (or may not be).
    for (const id of [' /subscriptions/s1', '/subscriptions/s1 ', '/subscriptions/s1/', '/subscriptions//s1', '/subscriptions/s1/resourceGroups/rgÄ', '/subscriptions/\u0130', 'a', '', '\t/x']) {
      expect(plainIdHash(id)).toBe(-1);
    }
  });

  it('compare as their keys do', () => {
    expect(equalFolded('/A/b', '/a/b')).toBe(true);
    expect(equalFolded('/A/b', '/a/c')).toBe(false);
    expect(equalFolded('/A/b', '/a/bb')).toBe(false);
    // Folding is A–Z only: '@' (64) and '[' (91) sit beside them and stay as they are.
    expect(equalFolded('/@[', '/`{')).toBe(false);
    expect(equalFolded('/A/@', '/a/@')).toBe(true);
    expect(equalFolded('/A/@', '/a/`')).toBe(false);
  });
});

describe('hashing ids past a shared prefix', () => {
  it('gives plainIdHash of every id, at any prefix length, in runs and out of them', () => {
    // Ids that are plain and ids that are not: an empty segment in the prefix, where prefix and rest meet, or in the
    // rest; a character past ASCII on either side; a trailing slash; a leading space; odd and even lengths.
    const ids = [
      '/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM1',
      '/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/vm22',
      '/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM1/',
      '/subscriptions/S1/resourceGroups/RG//providers/Microsoft.Compute/virtualMachines/VM1',
      '/subscriptions/S1//resourceGroups/RG/providers/x/y/z',
      '/subscriptions/S1/resourceGroups/RG/providers/x/y/z//w',
      '/subscriptions/S1/resourceGroups/RGÄ/providers/x/y/z',
      '/subscriptions/S1/resourceGroups/RG/providers/x/y/zÄ',
      ' /subscriptions/S1/resourceGroups/RG/providers/x/y/z',
      '/subscriptions/S1/resourceGroups/RG /providers/x/y/z',
    ];
    const hasher = new PrefixHasher();
    const wrong: string[] = [];
    for (const id of ids) {
      for (let n = 1; n <= id.length; n++) {
        // The same id twice in a row (the second reuses the prefix), then each of its siblings at that length.
        for (const sibling of [id, id, ...ids.filter((o) => o !== id && o.startsWith(id.slice(0, n)))]) {
          if (hasher.hash(sibling, n) !== plainIdHash(sibling)) wrong.push(`${sibling} @${n}`);
          if (hasher.current.prefix !== sibling.slice(0, n)) wrong.push(`prefix of ${sibling} @${n}`);
          if (hasher.current.prefixHash !== plainIdHash(sibling.slice(0, n))) wrong.push(`prefix hash of ${sibling} @${n}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the last two prefixes apart when ids alternate between them', () => {
    const a = '/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM1';
    const b = `${a}/extensions/Ext1`;
    const c = '/subscriptions/S1/resourceGroups/RG2/providers/Microsoft.Web/sites/App';
    const hasher = new PrefixHasher();
    const prefixOf = (id: string) => (id === b ? a.length : id.indexOf('/providers/'));
    const wrong: string[] = [];
    // a and b alternate (their prefixes differ, both kept); c evicts the older one; then back to a and b.
    for (const id of [a, b, a, b, b, a, c, a, b, c, c, b]) {
      if (hasher.hash(id, prefixOf(id)) !== plainIdHash(id) || hasher.current.prefix !== id.slice(0, prefixOf(id))) wrong.push(id);
    }
    expect(wrong).toEqual([]);
  });
});

describe('nodes added by id', () => {
  it('have the canonical key of their id, made when read', () => {
    const g = new SecurityGraph();
    const vm1 = g.addNode({ id: '/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM1', type: 'AzureVM', name: 'VM1' });
    expect(g.indexOf('/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1')).toBe(vm1.index);
    expect(vm1.key).toBe('/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1');
    // The same id in another case is the same node; so is a node added by its key.
    expect(g.addNode({ id: vm1.id.toUpperCase(), type: 'AzureVM', name: 'other' })).toBe(vm1);
    expect(g.addNode({ key: vm1.key, id: 'x', type: 'AzureVM', name: 'other' })).toBe(vm1);
    // An id that is not plain gets core's canonical key.
    const odd = g.addNode({ id: ' /subscriptions/S1//resourceGroups/Other/ ', type: 'AzureResourceGroup', name: 'Other' });
    expect(odd.key).toBe('/subscriptions/s1/resourcegroups/other');
    expect(g.node('/subscriptions/s1/resourcegroups/other')).toBe(odd);
    expect(g.addNode({ id: '/subscriptions/s1/resourcegroups/OTHER', type: 'AzureResourceGroup', name: 'x' })).toBe(odd);
    expect(g.size).toBe(2);
  });

  it('are found by any id whose canonical key is theirs', () => {
    const g = new SecurityGraph();
    const vm1 = g.addNode({ id: '/subscriptions/S1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM1', type: 'AzureVM', name: 'VM1' });
    const principal = g.addNode({ key: 'principal:abc', id: 'abc', type: 'ServicePrincipal', name: 'abc' });
    expect(g.nodeById('/SUBSCRIPTIONS/s1/resourcegroups/rg/providers/microsoft.compute/virtualMachines/vm1')).toBe(vm1);
    // Ids that are not plain are read through canonicalKey.
    expect(g.indexOfId(' /subscriptions/s1//resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM1/ ')).toBe(vm1.index);
    expect(g.nodeById('Principal:ABC')).toBe(principal);
    expect(g.nodeById('/subscriptions/s1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM2')).toBeUndefined();
    expect(g.indexOfId('/')).toBeUndefined();
  });

  it('serialise with their key, as object literals did', () => {
    const g = new SecurityGraph();
    const n = g.addNode({ id: '/subscriptions/S1', type: 'AzureSubscription', name: 'S1', subscriptionId: 'S1' });
    expect(JSON.parse(JSON.stringify(n))).toEqual({ index: 0, key: '/subscriptions/s1', id: '/subscriptions/S1', type: 'AzureSubscription', name: 'S1', subscriptionId: 'S1', properties: {}, insights: {} });
  });
});

describe('contains edges read off ids', () => {
  const row = (id: string, type: string): ArgRow => ({ id, name: id.split('/').pop()!, type, subscriptionId: 's1', resourceGroup: 'rg', location: 'westeurope', properties: {} }) as unknown as ArgRow;
  const parentOf = (g: SecurityGraph, key: string): string | undefined => {
    for (let e = g.firstIn(g.indexOf(key)!); e !== -1; e = g.nextIn(e)) if (g.edgeKind(e) === 'contains') return g.nodes[g.edgeFrom(e)].key;
    return undefined;
  };

  it('link each resource to its container whatever the case, blanks or empty segments of its id', () => {
    const rows = [
      row('/subscriptions/s1/resourceGroups/RG', 'Microsoft.Resources/resourceGroups'),
      row('/subscriptions/s1/resourceGroups/RG/providers/Microsoft.Sql/servers/sql1', 'Microsoft.Sql/servers'),
      // Siblings whose container is written in another case, and a child resource of the server.
      row('/subscriptions/s1/resourcegroups/rg/providers/Microsoft.Sql/servers/sql2', 'Microsoft.Sql/servers'),
      row('/subscriptions/s1/resourceGroups/RG/Providers/Microsoft.Sql/servers/SQL1/databases/db1', 'Microsoft.Sql/servers/databases'),
      // Not plain: an empty segment, a trailing slash and blanks (their keys come from canonicalKey).
      row('/subscriptions/s1/resourceGroups/RG//providers/Microsoft.Sql/servers/sql3/', 'Microsoft.Sql/servers'),
      row(' /subscriptions/s1/resourceGroups/RG/providers/Microsoft.Sql/servers/sql3/databases/db2 ', 'Microsoft.Sql/servers/databases'),
      row('/subscriptions/s1/resourceGroups/RG/providers/Microsoft.Web/sites/caf\u00e9', 'Microsoft.Web/sites'),
      // An extension resource whose own '/providers/' is written in another case: the last one counts.
      row('/subscriptions/s1/resourceGroups/RG/providers/Microsoft.Sql/servers/sql1/Providers/Microsoft.Insights/diagnosticSettings/d1', 'Microsoft.Insights/diagnosticSettings'),
      // '/PROVIDERS/' in capitals, and a segment that only starts like it.
      row('/subscriptions/s1/resourceGroups/RG/PROVIDERS/Microsoft.Sql/servers/sql4', 'Microsoft.Sql/servers'),
      row('/subscriptions/s1/resourceGroups/RG/PROVIDERS/Microsoft.Sql/servers/sql4/databases/providersX', 'Microsoft.Sql/servers/databases'),
    ];
    const g = buildGraph({ rows }).graph;
    const rg = '/subscriptions/s1/resourcegroups/rg';
    const sql = `${rg}/providers/microsoft.sql/servers`;
    expect(parentOf(g, `${sql}/sql1`)).toBe(rg);
    expect(parentOf(g, `${sql}/sql2`)).toBe(rg);
    expect(parentOf(g, `${sql}/sql1/databases/db1`)).toBe(`${sql}/sql1`);
    expect(parentOf(g, `${sql}/sql3`)).toBe(rg);
    expect(parentOf(g, `${sql}/sql3/databases/db2`)).toBe(`${sql}/sql3`);
    expect(parentOf(g, `${rg}/providers/microsoft.web/sites/caf\u00e9`)).toBe(rg);
    expect(parentOf(g, `${sql}/sql1/providers/microsoft.insights/diagnosticsettings/d1`)).toBe(`${sql}/sql1`);
    expect(parentOf(g, `${sql}/sql4`)).toBe(rg);
    expect(parentOf(g, `${sql}/sql4/databases/providersx`)).toBe(`${sql}/sql4`);
    expect(g.edgeCounts().contains).toBe(9);
  });
});

const kinds: EdgeKind[] = ['contains', 'routesTrafficTo'];
describe('edge kinds', () => {
  it('reads kinds back by name', () => {
    const g = new SecurityGraph();
    const [a, b] = ['a', 'b'].map((n) => vm(g, n));
    for (const k of kinds) g.addEdge(a, b, k);
    expect(g.outEdges(a.index).map((e) => g.edgeKind(e))).toEqual(kinds);
  });
});

describe('insights', () => {
  it('holds hasTags as the node’s tags and answers for it like any other insight', () => {
    const g = new SecurityGraph();
    const a = g.addNode({ key: 'a', id: 'A', type: 'AzureVM', name: 'a' });
    const b = g.addNode({ key: 'b', id: 'B', type: 'AzureVM', name: 'b' });
    const tags = { owner: 'web-team' };
    g.addInsight(a, 'exposedToInternet', { width: 'wide' });
    g.addInsight(a, 'hasTags', tags);
    g.addInsight(b, 'hasTags', { env: 'prod' });
    expect(a.insights.get('hasTags')).toEqual({ id: 'hasTags', value: tags });
    expect(a.insights.get('hasTags')?.value).toBe(tags);
    expect(a.insights.has('hasTags')).toBe(true);
    expect(a.insights.size).toBe(2);
    expect([...a.insights.keys()].sort()).toEqual(['exposedToInternet', 'hasTags']);
    expect(g.nodesWithInsight('hasTags')).toEqual([a.index, b.index]);
    // Given again, the tags are replaced and the node is not listed twice.
    const newer = { owner: 'platform' };
    g.addInsight(a, 'hasTags', newer);
    expect(a.insights.get('hasTags')?.value).toBe(newer);
    expect(a.insights.size).toBe(2);
    expect(g.nodesWithInsight('hasTags')).toEqual([a.index, b.index]);
    // A hasTags that is not an object is kept as an insight object, and still only once.
    g.addInsight(b, 'hasTags', true);
    expect(b.insights.get('hasTags')).toEqual({ id: 'hasTags', value: true });
    expect(b.insights.size).toBe(1);
    expect(g.nodesWithInsight('hasTags')).toEqual([a.index, b.index]);
  });

  it('shares one object for each insight without a value', () => {
    const g = new SecurityGraph();
    const a = g.addNode({ key: 'a', id: 'A', type: 'ManagedIdentity', name: 'a' });
    const b = g.addNode({ key: 'b', id: 'B', type: 'ManagedIdentity', name: 'b' });
    g.addInsight(a, 'isManaged');
    g.addInsight(b, 'isManaged');
    expect(a.insights.get('isManaged')).toEqual({ id: 'isManaged' });
    expect(a.insights.get('isManaged')).toBe(b.insights.get('isManaged'));
    expect(Object.isFrozen(a.insights.get('isManaged'))).toBe(true);
  });
});
