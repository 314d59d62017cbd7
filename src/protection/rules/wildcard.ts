/**
 * Sigma string values: `*` matches any run of characters, `?` one character, `\*` `\?` `\\` are literals, and a
 * backslash before anything else is itself. Matching is case-insensitive unless the rule says `cased`.
 *
 * Compiled to the cheapest test that is exact: equality, `startsWith`, `endsWith`, `includes`, an ordered
 * `indexOf` walk for several `*`-separated parts, and only for `?` a linear-time RE2 expression (re2js).
 */
import { RE2JS } from 're2js';

export type StringTest = (value: string) => boolean;

type Token = { kind: 'lit'; text: string } | { kind: 'star' } | { kind: 'one' };

function tokenize(pattern: string): Token[] {
  const out: Token[] = [];
  let lit = '';
  const flush = () => {
    if (lit !== '') out.push({ kind: 'lit', text: lit });
    lit = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        lit += next;
        i++;
      } else lit += c;
    } else if (c === '*') {
      flush();
      if (out[out.length - 1]?.kind !== 'star') out.push({ kind: 'star' });
    } else if (c === '?') {
      flush();
      out.push({ kind: 'one' });
    } else lit += c;
  }
  flush();
  return out;
}

export type MatchMode = 'equals' | 'contains' | 'startswith' | 'endswith';

/**
 * A test for one Sigma value. With `cased` false the pattern is lower-cased here and the caller passes lower-cased
 * input (MatchContext.lower), so each event field is lower-cased once, not once per rule.
 */
export function wildcardTest(pattern: string, mode: MatchMode, cased: boolean): StringTest {
  let tokens = tokenize(cased ? pattern : pattern.toLowerCase());
  if (mode === 'contains' || mode === 'endswith') tokens = [{ kind: 'star' }, ...tokens];
  if (mode === 'contains' || mode === 'startswith') tokens = [...tokens, { kind: 'star' }];
  tokens = tokens.filter((t, i) => !(t.kind === 'star' && tokens[i - 1]?.kind === 'star'));
  if (tokens.length === 0) return (v) => v === '';
  if (tokens.some((t) => t.kind === 'one')) return regexTest(tokens);
  const lits = tokens.filter((t): t is { kind: 'lit'; text: string } => t.kind === 'lit').map((t) => t.text);
  const leading = tokens[0].kind === 'star';
  const trailing = tokens[tokens.length - 1].kind === 'star';
  if (lits.length === 0) return () => true; // `*`
  if (lits.length === 1) {
    const s = lits[0];
    if (leading && trailing) return (v) => v.includes(s);
    if (leading) return (v) => v.endsWith(s);
    if (trailing) return (v) => v.startsWith(s);
    return (v) => v === s;
  }
  const first = lits[0];
  const last = lits[lits.length - 1];
  const middle = lits.slice(leading ? 0 : 1, trailing ? lits.length : lits.length - 1);
  return (v) => {
    let from = 0;
    let end = v.length;
    if (!leading) {
      if (!v.startsWith(first)) return false;
      from = first.length;
    }
    if (!trailing) {
      if (!v.endsWith(last) || v.length - last.length < from) return false;
      end = v.length - last.length;
    }
    for (const part of middle) {
      const at = v.indexOf(part, from);
      if (at < 0 || at + part.length > end) return false;
      from = at + part.length;
    }
    return true;
  };
}

function regexTest(tokens: Token[]): StringTest {
  let source = '^';
  for (const t of tokens) source += t.kind === 'star' ? '.*' : t.kind === 'one' ? '.' : RE2JS.quote(t.text);
  source += '$';
  const re = RE2JS.compile(source, RE2JS.DOTALL);
  return (v) => re.testExact(v);
}
