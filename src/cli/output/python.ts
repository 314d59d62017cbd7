/**
 * Small re-implementations of the CPython behaviours that az's output depends on:
 * `repr(float)`, `str()` of scalars, `repr(str)`, code point ordering, `str.strip()` and `str.splitlines()`.
 */

/** Python's `str(int)`: integer digits, never an exponent. `-0` prints as `0`. */
function pyIntString(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  return BigInt(value).toString();
}

/**
 * CPython's `repr(float)` (also `str(float)` and what `json.dumps` writes): the shortest round-tripping digits,
 * as in JavaScript, but with Python's layout: scientific notation when the decimal exponent is below -4 or at
 * least 16 (`1e-05`, `1e+16`, two-digit exponent minimum), otherwise positional with at least one fractional
 * digit (`100.0`, `0.0001`).
 */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-tripping digits.
  const match = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(value).toExponential());
  if (!match) return String(value);
  const digits = match[1] + (match[2] ?? '');
  const exponent = Number(match[3]);
  const decpt = exponent + 1;
  if (decpt <= -4 || decpt > 16) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expAbs = Math.abs(exponent).toString().padStart(2, '0');
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${expAbs}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/**
 * Whether a JavaScript number stands for a Python `int`. JavaScript cannot tell `1` from `1.0`, so a safe integer
 * (|n| < 2^53) is taken as an `int` (Python would print `1.0` for a float `1.0`); a larger integral number can
 * only have come from a float literal such as `1e21` (JSON integers that big already lost precision), so it is
 * a float, as Python's `json.loads` makes it. A `bigint` is always an `int`.
 */
export function isPyInt(value: number | bigint): boolean {
  return typeof value === 'bigint' || Number.isSafeInteger(value);
}

/** `str()` of a number as Python would print the value after `json.loads` (see `isPyInt`). */
export function pyNumberString(value: number | bigint): string {
  if (isPyInt(value)) return pyIntString(value);
  return pyFloatRepr(value as number);
}

/** Compares two strings by Unicode code point, like Python's `<` on `str` (JavaScript compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800..DFFF) stand for code points above U+FFFF, so they must sort after U+E000..FFFF.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/** The characters for which Python's `str.isspace()` is true. */
const PY_WHITESPACE = '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

/** Python's `str.strip()` with no argument. */
export function pyStrip(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && PY_WHITESPACE.includes(value[start])) start++;
  while (end > start && PY_WHITESPACE.includes(value[end - 1])) end--;
  return value.slice(start, end);
}

/** Python's `str.rstrip()` with no argument. */
export function pyRstrip(value: string): string {
  let end = value.length;
  while (end > 0 && PY_WHITESPACE.includes(value[end - 1])) end--;
  return value.slice(0, end);
}

/** Python's `str.splitlines()` (no `keepends`). */
export function pySplitlines(value: string): string[] {
  const lines: string[] = [];
  let start = 0;
  let i = 0;
  while (i < value.length) {
    const ch = value[i];
    if ('\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029'.includes(ch)) {
      lines.push(value.slice(start, i));
      i += ch === '\r' && value[i + 1] === '\n' ? 2 : 1;
      start = i;
    } else {
      i++;
    }
  }
  if (start < value.length) lines.push(value.slice(start));
  return lines;
}

/** Number of code points: Python's `len(str)`. */
export function pyLen(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Python's `str.upper()` on the first code point, then the rest unchanged (knack `_capitalize_first_char`). */
export function capitalizeFirstChar(value: string): string {
  if (value === '') return value;
  const first = String.fromCodePoint(value.codePointAt(0)!);
  return first.toUpperCase() + value.slice(first.length);
}

const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/** Python's `repr(str)`: single quotes unless the text has `'` and no `"`; non-printables escaped. */
export function pyStrRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of value) {
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0)!;
      if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}
