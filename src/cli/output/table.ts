import { compareCodePoints, capitalizeFirstChar, pyLen, pyRstrip, pySplitlines, pyStrip } from './python.js';
import { PyDict, pyStr, type PyValue } from './value.js';

/** knack `_TableOutput.SKIP_KEYS`. */
const SKIP_KEYS = new Set(['id', 'type', 'etag']);
/** tabulate `MIN_PADDING`: every column is at least two characters wider than its header. */
const MIN_PADDING = 2;

type Row = Map<string, PyValue>;

/** knack `_TableOutput._auto_table_item`. */
function autoTableItem(item: PyValue, sortKeys: boolean): Row {
  const row: Row = new Map();
  if (item instanceof PyDict) {
    const entries = sortKeys ? [...item.entries].sort((a, b) => compareCodePoints(a[0], b[0])) : item.entries;
    for (const [key, value] of entries) {
      if (SKIP_KEYS.has(key)) continue;
      if (value !== null && !Array.isArray(value) && !(value instanceof PyDict)) {
        row.set(capitalizeFirstChar(key), value);
      }
    }
  } else if (Array.isArray(item)) {
    item.forEach((value, i) => row.set(`Column${i + 1}`, value));
  } else {
    row.set('Result', item);
  }
  return row;
}

/** tabulate's `_multiline_codes` test: only CR and LF switch a table into multiline mode. */
const MULTILINE = /[\r\n]/;

function multilineWidth(text: string): number {
  return Math.max(...text.split(/[\r\n]/).map(pyLen));
}

function padRight(width: number, text: string): string {
  const len = pyLen(text);
  return len >= width ? text : text + ' '.repeat(width - len);
}

/**
 * `tabulate(rows, headers="keys", tablefmt="simple", disable_numparse=True)` for knack's list of OrderedDicts
 * (no wcwidth, so a character is one column wide). With numbers not parsed every column is a string or bool
 * column, so everything is left-aligned: cells are `str.strip()`ped and padded to the column width, which is
 * `max(len(header) + 2, longest cell)`; columns are joined by two spaces and each line is `rstrip()`ped.
 * Cells containing CR/LF switch tabulate into its multiline layout, which is reproduced as well.
 */
function tabulateSimple(rows: Row[]): string {
  const headers: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of row.keys()) {
      if (!seen.has(key)) {
        seen.add(key);
        headers.push(key);
      }
    }
  }
  // zip(*rows) of zero-column rows is empty: tabulate then renders nothing at all.
  if (headers.length === 0) return '';
  const cells = rows.map((row) => headers.map((h) => (row.has(h) ? row.get(h)! : null)));
  const strCells = cells.map((r) => r.map((v) => (v === null ? '' : pyStr(v))));
  const isMultiline = headers.some((h) => MULTILINE.test(h)) || strCells.some((r) => r.some((c) => MULTILINE.test(c)));
  const widthOf = isMultiline ? multilineWidth : pyLen;

  const columns = headers.map((header, c) => {
    const stripped = strCells.map((r) => pyStrip(r[c]));
    const width = Math.max(widthOf(header) + MIN_PADDING, ...stripped.map(widthOf));
    const padded = isMultiline
      ? stripped.map((s) => pySplitlines(s).map((line) => padRight(width, line)).join('\n'))
      : stripped.map((s) => padRight(width, s));
    const paddedHeader = isMultiline
      ? header.split(/\r|\n/).map((line) => padRight(width, line)).join('\n')
      : padRight(width, header);
    return { width, padded, paddedHeader };
  });

  const lines: string[] = [];
  const build = (parts: string[]): string => pyRstrip(parts.join('  '));
  const appendRow = (rowCells: string[]): void => {
    if (!isMultiline) {
      lines.push(build(rowCells));
      return;
    }
    const cellLines = rowCells.map((cell) => pySplitlines(cell));
    const count = Math.max(...cellLines.map((l) => l.length));
    for (let i = 0; i < count; i++) {
      lines.push(build(cellLines.map((l, c) => (i < l.length ? l[i] : ' '.repeat(columns[c].width)))));
    }
  };
  appendRow(columns.map((col) => col.paddedHeader));
  lines.push(build(columns.map((col) => '-'.repeat(col.width))));
  for (let r = 0; r < rows.length; r++) appendRow(columns.map((col) => col.padded[r]));
  return lines.join('\n');
}

/** knack `format_table` / `_TableOutput.dump` for an already-queried result. */
export function formatTable(result: PyValue, sortKeys: boolean): string {
  const items = Array.isArray(result) ? result : [result];
  const rows = items.map((item) => autoTableItem(item, sortKeys));
  const table = rows.length > 0 ? tabulateSimple(rows) : '';
  return `${table}\n`;
}
