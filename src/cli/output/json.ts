import { paint } from './colour.js';
import { compareCodePoints, pyNumberString } from './python.js';
import { PyDict, type PyValue } from './value.js';

/** `json.dumps` of a number: ints as digits, floats as `repr`, and Python's `NaN`/`Infinity`/`-Infinity`. */
function jsonNumber(value: number | bigint): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'Infinity';
    if (value === -Infinity) return '-Infinity';
  }
  return pyNumberString(value);
}

/**
 * Python's `json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, separators=(',', ': '))`.
 * Strings are escaped like Python's `encode_basestring` (`"`, `\\`, `\b\f\n\r\t`, other C0 controls as
 * lowercase `\u00XX`), which is what `JSON.stringify` does for well-formed strings.
 */
export function pyJsonDumps(value: PyValue, colour = false): string {
  const out: string[] = [];
  const write = (v: PyValue, level: number): void => {
    if (v === null) out.push(paint('null', 'literal', colour));
    else if (typeof v === 'boolean') out.push(paint(v ? 'true' : 'false', 'literal', colour));
    else if (typeof v === 'number' || typeof v === 'bigint') out.push(paint(jsonNumber(v), 'number', colour));
    else if (typeof v === 'string') out.push(paint(JSON.stringify(v), 'string', colour));
    else if (Array.isArray(v)) {
      if (v.length === 0) {
        out.push('[]');
        return;
      }
      const inner = `\n${'  '.repeat(level + 1)}`;
      out.push('[');
      v.forEach((item, i) => {
        out.push(i === 0 ? inner : `,${inner}`);
        write(item, level + 1);
      });
      out.push(`\n${'  '.repeat(level)}]`);
    } else if (v instanceof PyDict) {
      if (v.entries.length === 0) {
        out.push('{}');
        return;
      }
      const entries = [...v.entries].sort((a, b) => compareCodePoints(a[0], b[0]));
      const inner = `\n${'  '.repeat(level + 1)}`;
      out.push('{');
      entries.forEach(([k, item], i) => {
        out.push(i === 0 ? inner : `,${inner}`);
        out.push(paint(JSON.stringify(k), 'key', colour), ': ');
        write(item, level + 1);
      });
      out.push(`\n${'  '.repeat(level)}}`);
    }
  };
  write(value, 0);
  return out.join('');
}
