/**
 * Sigma conditions: `and`, `or`, `not`, parentheses, `1 of sel*`, `all of sel*`, `1 of them`, `all of them`
 * (`any of` is read as `1 of`). Precedence: `not` binds tightest, then `and`, then `or`. Selection names may hold
 * `*` globs after `of`; `them` leaves out names starting with `_`. A list of conditions is their `or`.
 *
 * Aggregation pipes (`| count() by x > 5`) are refused with `SigmaUnsupportedCondition`: thresholds are correlation
 * rules in Sigma 2.
 */
import { ruleError, type RuleOrigin, type RulePath } from './location.js';
import type { Predicate } from './selection.js';

type Node =
  | { kind: 'ref'; name: string }
  | { kind: 'not'; operand: Node }
  | { kind: 'and' | 'or'; operands: Node[] }
  | { kind: 'of'; quantifier: 'one' | 'all'; pattern: string };

const TOKEN = /\s*(\(|\)|[A-Za-z0-9_*.\-]+|\||\S)/y;

function tokenize(text: string, origin: RuleOrigin, path: RulePath): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text)) !== null) {
    if (m[1] === '|') throw ruleError('SigmaUnsupportedCondition', 'aggregation pipes (`| count() ...`) are not supported; write a correlation rule', origin, path);
    out.push(m[1]);
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
  }
  return out;
}

function parse(text: string, origin: RuleOrigin, path: RulePath): Node {
  const tokens = tokenize(text, origin, path);
  let i = 0;
  const fail = (message: string) => ruleError('SigmaInvalidCondition', `${message} in '${text}'`, origin, path);
  const peek = () => tokens[i]?.toLowerCase();
  const orExpr = (): Node => {
    const operands = [andExpr()];
    while (peek() === 'or') {
      i++;
      operands.push(andExpr());
    }
    return operands.length === 1 ? operands[0] : { kind: 'or', operands };
  };
  const andExpr = (): Node => {
    const operands = [notExpr()];
    while (peek() === 'and') {
      i++;
      operands.push(notExpr());
    }
    return operands.length === 1 ? operands[0] : { kind: 'and', operands };
  };
  const notExpr = (): Node => {
    if (peek() === 'not') {
      i++;
      return { kind: 'not', operand: notExpr() };
    }
    return primary();
  };
  const primary = (): Node => {
    const t = tokens[i];
    if (t === undefined) throw fail('unexpected end');
    if (t === '(') {
      i++;
      const inner = orExpr();
      if (tokens[i] !== ')') throw fail("missing ')'");
      i++;
      return inner;
    }
    const lower = t.toLowerCase();
    if ((lower === '1' || lower === 'all' || lower === 'any') && tokens[i + 1]?.toLowerCase() === 'of') {
      const pattern = tokens[i + 2];
      if (pattern === undefined || pattern === '(' || pattern === ')') throw fail(`'${t} of' needs a selection name or 'them'`);
      i += 3;
      return { kind: 'of', quantifier: lower === 'all' ? 'all' : 'one', pattern };
    }
    if (['and', 'or', 'not', 'of', ')'].includes(lower)) throw fail(`unexpected '${t}'`);
    if (/^\d+$/.test(t) && tokens[i + 1]?.toLowerCase() === 'of') throw ruleError('SigmaUnsupportedCondition', `'${t} of' is not supported (only '1 of' and 'all of')`, origin, path);
    i++;
    return { kind: 'ref', name: t };
  };
  const node = orExpr();
  if (i < tokens.length) throw fail(`unexpected '${tokens[i]}'`);
  return node;
}

function globTest(pattern: string): (name: string) => boolean {
  if (!pattern.includes('*')) return (n) => n === pattern;
  const parts = pattern.split('*');
  return (n) => {
    if (!n.startsWith(parts[0]) || !n.endsWith(parts[parts.length - 1])) return false;
    let from = parts[0].length;
    for (const p of parts.slice(1, -1)) {
      const at = n.indexOf(p, from);
      if (at < 0) return false;
      from = at + p.length;
    }
    return from <= n.length - parts[parts.length - 1].length;
  };
}

/**
 * Compiles a condition over named selections (already compiled). Unknown names and globs that match nothing are
 * errors, so a typo cannot silently make a rule never fire.
 */
export function compileCondition(condition: unknown, selections: ReadonlyMap<string, Predicate>, origin: RuleOrigin, path: RulePath): Predicate {
  if (Array.isArray(condition)) {
    if (condition.length === 0) throw ruleError('SigmaInvalidCondition', 'an empty condition list', origin, path);
    const parts = condition.map((c, i) => compileCondition(c, selections, origin, [...path, i]));
    return (ctx) => parts.some((p) => p(ctx));
  }
  if (typeof condition !== 'string' || condition.trim() === '') throw ruleError('SigmaInvalidCondition', 'the condition must be a non-empty string', origin, path);
  const build = (node: Node): Predicate => {
    switch (node.kind) {
      case 'ref': {
        const p = selections.get(node.name);
        if (!p) throw ruleError('SigmaUnknownSelection', `the condition names '${node.name}', which is not a selection (selections: ${[...selections.keys()].join(', ')})`, origin, path);
        return p;
      }
      case 'not': {
        const inner = build(node.operand);
        return (ctx) => !inner(ctx);
      }
      case 'and': {
        const parts = node.operands.map(build);
        return (ctx) => {
          for (const p of parts) if (!p(ctx)) return false;
          return true;
        };
      }
      case 'or': {
        const parts = node.operands.map(build);
        return (ctx) => {
          for (const p of parts) if (p(ctx)) return true;
          return false;
        };
      }
      case 'of': {
        const names = node.pattern.toLowerCase() === 'them' ? [...selections.keys()].filter((n) => !n.startsWith('_')) : [...selections.keys()].filter(globTest(node.pattern));
        if (names.length === 0) throw ruleError('SigmaUnknownSelection', `'${node.pattern}' matches no selection`, origin, path);
        const parts = names.map((n) => selections.get(n)!);
        if (node.quantifier === 'all') {
          return (ctx) => {
            for (const p of parts) if (!p(ctx)) return false;
            return true;
          };
        }
        return (ctx) => {
          for (const p of parts) if (p(ctx)) return true;
          return false;
        };
      }
    }
  };
  return build(parse(condition, origin, path));
}
