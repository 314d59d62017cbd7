/** Array and object functions. */
import { fnError, LIMITS } from '../errors.js';
import { deepEqualStrict, fold, getKey, isObject, newObject, ownEntries, setKey } from '../value.js';
import { argArray, argInt, argString, def, type FunctionDef } from './types.js';

function lengthOf(fn: string, v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (isObject(v)) return ownEntries(v).length;
  throw fnError(`${fn}() expects a string, an array or an object`);
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = newObject();
  for (const [k, v] of ownEntries(a)) setKey(out, k, v);
  for (const [k, v] of ownEntries(b)) {
    const prev = out[k];
    setKey(out, k, isObject(prev) && isObject(v) ? mergeDeep(prev, v) : v);
  }
  return out;
}

function uniquePush(out: unknown[], v: unknown): void {
  if (!out.some((x) => deepEqualStrict(x, v))) out.push(v);
}

export const arrayFunctions: FunctionDef[] = [
  def('length', 1, 1, (a) => lengthOf('length', a[0])),
  def('empty', 1, 1, (a) => {
    const v = a[0];
    if (v === null || v === undefined) return true;
    if (typeof v === 'string' || Array.isArray(v)) return v.length === 0;
    if (isObject(v)) return ownEntries(v).length === 0;
    return false;
  }),
  def('first', 1, 1, (a) => {
    const v = a[0];
    if (typeof v === 'string') return v.length === 0 ? '' : String.fromCodePoint(v.codePointAt(0) as number);
    if (Array.isArray(v)) return v.length === 0 ? null : v[0];
    throw fnError('first() expects a string or an array');
  }),
  def('last', 1, 1, (a) => {
    const v = a[0];
    if (typeof v === 'string') {
      if (v.length === 0) return '';
      const chars = Array.from(v);
      return chars[chars.length - 1];
    }
    if (Array.isArray(v)) return v.length === 0 ? null : v[v.length - 1];
    throw fnError('last() expects a string or an array');
  }),
  def('contains', 2, 2, (a) => {
    const [c, item] = a;
    if (typeof c === 'string') return c.includes(typeof item === 'string' ? item : String(item));
    if (Array.isArray(c)) return c.some((x) => deepEqualStrict(x, item) || (typeof x === 'string' && typeof item === 'string' && x === item));
    if (isObject(c)) return typeof item === 'string' && getKey(c, item) !== undefined;
    throw fnError('contains() expects a string, an array or an object');
  }),
  def('intersection', 2, Infinity, (a) => {
    if (a.every((x) => Array.isArray(x))) {
      const [first, ...rest] = a as unknown[][];
      const out: unknown[] = [];
      for (const v of first) if (rest.every((r) => r.some((x) => deepEqualStrict(x, v)))) uniquePush(out, v);
      return out;
    }
    if (a.every((x) => isObject(x))) {
      const [first, ...rest] = a as Record<string, unknown>[];
      const out = newObject();
      for (const [k, v] of ownEntries(first)) {
        if (rest.every((r) => Object.prototype.hasOwnProperty.call(r, k) && deepEqualStrict(r[k], v))) setKey(out, k, v);
      }
      return out;
    }
    throw fnError('intersection() expects arrays or objects');
  }),
  def('union', 1, Infinity, (a) => {
    if (a.every((x) => Array.isArray(x))) {
      const out: unknown[] = [];
      for (const arr of a as unknown[][]) for (const v of arr) uniquePush(out, v);
      return out;
    }
    if (a.every((x) => isObject(x))) return (a as Record<string, unknown>[]).reduce((acc, o) => mergeDeep(acc, o), newObject());
    throw fnError('union() expects arrays or objects');
  }),
  def('createArray', 0, Infinity, (a) => a.slice()),
  def('array', 1, 1, (a) => (Array.isArray(a[0]) ? a[0] : [a[0]])),
  def('createObject', 0, Infinity, (a) => {
    if (a.length % 2 !== 0) throw fnError('createObject() takes key/value pairs');
    const out = newObject();
    for (let i = 0; i < a.length; i += 2) setKey(out, argString('createObject', a[i], i), a[i + 1]);
    return out;
  }),
  def('range', 2, 2, (a) => {
    const start = argInt('range', a[0], 0);
    const count = argInt('range', a[1], 1);
    if (count < 0 || count > 10000) throw fnError('range() count must be between 0 and 10000');
    return Array.from({ length: count }, (_, i) => start + i);
  }),
  def('skip', 2, 2, (a) => {
    const n = Math.max(0, argInt('skip', a[1], 1));
    if (typeof a[0] === 'string' || Array.isArray(a[0])) return a[0].slice(n);
    throw fnError('skip() expects a string or an array');
  }),
  def('take', 2, 2, (a) => {
    const n = Math.max(0, argInt('take', a[1], 1));
    if (typeof a[0] === 'string' || Array.isArray(a[0])) return a[0].slice(0, n);
    throw fnError('take() expects a string or an array');
  }),
  def('min', 1, Infinity, (a) => extreme('min', a, (x, y) => x < y)),
  def('max', 1, Infinity, (a) => extreme('max', a, (x, y) => x > y)),
  def('join', 2, 2, (a) => argArray('join', a[0], 0).map((x) => String(x)).join(argString('join', a[1], 1))),
  def('flatten', 1, 1, (a) => argArray('flatten', a[0], 0).flatMap((x) => (Array.isArray(x) ? x : [x]))),
  def('objectKeys', 1, 1, (a) => {
    if (!isObject(a[0])) throw fnError('objectKeys() expects an object');
    return ownEntries(a[0]).map(([k]) => k);
  }),
  def('items', 1, 1, (a) => {
    if (!isObject(a[0])) throw fnError('items() expects an object');
    return ownEntries(a[0])
      .sort(([x], [y]) => (fold(x) < fold(y) ? -1 : fold(x) > fold(y) ? 1 : 0))
      .map(([key, value]) => ({ key, value }));
  }),
  def('tryGet', 2, Infinity, (a) => {
    let cur: unknown = a[0];
    for (let i = 1; i < a.length; i++) {
      const k = a[i];
      if (Array.isArray(cur) && typeof k === 'number') cur = Number.isInteger(k) && k >= 0 && k < cur.length ? cur[k] : undefined;
      else if (isObject(cur) && typeof k === 'string') cur = getKey(cur, k);
      else cur = undefined;
      if (cur === undefined) return null;
    }
    return cur === undefined ? null : cur;
  }),
  def('indexFromEnd', 2, 2, (a) => {
    const arr = argArray('indexFromEnd', a[0], 0);
    const n = argInt('indexFromEnd', a[1], 1);
    if (n < 1 || n > arr.length) throw fnError(`indexFromEnd() index ${n} is out of bounds`);
    return arr[arr.length - n];
  }, { internal: true }),
];

function extreme(fn: string, a: unknown[], better: (x: number, y: number) => boolean): number {
  const values = a.length === 1 && Array.isArray(a[0]) ? (a[0] as unknown[]) : a;
  if (values.length === 0) throw fnError(`${fn}() of an empty array`);
  let best: number | undefined;
  for (const v of values) {
    if (typeof v !== 'number') throw fnError(`${fn}() expects numbers`);
    if (best === undefined || better(v, best)) best = v;
  }
  return best as number;
}

export { LIMITS };
