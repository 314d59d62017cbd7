import { PalisadeError } from '../../core/index.js';
import { pyNumberString, pyStrRepr } from './python.js';

/**
 * The value model the formatters work on: what Python holds after `json.loads` plus jmespath.
 * A `PyDict` keeps insertion order; `ordered` marks the equivalent of an `OrderedDict` (a hash built by a
 * `--query` multiselect), which `-o tsv` prints in insertion order instead of sorted-key order.
 */
export type PyValue = null | boolean | number | bigint | string | PyValue[] | PyDict;

export class PyDict {
  constructor(
    readonly entries: Array<[string, PyValue]>,
    readonly ordered: boolean,
  ) {}
}

/** Objects that were part of a `--query` input; they are Python plain dicts, not `OrderedDict`s. */
const queryInputObjects = new WeakSet<object>();

/** Records every object of a query input (see `CompiledQuery.search`). */
export function rememberQueryInput(value: unknown, seen: Set<object> = new Set()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (!Array.isArray(value)) queryInputObjects.add(value);
  for (const child of Object.values(value)) rememberQueryInput(child, seen);
}

function unserializable(what: string, path: string): PalisadeError {
  return new PalisadeError('OutputSerializationFailed', `Object of type ${what} at ${path} is not JSON serializable`, {
    kind: 'internal',
    location: { path },
  });
}

/**
 * Converts a JavaScript result into `PyValue`s with `JSON.stringify`'s rules (`toJSON`, boxed primitives,
 * `undefined` members dropped and `undefined` array items as `null`), except that `NaN`, `±Infinity` and
 * `bigint` are kept, as Python keeps them. Functions, symbols and cycles throw. `undefined` at the top level is
 * `null` (az prints nothing for it).
 */
export function toPyValue(value: unknown, queryActive: boolean): PyValue {
  const stack = new Set<object>();
  const convert = (raw: unknown, key: string, path: string): PyValue | undefined => {
    let v = raw;
    if (v !== null && (typeof v === 'object' || typeof v === 'bigint')) {
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function' && typeof v === 'object') v = (toJSON as (k: string) => unknown).call(v, key);
    }
    if (v instanceof Number || v instanceof String || v instanceof Boolean) v = v.valueOf();
    if (v === undefined) return undefined;
    if (v === null) return null;
    switch (typeof v) {
      case 'boolean':
      case 'number':
      case 'bigint':
      case 'string':
        return v;
      case 'function':
        throw unserializable('function', path);
      case 'symbol':
        throw unserializable('symbol', path);
      default:
        break;
    }
    const obj = v as object;
    if (stack.has(obj)) {
      throw new PalisadeError('OutputSerializationFailed', `Circular reference detected at ${path}`, {
        kind: 'internal',
        location: { path },
      });
    }
    stack.add(obj);
    try {
      if (Array.isArray(obj)) {
        return obj.map((item, i) => convert(item, String(i), `${path}[${i}]`) ?? null);
      }
      const entries: Array<[string, PyValue]> = [];
      for (const k of Object.keys(obj)) {
        const child = convert((obj as Record<string, unknown>)[k], k, `${path}.${k}`);
        if (child !== undefined) entries.push([k, child]);
      }
      return new PyDict(entries, queryActive && !queryInputObjects.has(obj));
    } finally {
      stack.delete(obj);
    }
  };
  return convert(value, '', '$') ?? null;
}

/** Python's `str()` of a value, used for table cells and tsv fields. */
export function pyStr(value: PyValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' || typeof value === 'bigint') return pyNumberString(value);
  if (typeof value === 'string') return value;
  return pyRepr(value);
}

/** Python's `repr()`; containers print like `dict`/`list` reprs (an `OrderedDict` prints as a plain dict). */
export function pyRepr(value: PyValue): string {
  if (typeof value === 'string') return pyStrRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (value instanceof PyDict) {
    return `{${value.entries.map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return pyStr(value);
}
