/**
 * az-compatible output: `-o/--output` formats and `--query`, reproducing microsoft/knack `knack/output.py` and
 * `knack/query.py` byte for byte where JavaScript allows:
 * - json: `json.dumps(indent=2, sort_keys=True, ensure_ascii=False)` (json.ts);
 * - yaml: a port of PyYAML's emitter for `safe_dump(default_flow_style=False, allow_unicode=True)` (yaml.ts);
 * - table: knack `_TableOutput` + `tabulate(tablefmt="simple", disable_numparse=True)` (table.ts);
 * - tsv: knack `_TsvOutput` (tsv.ts).
 *
 * Known differences from az, all caused by JavaScript values:
 * - Numbers: a safe integer prints as a Python `int` (`1.0` from JSON prints `1`, az prints `1.0`); an
 *   integral number beyond 2^53 prints as a float (`1e+21`). Non-integral numbers print exactly like Python.
 * - Key order: JS objects list integer-like keys (`"10"`) first, so where az keeps insertion order (table and
 *   tsv with `--query`) such keys move to the front. json/yaml sort keys and are unaffected.
 * - `--query` runs on jmespath.js 0.16, not Python jmespath; results agree for the JMESPath spec, including
 *   legacy backtick literals.
 * - tabulate is assumed to run without wcwidth (one column per code point), as in a plain az install.
 * - jsonc/yamlc colours are our own simple palette, not pygments' token stream.
 */
import { PalisadeError } from '../../core/index.js';
import { pyJsonDumps } from './json.js';
import { pyStrRepr } from './python.js';
import { formatTable } from './table.js';
import { formatTsv } from './tsv.js';
import { toPyValue } from './value.js';
import { pyYamlSafeDump } from './yaml.js';
import type { CompiledQuery } from './query.js';

export { compileQuery, type CompiledQuery } from './query.js';

export type OutputFormat = 'json' | 'jsonc' | 'yaml' | 'yamlc' | 'table' | 'tsv' | 'none';

/** The choices in the order az lists them in its error message. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'jsonc', 'none', 'table', 'tsv', 'yaml', 'yamlc'];

/** `--output/-o` is declared with `type=str.lower`, so `-o JSON` is accepted. */
export function parseOutputFormat(value: string): OutputFormat {
  const lowered = value.toLowerCase();
  if ((OUTPUT_FORMATS as readonly string[]).includes(lowered)) return lowered as OutputFormat;
  const choices = OUTPUT_FORMATS.map((f) => `'${f}'`).join(', ');
  throw new PalisadeError(
    'InvalidArgumentValue',
    `argument --output/-o: invalid choice: ${pyStrRepr(lowered)} (choose from ${choices})`,
    { kind: 'argument', target: '--output' },
  );
}

export interface FormatOptions {
  /** `--query` was given: table columns keep the query's order, and tsv keeps the order of hashes it built. */
  queryActive: boolean;
  /** Colour `jsonc`/`yamlc` (stdout is a TTY and colour is enabled); otherwise they equal `json`/`yaml`. */
  colour?: boolean;
  /** A command's table transformer; used by `-o table` only when no `--query` is active (knack). */
  tableTransformer?: ((result: unknown) => unknown) | CompiledQuery;
}

const TABLE_UNAVAILABLE =
  'Table output unavailable. Use the --query option to specify an appropriate query. Use --debug for more info.';

/**
 * Renders a (queried) command result exactly as az writes it to stdout, trailing newline included.
 * az prints nothing at all when the result is `None`, so `null`/`undefined` give `''` in every format.
 */
export function formatOutput(result: unknown, format: OutputFormat, options: FormatOptions): string {
  if (result === null || result === undefined || format === 'none') return '';
  const colour = options.colour === true;
  switch (format) {
    case 'json':
    case 'jsonc':
      return `${pyJsonDumps(toPyValue(result, options.queryActive), format === 'jsonc' && colour)}\n`;
    case 'yaml':
    case 'yamlc':
      return pyYamlSafeDump(toPyValue(result, options.queryActive), format === 'yamlc' && colour);
    case 'tsv':
      return formatTsv(toPyValue(result, options.queryActive));
    case 'table': {
      try {
        let value: unknown = result;
        const transformer = options.tableTransformer;
        if (transformer !== undefined && !options.queryActive) {
          value = typeof transformer === 'function' ? transformer(value) : transformer.search(value);
        }
        const sortKeys = !options.queryActive && transformer === undefined;
        return formatTable(toPyValue(value, options.queryActive), sortKeys);
      } catch (error) {
        throw new PalisadeError('TableOutputUnavailable', TABLE_UNAVAILABLE, { kind: 'validation', cause: error });
      }
    }
    default: {
      const unknown: never = format;
      throw new PalisadeError('InvalidArgumentValue', `Unknown output format ${String(unknown)}`, { kind: 'argument' });
    }
  }
}
