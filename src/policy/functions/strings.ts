/** String functions (ARM template semantics; case-insensitive where ARM documents it). */
import { fnError, LIMITS } from '../errors.js';
import { fold } from '../value.js';
import { argArray, argInt, argString, def, type FunctionDef } from './types.js';
import { toStringValue } from './conversion.js';

function limit(s: string): string {
  if (s.length > LIMITS.maxStringLength) throw fnError(`string result longer than ${LIMITS.maxStringLength} characters`);
  return s;
}

/** Index of `needle` in `haystack` ignoring case, in `haystack`'s own UTF-16 indexes. */
function indexOfInsensitive(haystack: string, needle: string, last: boolean): number {
  const h = fold(haystack);
  const n = fold(needle);
  if (h.length === haystack.length) return last ? h.lastIndexOf(n) : h.indexOf(n);
  // Folding changed lengths (ß → ss): map folded offsets back to source offsets.
  const starts: number[] = [];
  let acc = '';
  for (let i = 0; i < haystack.length; i++) {
    starts.push(acc.length);
    acc += fold(haystack[i]);
  }
  const at = last ? acc.lastIndexOf(n) : acc.indexOf(n);
  if (at < 0) return -1;
  const idx = starts.indexOf(at);
  return idx < 0 ? at : idx;
}

export const stringFunctions: FunctionDef[] = [
  def('concat', 0, Infinity, (args) => {
    if (args.length > 0 && args.every((a) => Array.isArray(a))) return ([] as unknown[]).concat(...(args as unknown[][]));
    let out = '';
    for (const a of args) {
      if (Array.isArray(a)) throw fnError('concat() cannot mix arrays and strings');
      out += toStringValue(a);
    }
    return limit(out);
  }),
  def('toLower', 1, 1, (a) => argString('toLower', a[0], 0).toLowerCase()),
  def('toUpper', 1, 1, (a) => argString('toUpper', a[0], 0).toUpperCase()),
  def('trim', 1, 1, (a) => argString('trim', a[0], 0).trim()),
  def('padLeft', 2, 3, (a) => {
    const value = typeof a[0] === 'number' ? String(a[0]) : argString('padLeft', a[0], 0);
    const width = argInt('padLeft', a[1], 1);
    const pad = a.length > 2 ? argString('padLeft', a[2], 2) : ' ';
    if (pad.length !== 1) throw fnError('padLeft() padding must be a single character');
    if (width > LIMITS.maxStringLength) throw fnError('padLeft() width too large');
    return value.length >= width ? value : pad.repeat(width - value.length) + value;
  }),
  def('split', 2, 2, (a) => {
    const s = argString('split', a[0], 0);
    const d = a[1];
    if (typeof d === 'string') return s.split(d);
    const delims = argArray('split', d, 1).map((x, i) => argString('split', x, i));
    if (delims.length === 0) return [s];
    const out: string[] = [];
    let start = 0;
    let i = 0;
    while (i <= s.length) {
      const hit = delims.find((x) => x.length > 0 && s.startsWith(x, i));
      if (hit !== undefined) {
        out.push(s.slice(start, i));
        i += hit.length;
        start = i;
      } else i++;
    }
    out.push(s.slice(start));
    return out;
  }),
  def('replace', 3, 3, (a) => {
    const s = argString('replace', a[0], 0);
    const from = argString('replace', a[1], 1);
    const to = argString('replace', a[2], 2);
    if (from === '') return s;
    return limit(s.split(from).join(to));
  }),
  def('substring', 1, 3, (a) => {
    const s = argString('substring', a[0], 0);
    const start = a.length > 1 ? argInt('substring', a[1], 1) : 0;
    const length = a.length > 2 ? argInt('substring', a[2], 2) : s.length - start;
    if (start < 0 || start > s.length) throw fnError(`substring() start index ${start} is out of range`);
    if (length < 0 || start + length > s.length) throw fnError(`substring() length ${length} is out of range`);
    return s.substr(start, length);
  }),
  def('indexOf', 2, 2, (a) => indexOfInsensitive(argString('indexOf', a[0], 0), argString('indexOf', a[1], 1), false)),
  def('lastIndexOf', 2, 2, (a) => {
    const h = argString('lastIndexOf', a[0], 0);
    const n = argString('lastIndexOf', a[1], 1);
    if (n === '') return h.length === 0 ? 0 : h.length - 1;
    return indexOfInsensitive(h, n, true);
  }),
  def('startsWith', 2, 2, (a) => fold(argString('startsWith', a[0], 0)).startsWith(fold(argString('startsWith', a[1], 1)))),
  def('endsWith', 2, 2, (a) => fold(argString('endsWith', a[0], 0)).endsWith(fold(argString('endsWith', a[1], 1)))),
  def('base64', 1, 1, (a) => Buffer.from(argString('base64', a[0], 0), 'utf8').toString('base64')),
  def('base64ToString', 1, 1, (a) => decodeBase64('base64ToString', argString('base64ToString', a[0], 0))),
  def('base64ToJson', 1, 1, (a) => {
    const text = decodeBase64('base64ToJson', argString('base64ToJson', a[0], 0));
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw fnError('base64ToJson() value is not JSON');
    }
  }),
  def('dataUri', 1, 1, (a) => {
    const s = typeof a[0] === 'string' ? a[0] : JSON.stringify(a[0]);
    return `data:text/plain;charset=utf8;base64,${Buffer.from(s, 'utf8').toString('base64')}`;
  }),
  def('dataUriToString', 1, 1, (a) => {
    const s = argString('dataUriToString', a[0], 0);
    const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(s);
    if (!m) throw fnError('dataUriToString() value is not a data URI');
    return m[2] ? decodeBase64('dataUriToString', m[3]) : decodeURIComponent(m[3]);
  }),
  def('uri', 2, 2, (a) => {
    const base = argString('uri', a[0], 0);
    const rel = argString('uri', a[1], 1);
    try {
      return new URL(rel, base).toString();
    } catch {
      throw fnError('uri() could not combine the values');
    }
  }),
  def('uriComponent', 1, 1, (a) => encodeURIComponent(argString('uriComponent', a[0], 0))),
  def('uriComponentToString', 1, 1, (a) => {
    try {
      return decodeURIComponent(argString('uriComponentToString', a[0], 0));
    } catch {
      throw fnError('uriComponentToString() value is not URI-encoded');
    }
  }),
];

function decodeBase64(fn: string, s: string): string {
  const clean = s.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) throw fnError(`${fn}() value is not base64`);
  return Buffer.from(clean, 'base64').toString('utf8');
}
