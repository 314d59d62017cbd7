/** String functions (ARM template semantics; case-insensitive where ARM documents it). */
import { createHash } from 'node:crypto';
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

/**
 * ARM's `uniqueString(...)`: the arguments joined with `-`, hashed with the 64-bit MurmurHash variant ARM uses
 * (MurmurHash3 x86 lanes 1–2, seed 0, over the UTF-8 bytes), and the hash's 65 high-order bits written as 13
 * characters of base32 (`a`–`z`, `2`–`7`). Reimplemented from the published descriptions of ARM's template engine
 * (as PSRule for Azure and Bicep's evaluator reproduce it); deterministic in any case.
 */
export function armUniqueString(args: string[]): string {
  let hash = murmur64(Buffer.from(args.join('-'), 'utf8'));
  const charset = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  for (let i = 0; i < 13; i++) {
    out += charset[Number(hash >> 59n)];
    hash = (hash << 5n) & 0xffffffffffffffffn;
  }
  return out;
}

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The 64-bit MurmurHash of ARM's template functions (two 32-bit lanes over 8-byte blocks). */
export function murmur64(data: Uint8Array, seed = 0): bigint {
  const c1 = 0x239b961b;
  const c2 = 0xab0e9789;
  const length = data.length;
  let h1 = seed >>> 0;
  let h2 = seed >>> 0;
  const u32 = (i: number) => (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0;
  let index = 0;
  while (index + 7 < length) {
    let k1 = u32(index);
    let k2 = u32(index + 4);
    k1 = Math.imul(rotl(Math.imul(k1, c1) >>> 0, 15), c2) >>> 0;
    h1 = (h1 ^ k1) >>> 0;
    h1 = (rotl(h1, 19) + h2) >>> 0;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) >>> 0;
    k2 = Math.imul(rotl(Math.imul(k2, c2) >>> 0, 17), c1) >>> 0;
    h2 = (h2 ^ k2) >>> 0;
    h2 = (rotl(h2, 13) + h1) >>> 0;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) >>> 0;
    index += 8;
  }
  const tail = length - index;
  if (tail > 0) {
    let k1 = 0;
    for (let i = Math.min(tail, 4) - 1; i >= 0; i--) k1 = ((k1 << 8) | data[index + i]) >>> 0;
    k1 = Math.imul(rotl(Math.imul(k1, c1) >>> 0, 15), c2) >>> 0;
    h1 = (h1 ^ k1) >>> 0;
    if (tail > 4) {
      let k2 = 0;
      for (let i = tail - 1; i >= 4; i--) k2 = ((k2 << 8) | data[index + i]) >>> 0;
      k2 = Math.imul(rotl(Math.imul(k2, c2) >>> 0, 17), c1) >>> 0;
      h2 = (h2 ^ k2) >>> 0;
    }
  }
  h1 = (h1 ^ length) >>> 0;
  h2 = (h2 ^ length) >>> 0;
  h1 = (h1 + h2) >>> 0;
  h2 = (h2 + h1) >>> 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) >>> 0;
  h2 = (h2 + h1) >>> 0;
  return (BigInt(h2) << 32n) | BigInt(h1);
}

/** ARM's template namespace for `guid()` (a name-based, SHA-1, version 5 UUID). */
const GUID_NAMESPACE = '11fb06fb-712d-4ddd-98c7-e71bbd588830';

/** ARM's `guid(...)`: RFC 4122 version 5 UUID of the arguments joined with `-` in ARM's template namespace. */
export function armGuid(args: string[]): string {
  const ns = Buffer.from(GUID_NAMESPACE.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(Buffer.from(args.join('-'), 'utf8')).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Functions Azure accepts in `then.details` (existence lookups, deployments) but not in `if` conditions. */
export const detailsOnlyFunctions: FunctionDef[] = [
  def('uniqueString', 1, Infinity, (a) => armUniqueString(a.map((x, i) => argString('uniqueString', x, i)))),
  def('guid', 1, Infinity, (a) => armGuid(a.map((x, i) => argString('guid', x, i)))),
];
