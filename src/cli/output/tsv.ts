import { compareCodePoints, pyNumberString } from './python.js';
import { PyDict, type PyValue } from './value.js';

/** knack `_TsvOutput._dump_obj`: a list prints its length, a dict an empty field, anything else `str()`. */
function dumpObj(value: PyValue): string {
  if (Array.isArray(value)) return String(value.length);
  if (value instanceof PyDict) return '';
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' || typeof value === 'bigint') return pyNumberString(value);
  return value;
}

/** knack `_TsvOutput._dump_row`. */
function dumpRow(row: PyValue): string {
  if (row instanceof PyDict) {
    // An OrderedDict (a --query multiselect hash) keeps its order; a plain dict is sorted by key.
    const entries = row.ordered ? row.entries : [...row.entries].sort((a, b) => compareCodePoints(a[0], b[0]));
    return `${entries.map(([, v]) => dumpObj(v)).join('\t')}\n`;
  }
  if (Array.isArray(row)) return `${row.map(dumpObj).join('\t')}\n`;
  if (typeof row === 'boolean') return `${row ? 'true' : 'false'}\n`;
  return `${dumpObj(row)}\n`;
}

/** knack `format_tsv`: one line per list item (a non-list result is one item), no header. */
export function formatTsv(result: PyValue): string {
  const items = Array.isArray(result) ? result : [result];
  return items.map(dumpRow).join('');
}
