/**
 * Values as the policy language sees them: JSON values plus `undefined` for "missing".
 * Helpers here are the only place that reads resource objects, so the prototype guards live here.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object (never an array, never null). */
export type JsonObject = Record<string, unknown>;

const hasOwn = Object.prototype.hasOwnProperty;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** True when every UTF-16 unit of `value` is ASCII. */
export function isAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Unicode case folding as .NET's InvariantCultureIgnoreCase compares strings: `ß` ≡ `ss`, `ﬃ` ≡ `ffi`,
 * `Σ`/`σ`/`ς` ≡ `σ`. ASCII strings take the cheap path.
 */
export function fold(value: string): string {
  if (isAscii(value)) return value.toLowerCase();
  return value.toUpperCase().toLowerCase().replace(/ς/g, 'σ');
}

/**
 * `fold(value) === folded`, without folding when it cannot be equal: an ASCII `value` folds to a string of its own
 * length, so a length difference settles it.
 */
export function foldEquals(value: string, folded: string): boolean {
  if (value.length === folded.length) {
    const lower = value.toLowerCase();
    if (lower === folded) return true;
    if (isAscii(value)) return false;
  } else if (isAscii(value)) return false;
  return fold(value) === folded;
}

/**
 * True when the ASCII-or-not key `k` lower-cases to `lower` (`lower.length === k.length` already checked): ASCII
 * keys compare code by code without allocating; any other key takes `toLowerCase` (`K` (Kelvin) → `k`).
 */
function lowerEquals(k: string, lower: string): boolean {
  const n = k.length;
  for (let i = 0; i < n; i++) {
    let c = k.charCodeAt(i);
    if (c > 0x7f) return k.toLowerCase() === lower;
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Case-insensitive own-property read; `__proto__` and friends are read only when they are own data. */
export function getKey(object: unknown, key: string, lowerKey?: string): unknown {
  if (!isObject(object)) return undefined;
  // One lookup for a present key: JSON values are never functions, and Object.prototype's members are functions
  // except `__proto__` (whose own-ness is checked).
  const v = object[key];
  if (v !== undefined && typeof v !== 'function' && key !== '__proto__') return v;
  if (hasOwn.call(object, key)) return object[key];
  const lower = lowerKey ?? key.toLowerCase();
  const n = lower.length;
  for (const k in object) {
    if (k.length === n && lowerEquals(k, lower) && hasOwn.call(object, k)) return object[k];
  }
  return undefined;
}

/** True when `object` has an own key equal to `key` ignoring case. */
export function hasKeyInsensitive(object: unknown, key: string): boolean {
  if (!isObject(object)) return false;
  if (hasOwn.call(object, key)) return true;
  const lower = fold(key);
  for (const k in object) if (hasOwn.call(object, k) && fold(k) === lower) return true;
  return false;
}

/** Own enumerable entries (never inherited ones). */
export function ownEntries(object: JsonObject): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const k in object) if (hasOwn.call(object, k)) out.push([k, object[k]]);
  return out;
}

/** A fresh object whose prototype cannot be reached through its keys. */
export function newObject(): JsonObject {
  return Object.create(null) as JsonObject;
}

/** Sets an own property even for `__proto__` (defineProperty never calls the setter). */
export function setKey(object: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

export type ValueType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'undefined';

export function typeOf(value: unknown): ValueType {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  if (t === 'boolean' || t === 'number' || t === 'string') return t;
  return 'object';
}

/** Parses a string that looks like a JSON number ("443", "-1.5"); undefined otherwise. */
export function numericString(value: string): number | undefined {
  if (value.length === 0 || value.length > 40) return undefined;
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** "true"/"false" in any case as a boolean; undefined otherwise. */
export function booleanString(value: string): boolean | undefined {
  if (value.length === 4 && value.toLowerCase() === 'true') return true;
  if (value.length === 5 && value.toLowerCase() === 'false') return false;
  return undefined;
}

/** Deep copy into plain JSON without dangerous keys (values handed back to callers). */
export function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of ownEntries(value)) {
      if (k === '__proto__') continue;
      out[k] = toPlain(v);
    }
    return out;
  }
  return value;
}

/** Strict structural equality (used by tests and by union/intersection, case-sensitive). */
export function deepEqualStrict(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqualStrict(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a) && isObject(b)) {
    const ka = ownEntries(a);
    const kb = ownEntries(b);
    if (ka.length !== kb.length) return false;
    for (const [k, v] of ka) {
      if (!hasOwn.call(b, k)) return false;
      if (!deepEqualStrict(v, b[k])) return false;
    }
    return true;
  }
  return false;
}

/** How a value prints inside messages and reasons. */
export function show(value: unknown): string {
  if (value === undefined) return '<missing>';
  try {
    const s = JSON.stringify(value);
    return s.length > 200 ? s.slice(0, 197) + '...' : s;
  } catch {
    return String(value);
  }
}
