/**
 * Linear-time matchers for `like` (wildcards `*` and `?`) and `match` (`#` digit, `?` letter, `.` any character).
 * No regular expressions are built from user patterns, so no pattern can make matching backtrack.
 */
import { fold } from './value.js';

const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;

/** `match` / `matchInsensitively`: the pattern is fixed-length; compare character by character. */
export function compileMatch(pattern: string, insensitive: boolean): (value: string) => boolean {
  const p = Array.from(insensitive ? fold(pattern) : pattern);
  return (value: string) => {
    const v = Array.from(insensitive ? fold(value) : value);
    if (v.length !== p.length) return false;
    for (let i = 0; i < p.length; i++) {
      const pc = p[i];
      const vc = v[i];
      if (pc === '#') {
        if (!DIGIT.test(vc)) return false;
      } else if (pc === '?') {
        if (!LETTER.test(vc)) return false;
      } else if (pc === '.') {
        continue;
      } else if (pc !== vc) return false;
    }
    return true;
  };
}

/**
 * `like`: case-insensitive, whole string. Segments between `*` are matched greedily left to right, which is exact
 * for glob patterns and O(n·m) at worst.
 */
export function compileLike(pattern: string): (value: string) => boolean {
  const p = fold(pattern);
  const parts = p.split('*').map((s) => Array.from(s));
  const hasQ = p.includes('?');
  if (parts.length === 1 && !hasQ) return (value) => fold(value) === p;
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
