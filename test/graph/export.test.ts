import { describe, expect, it } from 'vitest';
import { PalisadeError } from '../../src/core/index.js';
import { SecurityGraph } from '../../src/graph/index.js';
import { exportGraph, writeGraph, xmlEscape } from '../../src/graph/export.js';
import { fixtureBuild } from '../fixtures/graph/explorer/load.js';

const { graph } = fixtureBuild();

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * A small, strict XML 1.0 well-formedness check: one root element, properly nested and closed tags, quoted and unique
 * attributes, only the five predefined entities and character references, no `<` or `&` loose in text or attribute
 * values, no `]]>` in text, no characters XML 1.0 forbids. Returns the element tree with entities decoded.
 */
function parseXml(xml: string): XmlElement {
  const fail = (at: number, why: string): never => {
    throw new Error(`not well-formed at ${at}: ${why}: ${JSON.stringify(xml.slice(Math.max(0, at - 40), at + 40))}`);
  };
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(xml);
  if (bad) fail(bad.index, 'character not allowed in XML 1.0');
  const NAME = /^[A-Za-z_][\w.:-]*$/;
  const decode = (s: string, at: number): string => {
    if (s.includes('<')) fail(at, "'<' in character data");
    return s.replace(/&([^;]*);?/g, (m, ref: string) => {
      if (!m.endsWith(';')) fail(at, `unterminated reference ${m}`);
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (ref in named) return named[ref];
      const num = /^#(\d+)$/.exec(ref) ?? /^#x([0-9a-fA-F]+)$/.exec(ref);
      if (!num) return fail(at, `unknown entity &${ref};`);
      const code = parseInt(num[1], ref[1] === 'x' ? 16 : 10);
      if (!(code === 9 || code === 10 || code === 13 || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff))) fail(at, `character reference to ${code}`);
      return String.fromCodePoint(code);
    });
  };
  let i = 0;
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) fail(0, 'unterminated declaration');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (text.includes(']]>')) fail(i, "']]>' in text");
    if (stack.length === 0) {
      if (text.trim() !== '') fail(i, 'text outside the root element');
    } else stack[stack.length - 1].text += decode(text, i);
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt);
      if (end < 0) fail(lt, 'unterminated comment');
      i = end + 3;
      continue;
    }
    const gt = xml.indexOf('>', lt);
    if (gt < 0) fail(lt, 'unterminated tag');
    const tag = xml.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (!open || open.name !== name) fail(lt, `</${name}> does not close <${open?.name}>`);
      i = gt + 1;
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const nameMatch = /^([^\s/>]+)/.exec(body);
    if (!nameMatch || !NAME.test(nameMatch[1])) fail(lt, `bad element name in <${tag}>`);
    const element: XmlElement = { name: nameMatch![1], attrs: {}, children: [], text: '' };
    let rest = body.slice(nameMatch![1].length);
    while (rest.trim() !== '') {
      const m = /^\s+([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/.exec(rest);
      if (!m) fail(lt, `bad attribute syntax in <${tag}>`);
      if (!NAME.test(m![1])) fail(lt, `bad attribute name ${m![1]}`);
      if (m![1] in element.attrs) fail(lt, `duplicate attribute ${m![1]}`);
      element.attrs[m![1]] = decode(m![3] ?? m![4], lt);
      rest = rest.slice(m![0].length);
    }
    if (stack.length > 0) stack[stack.length - 1].children.push(element);
    else if (root) fail(lt, 'second root element');
    else root = element;
    if (!selfClosing) stack.push(element);
    i = gt + 1;
  }
  if (stack.length > 0) fail(xml.length, `<${stack[stack.length - 1].name}> not closed`);
  if (!root) fail(0, 'no root element');
  return root!;
}

function failure(fn: () => unknown): PalisadeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PalisadeError);
    return e as PalisadeError;
  }
  throw new Error('expected a PalisadeError');
}

interface JsonExport {
  nodes: Array<{ key: string; id: string; type: string; name: string; insights: Record<string, unknown> }>;
  edges: Array<{ from: string; to: string; kind: string; properties: Record<string, unknown> }>;
}

describe('exportGraph json', () => {
  const doc = JSON.parse(exportGraph(graph, 'json')) as JsonExport;

  it('round-trips the counts, and every edge joins exported nodes', () => {
    expect(doc.nodes).toHaveLength(graph.size);
    expect(doc.edges).toHaveLength(graph.edgeCount);
    const keys = new Set(doc.nodes.map((n) => n.key));
    expect(keys.size).toBe(graph.size);
    for (const e of doc.edges) {
      expect(keys.has(e.from) && keys.has(e.to)).toBe(true);
    }
    const kinds: Record<string, number> = {};
    for (const e of doc.edges) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    expect(Object.fromEntries(Object.entries(kinds).sort())).toEqual(graph.edgeCounts());
  });

  it('sorts nodes by key and edges by (from, to, kind)', () => {
    const keys = doc.nodes.map((n) => n.key);
    expect(keys).toEqual([...keys].sort());
    const rank = new Map(keys.map((k, i) => [k, i]));
    for (let i = 1; i < doc.edges.length; i++) {
      const a = doc.edges[i - 1];
      const b = doc.edges[i];
      const order = rank.get(a.from)! - rank.get(b.from)! || rank.get(a.to)! - rank.get(b.to)! || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0);
      expect(order).toBeLessThan(0);
    }
  });

  it('carries insights (value, or true when the insight has none) and edge properties', () => {
    const vm = doc.nodes.find((n) => n.name === 'vm-web-01')!;
    expect(vm.type).toBe('AzureVM');
    expect(Object.keys(vm.insights)).toEqual([...Object.keys(vm.insights)].sort());
    expect(vm.insights.exposedToInternet).toMatchObject({ width: 'wide' });
    expect(vm.insights.vulnerableToRemoteCodeExecution).toEqual({ cves: ['CVE-2024-6387'] });
    expect(doc.nodes.find((n) => n.name === 'id-app')!.insights).toEqual({ isManaged: true });
    expect(doc.nodes.find((n) => n.name === 'sql-orders')!.insights.allowsBasicAuthentication).toBe(true);
    const perm = doc.edges.find((e) => e.kind === 'hasPermissionTo' && e.to.endsWith('/resourcegroups/rg-apps'))!;
    expect(perm.properties.grants).toEqual([expect.objectContaining({ roleName: 'Key Vault Secrets User', capabilities: expect.arrayContaining(['kv.secret.get']) })]);
    expect(doc.edges.find((e) => e.kind === 'contains')!.properties).toEqual({});
  });

  it('keeps only the asked types (and groups), with the edges between them', () => {
    const only = JSON.parse(exportGraph(graph, 'json', { types: ['AzureVM', 'secret'] })) as JsonExport;
    expect(new Set(only.nodes.map((n) => n.type))).toEqual(new Set(['AzureVM', 'Secret']));
    expect(only.nodes).toHaveLength(4 + 3);
    expect(only.edges.map((e) => e.kind).sort()).toEqual(['canAuthenticateTo', 'hasSecret', 'hasSecret', 'hasSecret']); // the SSH key opens vm-app-02
    const identities = JSON.parse(exportGraph(graph, 'json', { types: ['Identity'] })) as JsonExport;
    expect(identities.nodes.map((n) => n.name).sort()).toEqual(
      graph.nodes.filter((n) => ['ManagedIdentity', 'ServicePrincipal', 'User', 'Group'].includes(n.type)).map((n) => n.name).sort(),
    );
    expect(new Set(identities.edges.map((e) => e.kind))).toEqual(new Set(['memberOf']));
  });

  it('is deterministic, whatever the order the estate came in', () => {
    expect(exportGraph(graph, 'json')).toBe(exportGraph(fixtureBuild().graph, 'json'));
    expect(exportGraph(fixtureBuild((rows) => [...rows].reverse()).graph, 'json')).toBe(exportGraph(graph, 'json'));
  });

  it('refuses unknown types and formats with coded errors', () => {
    expect(failure(() => exportGraph(graph, 'json', { types: ['AzureToaster'] })).code).toBe('GraphExportUnknownType');
    expect(failure(() => exportGraph(graph, 'csv' as never)).code).toBe('GraphExportFormatInvalid');
  });
});

describe('the well-formedness check itself', () => {
  it('refuses broken XML and decodes what is fine', () => {
    for (const bad of ['<a><b></a></b>', '<a>x & y</a>', '<a b="1" b="2"/>', '<a>\u0001</a>', '<a/><b/>', '<a>]]></a>', '<a b=1/>', '<a>', 'text<a/>', '<a>&foo;</a>', '<a>&#1;</a>', '<a b="<"/>']) {
      expect(() => parseXml(bad), bad).toThrow(/not well-formed/);
    }
    expect(parseXml('<?xml version="1.0"?>\n<a x="&lt;&#10;"><!-- c --><b/>t&amp;&#x41;</a>')).toEqual({ name: 'a', attrs: { x: '<\n' }, children: [{ name: 'b', attrs: {}, children: [], text: '' }], text: 't&A' });
  });
});

describe('exportGraph graphml', () => {
  const xml = exportGraph(graph, 'graphml');
  const root = parseXml(xml);
  const g = root.children.find((c) => c.name === 'graph')!;

  it('is well-formed GraphML 1.0 with key declarations for type, name, kind and insights', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns"')).toBe(true);
    expect(root.name).toBe('graphml');
    expect(root.attrs.xmlns).toBe('http://graphml.graphdrawing.org/xmlns');
    const keys = root.children.filter((c) => c.name === 'key');
    const declared = new Map(keys.map((k) => [k.attrs.id, k.attrs]));
    for (const [id, target] of [
      ['type', 'node'],
      ['name', 'node'],
      ['insights', 'node'],
      ['kind', 'edge'],
    ]) {
      expect(declared.get(id)).toMatchObject({ for: target, 'attr.type': 'string' });
    }
    // <key> elements come before the graph, as the schema wants
    expect(root.children.map((c) => c.name)).toEqual([...keys.map(() => 'key'), 'graph']);
    expect(g.attrs).toEqual({ id: 'palisade', edgedefault: 'directed' });
    for (const el of g.children) {
      for (const d of el.children) {
        expect(d.name).toBe('data');
        expect(declared.get(d.attrs.key)?.for).toBe(el.name);
      }
    }
  });

  it('has every node and edge, with edges between declared node ids', () => {
    const nodes = g.children.filter((c) => c.name === 'node');
    const edges = g.children.filter((c) => c.name === 'edge');
    expect(nodes).toHaveLength(graph.size);
    expect(edges).toHaveLength(graph.edgeCount);
    const ids = new Set(nodes.map((n) => n.attrs.id));
    expect(ids.size).toBe(nodes.length);
    for (const id of ids) expect(id).toMatch(/^n\d+$/);
    for (const e of edges) expect(ids.has(e.attrs.source) && ids.has(e.attrs.target)).toBe(true);
    const data = (el: XmlElement, key: string) => el.children.find((c) => c.attrs.key === key)?.text;
    const vm = nodes.find((n) => data(n, 'name') === 'vm-web-01')!;
    expect(data(vm, 'type')).toBe('AzureVM');
    expect(JSON.parse(data(vm, 'insights')!).exposedToInternet.width).toBe('wide');
    const kinds = edges.map((e) => data(e, 'kind')).sort();
    expect(kinds).toEqual(Array.from({ length: graph.edgeCount }, (_, e) => graph.edgeKind(e)).sort());
    const perm = edges.find((e) => data(e, 'kind') === 'hasPermissionTo')!;
    expect(JSON.parse(data(perm, 'properties')!).grants).toBeInstanceOf(Array);
  });

  it('escapes markup and replaces characters XML cannot carry', () => {
    const odd = new SecurityGraph();
    const name = 'a<b & "c" \'d\' ]]> e\u0001f\r\ng\ttab \ud800 lone, \ud83d\ude00 pair';
    const a = odd.addNode({ key: 'a', id: 'id "a" <1>', type: 'AzureResource', name, properties: {} });
    const b = odd.addNode({ key: 'b', id: 'b', type: 'AzureResource', name: 'b', properties: {} });
    odd.addInsight(a, 'hasTags', { 'x<y': 'a&b', ctl: '\u0002' });
    odd.addEdge(a, b, 'contains', { note: '</data></edge><evil/>' });
    const doc = parseXml(exportGraph(odd, 'graphml'));
    const nodes = doc.children.find((c) => c.name === 'graph')!.children.filter((c) => c.name === 'node');
    const data = (el: XmlElement, key: string) => el.children.find((c) => c.attrs.key === key)?.text;
    expect(data(nodes[0], 'name')).toBe('a<b & "c" \'d\' ]]> e\ufffdf\r\ng\ttab \ufffd lone, \ud83d\ude00 pair');
    expect(data(nodes[0], 'resourceId')).toBe('id "a" <1>');
    expect(JSON.parse(data(nodes[0], 'insights')!)).toEqual({ hasTags: { 'x<y': 'a&b', ctl: '\u0002' } });
    const edge = doc.children.find((c) => c.name === 'graph')!.children.find((c) => c.name === 'edge')!;
    expect(JSON.parse(data(edge, 'properties')!)).toEqual({ note: '</data></edge><evil/>' });
    expect(xmlEscape('plain')).toBe('plain');
    expect(xmlEscape('"<&>"\n')).toBe('&quot;&lt;&amp;&gt;&quot;&#10;');
    // and the JSON export keeps the name as it is
    expect((JSON.parse(exportGraph(odd, 'json')) as JsonExport).nodes[0].name).toBe(name);
  });

  it('the type filter applies too', () => {
    const only = parseXml(exportGraph(graph, 'graphml', { types: ['DataStore'] }));
    const elements = only.children.find((c) => c.name === 'graph')!.children;
    expect(elements.filter((c) => c.name === 'node')).toHaveLength(graph.nodes.filter((n) => ['AzureStorageAccount', 'AzureSqlServer', 'AzureSqlDatabase', 'AzureCosmosDB', 'AzurePostgreSQL', 'AzureMySQL'].includes(n.type)).length);
    expect(elements.filter((c) => c.name === 'edge')).toHaveLength(1); // sql-orders contains sqldb-orders
  });
});

describe('writeGraph', () => {
  it('streams a large graph in bounded chunks that add up to exportGraph', () => {
    const big = new SecurityGraph();
    let prev = big.addNode({ key: 'n0', id: 'n0', type: 'AzureResource', name: 'n0', properties: {} });
    for (let i = 1; i < 20_000; i++) {
      const n = big.addNode({ key: `n${i}`, id: `n${i}`, type: 'AzureResource', name: `resource number ${i}`, properties: {} });
      big.addInsight(n, 'hasTags', { i: String(i) });
      big.addEdge(prev, n, 'contains');
      prev = n;
    }
    for (const format of ['json', 'graphml'] as const) {
      const chunks: string[] = [];
      const stats = writeGraph(big, format, (c) => chunks.push(c));
      expect(stats).toEqual({ nodes: 20_000, edges: 19_999 });
      expect(chunks.length).toBeGreaterThan(10);
      expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(70 * 1024);
      expect(chunks.join('')).toBe(exportGraph(big, format));
    }
    const doc = JSON.parse(exportGraph(big, 'json')) as JsonExport;
    expect([doc.nodes.length, doc.edges.length]).toEqual([20_000, 19_999]);
    const xml = parseXml(exportGraph(big, 'graphml'));
    expect(xml.children.find((c) => c.name === 'graph')!.children).toHaveLength(39_999);
  });
});
