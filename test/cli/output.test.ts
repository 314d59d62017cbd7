import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileQuery, formatOutput, parseOutputFormat, type OutputFormat } from '../../src/cli/output/index.js';
import { pyFloatRepr, compareCodePoints } from '../../src/cli/output/python.js';
import { isPalisadeError, PalisadeError } from '../../src/core/errors.js';

const GOLDEN = new URL('../golden/output/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, GOLDEN), 'utf8');
const input = (name: string): unknown => JSON.parse(read(`${name}.input.json`));

/** What `az ... [--query q] -o format` prints: the query runs first, then the formatter. */
function az(result: unknown, format: OutputFormat, query?: string): string {
  if (query === undefined) return formatOutput(result, format, { queryActive: false });
  return formatOutput(compileQuery(query).search(result), format, { queryActive: true });
}

function thrown(fn: () => unknown): PalisadeError {
  try {
    fn();
  } catch (error) {
    if (isPalisadeError(error)) return error;
    throw error;
  }
  throw new Error('expected a PalisadeError');
}

const ARTICLE_QUERY =
  'sort_by(value[].{control:properties.displayName, current:properties.score.current, max:properties.score.max, gap:properties.score.max}[?max>`0`], &gap)';

// The expected files were written by hand from knack's rules (see src/cli/output/*.ts for the rules).
const GOLDEN_CASES: Array<{ fixture: string; format: OutputFormat; file: string; query?: string; select?: string }> = [
  { fixture: 'resources', format: 'json', file: 'resources.json.out' },
  { fixture: 'resources', format: 'yaml', file: 'resources.yaml.out' },
  { fixture: 'resources', format: 'table', file: 'resources.table.out' },
  { fixture: 'resources', format: 'tsv', file: 'resources.tsv.out' },
  { fixture: 'lists', format: 'json', file: 'lists.json.out' },
  { fixture: 'lists', format: 'yaml', file: 'lists.yaml.out' },
  { fixture: 'lists', format: 'table', file: 'lists.table.out' },
  { fixture: 'lists', format: 'tsv', file: 'lists.tsv.out' },
  { fixture: 'quoting', format: 'json', file: 'quoting.json.out' },
  { fixture: 'quoting', format: 'yaml', file: 'quoting.yaml.out' },
  { fixture: 'controls', format: 'table', file: 'controls.article-query.table.out', query: ARTICLE_QUERY },
  { fixture: 'controls', format: 'tsv', file: 'controls.article-query.tsv.out', query: ARTICLE_QUERY },
  { fixture: 'controls', format: 'json', file: 'controls.article-query.json.out', query: ARTICLE_QUERY },
  { fixture: 'controls', format: 'yaml', file: 'controls.article-query.yaml.out', query: ARTICLE_QUERY },
  { fixture: 'names', format: 'json', file: 'names.legacy-literal.json.out', query: '[?name==`b`]' },
  { fixture: 'names', format: 'table', file: 'names.legacy-literal.table.out', query: '[?name==`b`]' },
  {
    fixture: 'pricings',
    format: 'tsv',
    file: 'pricings.standard-names.tsv.out',
    query: "value[?pricingTier=='Standard'].name",
  },
  { fixture: 'pricings', format: 'table', file: 'pricings.table.out', select: 'value' },
];

describe('golden output', () => {
  for (const c of GOLDEN_CASES) {
    it(`${c.fixture}${c.query ? ` --query ${c.query}` : ''} -o ${c.format}`, () => {
      let data = input(c.fixture);
      if (c.select) data = (data as Record<string, unknown>)[c.select];
      expect(az(data, c.format, c.query)).toBe(read(c.file));
    });
  }

  const scalarAndEmpty: Array<[unknown, string]> = [
    ['kv-zürich', 'scalar'],
    [[], 'empty'],
  ];
  for (const [value, name] of scalarAndEmpty) {
    for (const format of ['json', 'yaml', 'table', 'tsv'] as const) {
      it(`${name} -o ${format}`, () => {
        expect(az(value, format)).toBe(read(`${name}.${format}.out`));
      });
    }
  }

  it('jsonc/yamlc without colour are json/yaml', () => {
    const data = input('resources');
    expect(az(data, 'jsonc')).toBe(read('resources.json.out'));
    expect(az(data, 'yamlc')).toBe(read('resources.yaml.out'));
  });

  it('jsonc/yamlc with colour differ only by ANSI sequences', () => {
    const data = input('resources');
    const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');
    const jsonc = formatOutput(data, 'jsonc', { queryActive: false, colour: true });
    const yamlc = formatOutput(data, 'yamlc', { queryActive: false, colour: true });
    expect(jsonc).toContain('\x1b[94m"capacity"\x1b[39;49;00m: \x1b[34m3\x1b[39;49;00m');
    expect(jsonc).toContain('\x1b[36mtrue\x1b[39;49;00m');
    expect(jsonc).toContain('\x1b[33m"StorageV2"\x1b[39;49;00m');
    expect(strip(jsonc)).toBe(read('resources.json.out'));
    expect(yamlc).toContain('\x1b[94mkind\x1b[39;49;00m: \x1b[33mStorageV2\x1b[39;49;00m');
    expect(strip(yamlc)).toBe(read('resources.yaml.out'));
    // Other formats never colour.
    expect(formatOutput(data, 'json', { queryActive: false, colour: true })).toBe(read('resources.json.out'));
  });
});

describe('formatOutput details', () => {
  it('prints nothing for a None result and for -o none', () => {
    for (const format of ['json', 'jsonc', 'yaml', 'yamlc', 'table', 'tsv', 'none'] as const) {
      expect(formatOutput(null, format, { queryActive: false })).toBe('');
      expect(formatOutput(undefined, format, { queryActive: true })).toBe('');
    }
    expect(formatOutput(input('resources'), 'none', { queryActive: false })).toBe('');
  });

  it('json: Python number formatting and string escapes', () => {
    const out = az({ a: 1e-5, b: 0.0001, c: 1e16, d: 123.0, e: -0.5, f: 'tab\there\u0001', g: 2n ** 70n, h: {}, i: [] }, 'json');
    expect(out).toBe(
      '{\n  "a": 1e-05,\n  "b": 0.0001,\n  "c": 1e+16,\n  "d": 123,\n  "e": -0.5,\n' +
        '  "f": "tab\\there\\u0001",\n  "g": 1180591620717411303424,\n  "h": {},\n  "i": []\n}\n',
    );
    expect(az(Number.NaN, 'json')).toBe('NaN\n');
    expect(az([Infinity, -Infinity], 'json')).toBe('[\n  Infinity,\n  -Infinity\n]\n');
  });

  it('json: keys sort by code point, not UTF-16 unit or locale', () => {
    const keys = ['b', 'B', 'a', 'é', '\uffff', '😀', '_', '1'];
    const out = az(Object.fromEntries(keys.map((k) => [k, 0])), 'json');
    const order = [...out.matchAll(/^  "(.*)": 0/gmu)].map((m) => m[1]);
    expect(order).toEqual(['1', 'B', '_', 'a', 'b', 'é', '\uffff', '😀']);
    expect(compareCodePoints('\uffff', '😀')).toBeLessThan(0);
  });

  it('json: follows JSON.stringify for toJSON and undefined, and rejects cycles', () => {
    const date = new Date('2024-01-15T10:30:00.000Z');
    expect(az({ when: date, gone: undefined, list: [undefined] }, 'json')).toBe(
      '{\n  "list": [\n    null\n  ],\n  "when": "2024-01-15T10:30:00.000Z"\n}\n',
    );
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(thrown(() => az(cyclic, 'json')).code).toBe('OutputSerializationFailed');
  });

  it('pyFloatRepr matches CPython repr()', () => {
    const cases: Array<[number, string]> = [
      [0.4567, '0.4567'],
      [1.5, '1.5'],
      [0.1 + 0.2, '0.30000000000000004'],
      [1e-5, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [0.0001, '0.0001'],
      [123456789.125, '123456789.125'],
      [1e16, '1e+16'],
      [1e15, '1000000000000000.0'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [5e-324, '5e-324'],
      [-2.5e-10, '-2.5e-10'],
    ];
    for (const [value, repr] of cases) expect(pyFloatRepr(value)).toBe(repr);
  });

  it('yaml: a plain root scalar ends the document with "..."; quoted and collection roots do not', () => {
    expect(az('abc', 'yaml')).toBe('abc\n...\n');
    expect(az(42, 'yaml')).toBe('42\n...\n');
    expect(az(true, 'yaml')).toBe('true\n...\n');
    expect(az(0.5, 'yaml')).toBe('0.5\n...\n');
    expect(az('42', 'yaml')).toBe("'42'\n");
    expect(az({}, 'yaml')).toBe('{}\n');
    expect(az([[]], 'yaml')).toBe('- []\n');
    expect(az([Number.NaN, Infinity, -Infinity, 1e-5], 'yaml')).toBe('- .nan\n- .inf\n- -.inf\n- 1.0e-05\n');
  });

  it('yaml: folds long plain and quoted scalars after column 80 like PyYAML', () => {
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    // "word12" ends at column 83: the first single space met past column 80 becomes a line break.
    expect(az({ k: words }, 'yaml')).toBe(
      'k: word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12\n' +
        '  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24\n' +
        '  word25 word26 word27 word28 word29\n',
    );
    // Runs of spaces are never broken; keys (simple keys) are never folded.
    const spaced = `${'x'.repeat(85)}  y`;
    expect(az({ k: spaced }, 'yaml')).toBe(`k: ${spaced}\n`);
    // Double-quoted scalars fold with a trailing backslash.
    const tabbed = `${'a '.repeat(45)}\tend`;
    expect(az({ k: tabbed }, 'yaml')).toBe(
      `k: "${'a '.repeat(38)}a\\\n  \\ ${'a '.repeat(6)}\\tend"\n`,
    );
  });

  it('yaml: multi-line strings are single-quoted with doubled line breaks, or double-quoted when spaces touch breaks', () => {
    expect(az({ k: 'line1\nline2' }, 'yaml')).toBe("k: 'line1\n\n  line2'\n");
    expect(az({ k: 'line1 \nline2' }, 'yaml')).toBe('k: "line1 \\nline2"\n');
    expect(az({ k: 'end\n' }, 'yaml')).toBe("k: 'end\n\n  '\n");
  });

  it('yaml: astral characters pass through plain but are escaped inside double quotes', () => {
    expect(az(['😀', '😀\t'], 'yaml')).toBe('- 😀\n- "\\U0001F600\\t"\n');
  });

  it('table: a single dict is one row; booleans print as Python; trailing spaces are stripped', () => {
    expect(az({ name: 'vm1', enabled: false, id: 'x', type: 't', etag: 'e', nested: { a: 1 }, list: [1], gone: null }, 'table')).toBe(
      'Enabled    Name\n---------  ------\nFalse      vm1\n',
    );
  });

  it('table: columns are sorted without --query and keep the query order with it', () => {
    const data = [{ zeta: 1, alpha: 2, Mid: 3 }];
    expect(az(data, 'table')).toBe('Mid    Alpha    Zeta\n-----  -------  ------\n3      2        1\n');
    expect(az(data, 'table', '[].{zeta: zeta, alpha: alpha}')).toBe('Zeta    Alpha\n------  -------\n1       2\n');
  });

  it('table: scalars become a Result column, and a list of scalars one row each', () => {
    expect(az(true, 'table')).toBe('Result\n--------\nTrue\n');
    expect(az([1, 'two', null, 3.25], 'table')).toBe('Result\n--------\n1\ntwo\n\n3.25\n');
  });

  it('table: cells are stripped, and cells with line breaks use tabulate multiline rows', () => {
    expect(az([{ a: '  padded  ', b: 'x' }], 'table')).toBe('A       B\n------  ---\npadded  x\n');
    expect(az([{ a: 'one\ntwo', b: 'x' }, { a: 'three', b: 'y' }], 'table')).toBe(
      'A      B\n-----  ---\none    x\ntwo\nthree  y\n',
    );
  });

  it('table: multiline rows pad missing lines, and a row whose cells are all empty disappears (tabulate)', () => {
    const data = [{ a: 'x\n\ny', b: '', c: 'p\rq' }, { a: '', b: '', c: '' }, { a: '  lead\n  in  ', c: 'z' }];
    expect(az(data, 'table')).toBe('A     B    C\n----  ---  ---\nx          p\n           q\ny\nlead       z\n  in\n');
  });

  it('table: without wcwidth a character is one column, whatever its display width', () => {
    expect(az([{ name: '日本語', x: '😀😀', y: 'e\u0301', t: 'tab\there', v: '\vv' }], 'table')).toBe(
      'Name    T         V    X    Y\n------  --------  ---  ---  ---\n日本語     tab\there  v    😀😀   e\u0301\n',
    );
  });

  it('table: nested values inside a list row print as Python reprs', () => {
    expect(az([['a', ['b', { c: null }], { k: "it's" }]], 'table')).toBe(
      "Column1    Column2             Column3\n---------  ------------------  -------------\na          ['b', {'c': None}]  {'k': \"it's\"}\n",
    );
  });

  it('table: a dict of only nested values or skipped keys renders as an empty line', () => {
    expect(az({ value: [1, 2] }, 'table')).toBe('\n');
    expect(az([{ id: 'x' }], 'table')).toBe('\n');
  });

  it('table: a result that cannot be tabulated throws TableOutputUnavailable', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    const error = thrown(() => az([cyclic], 'table'));
    expect(error.code).toBe('TableOutputUnavailable');
    expect(error.message).toBe(
      'Table output unavailable. Use the --query option to specify an appropriate query. Use --debug for more info.',
    );
  });

  it('table: a table transformer is applied only without --query, and then columns are not sorted', () => {
    const transformer = (r: unknown): unknown =>
      (r as Array<{ name: string; location: string }>).map((x) => ({ Name: x.name, Location: x.location }));
    const data = [{ name: 'vm1', location: 'westeurope', zone: '1' }];
    expect(formatOutput(data, 'table', { queryActive: false, tableTransformer: transformer })).toBe(
      'Name    Location\n------  ----------\nvm1     westeurope\n',
    );
    expect(formatOutput(data, 'table', { queryActive: true, tableTransformer: transformer })).toBe(
      'Name    Location    Zone\n------  ----------  ------\nvm1     westeurope  1\n',
    );
  });

  it('tsv: booleans, None, nested values; top-level booleans are lower case', () => {
    expect(az([true, false, null, 'x', 1.5], 'tsv')).toBe('true\nfalse\nNone\nx\n1.5\n');
    expect(az({ b: true, a: null, c: [1, 2, 3], d: { x: 1 }, e: 'tab\tinside' }, 'tsv')).toBe('None\tTrue\t3\t\ttab\tinside\n');
    expect(az([[true, null, [], {}]], 'tsv')).toBe('True\tNone\t0\t\n');
    expect(az(false, 'tsv')).toBe('false\n');
  });

  it('tsv: hashes built by --query keep their order, dicts taken from the input are sorted (OrderedDict vs dict)', () => {
    const data = { value: [{ zeta: 1, alpha: 2 }] };
    expect(az(data, 'tsv', 'value[0].{zeta: zeta, alpha: alpha}')).toBe('1\t2\n');
    expect(az(data, 'tsv', 'value[0]')).toBe('2\t1\n');
    // A result given directly with queryActive (no CompiledQuery) is taken as query-built.
    expect(formatOutput({ zeta: 1, alpha: 2 }, 'tsv', { queryActive: true })).toBe('1\t2\n');
  });

  it('JS objects put integer-like keys first: a documented difference from OrderedDict', () => {
    expect(az({ b: 1, '10': 2 }, 'tsv', '{b: b, "10": "10"}')).toBe('2\t1\n');
  });
});

describe('parseOutputFormat', () => {
  it('accepts every az format, case-insensitively (type=str.lower)', () => {
    for (const f of ['json', 'jsonc', 'yaml', 'yamlc', 'table', 'tsv', 'none']) expect(parseOutputFormat(f)).toBe(f);
    expect(parseOutputFormat('TSV')).toBe('tsv');
  });

  it('rejects others like argparse', () => {
    const error = thrown(() => parseOutputFormat('xml'));
    expect(error.code).toBe('InvalidArgumentValue');
    expect(error.kind).toBe('argument');
    expect(error.message).toBe(
      "argument --output/-o: invalid choice: 'xml' (choose from 'json', 'jsonc', 'none', 'table', 'tsv', 'yaml', 'yamlc')",
    );
    expect(thrown(() => parseOutputFormat('Csv')).message).toContain("invalid choice: 'csv'");
  });
});

describe('compileQuery', () => {
  it('accepts legacy backtick literals like Python jmespath', () => {
    expect(compileQuery('[?name==`b`].x').search(input('names'))).toEqual([2]);
  });

  it('rejects an invalid expression at parse time with a coded argument error', () => {
    const error = thrown(() => compileQuery('value[?pricingTier==]'));
    expect(error.code).toBe('InvalidQuery');
    expect(error.kind).toBe('argument');
    expect(error.message).toBe("argument --query: invalid jmespath_type value: 'value[?pricingTier==]'");
    expect(error.details[0].code).toBe('JMESPathParseError');
    expect(error.details[0].message.length).toBeGreaterThan(0);
    // argparse shows the value with Python's repr quoting.
    expect(thrown(() => compileQuery("[?name=='x'")).message).toBe(
      `argument --query: invalid jmespath_type value: "[?name=='x'"`,
    );
  });

  it('reports errors raised while searching as InvalidQuery too', () => {
    const query = compileQuery('nosuchfunction(@)');
    const error = thrown(() => query.search({}));
    expect(error.code).toBe('InvalidQuery');
    expect(error.message).toMatch(/^Invalid jmespath query supplied for `--query`: /);
  });
});
