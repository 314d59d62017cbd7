/**
 * Linear-time matchers for `like` (wildcards `*` and `?`) and `match` (`#` digit, `?` letter, `.` any character).
 * No regular expressions are built from user patterns, so no pattern can make matching backtrack. Patterns are
 * analysed once; the common shapes (`abc`, `abc*`, `*abc`, `*abc*`) compile to one string operation, and no matcher
 * allocates per call beyond folding the value.
 */
import { fold, isAscii } from './value.js';

const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;

function isDigit(cp: number): boolean {
  if (cp < 128) return cp >= 48 && cp <= 57;
  return DIGIT.test(String.fromCodePoint(cp));
}

function isLetter(cp: number): boolean {
  if (cp < 128) return (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122);
  return LETTER.test(String.fromCodePoint(cp));
}

const ANY = -1;
const DIGIT_CLASS = -2;
const LETTER_CLASS = -3;

/** `match` / `matchInsensitively`: the pattern is fixed-length; compare code point by code point. */
export function compileMatch(pattern: string, insensitive: boolean): (value: string) => boolean {
  const p = Array.from(insensitive ? fold(pattern) : pattern).map((ch) => (ch === '#' ? DIGIT_CLASS : ch === '?' ? LETTER_CLASS : ch === '.' ? ANY : (ch.codePointAt(0) as number)));
  const n = p.length;
  return (value: string) => {
    const v = insensitive ? fold(value) : value;
    // A pattern of n code points needs between n and 2n UTF-16 units.
    if (v.length < n || v.length > 2 * n) return false;
    let j = 0;
    for (let i = 0; i < n; i++) {
      if (j >= v.length) return false;
      const cp = v.codePointAt(j) as number;
      j += cp > 0xffff ? 2 : 1;
      const want = p[i];
      if (want >= 0) {
        if (want !== cp) return false;
      } else if (want === DIGIT_CLASS) {
        if (!isDigit(cp)) return false;
      } else if (want === LETTER_CLASS) {
        if (!isLetter(cp)) return false;
      }
    }
    return j === v.length;
  };
}

/**
 * `like`: case-insensitive, whole string, `*` any run, `?` one character. Segments between `*` are matched
 * leftmost-first (exact for glob patterns): O(|value| · |pattern|) at worst, never exponential.
 */
export function compileLike(pattern: string): (value: string) => boolean {
  const p = fold(pattern);
  if (!p.includes('?')) {
    const m = likeStars(p);
    return (value) => m(lower(value));
  }
  const parts = p.split('*').map((s) => Array.from(s));
  return (value: string) => {
    const v = Array.from(fold(value));
    const segEq = (seg: string[], at: number): boolean => {
      if (at + seg.length > v.length) return false;
      for (let i = 0; i < seg.length; i++) if (seg[i] !== '?' && seg[i] !== v[at + i]) return false;
      return true;
    };
    const first = parts[0];
    if (parts.length === 1) return v.length === first.length && segEq(first, 0);
    if (!segEq(first, 0)) return false;
    let pos = first.length;
    const last = parts[parts.length - 1];
    for (let k = 1; k < parts.length - 1; k++) {
      const seg = parts[k];
      let found = -1;
      for (let at = pos; at + seg.length <= v.length; at++) {
        if (segEq(seg, at)) {
          found = at;
          break;
        }
      }
      if (found < 0) return false;
      pos = found + seg.length;
    }
    const tailAt = v.length - last.length;
    return tailAt >= pos && segEq(last, tailAt);
  };
}

/** Lower-case `value` when cheap and exact (ASCII), else fold. */
function lower(value: string): string {
  return isAscii(value) ? value.toLowerCase() : fold(value);
}

/** `like` for a value that is already folded; undefined when the pattern has `?` (it needs code points). */
export function compileLikeFolded(pattern: string): ((folded: string) => boolean) | undefined {
  const p = fold(pattern);
  return p.includes('?') ? undefined : likeStars(p);
}

/** `like` without `?` over a folded value: plain string operations. */
function likeStars(p: string): (v: string) => boolean {
  const parts = p.split('*');
  if (parts.length === 1) return (v) => v === p;
  const first = parts[0];
  const last = parts[parts.length - 1];
  const middle = parts.slice(1, -1).filter((s) => s !== '');
  const minLength = first.length + last.length + middle.reduce((n, s) => n + s.length, 0);
  if (middle.length === 0) {
    if (last === '') return first === '' ? () => true : (v) => v.startsWith(first);
    if (first === '') return (v) => v.endsWith(last);
    return (v) => v.length >= minLength && v.startsWith(first) && v.endsWith(last);
  }
  if (first === '' && last === '' && middle.length === 1) {
    const m = middle[0];
    return (v) => v.includes(m);
  }
  return (v) => {
    if (v.length < minLength || !v.startsWith(first)) return false;
    let pos = first.length;
    for (let k = 0; k < middle.length; k++) {
      const at = v.indexOf(middle[k], pos);
      if (at < 0) return false;
      pos = at + middle[k].length;
    }
    return v.length - last.length >= pos && v.endsWith(last);
  };
}
