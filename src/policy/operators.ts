/**
 * Condition operators with Azure's case and type rules: strings compare with Unicode case folding, `"443"` equals
 * `443`, `"true"` equals `true`, a missing value behaves as null. Each operator compiles its right-hand side once
 * (folded strings, membership sets, matchers) when it is a constant.
 */
import { EvaluationError } from './errors.js';
import { compileLike, compileMatch } from './match.js';
import { booleanString, fold, foldEquals, hasKeyInsensitive, isObject, numericString, ownEntries, typeOf } from './value.js';
import { parseDateTime } from './functions/dates.js';

export const OPERATORS = [
  'equals',
  'notEquals',
  'like',
  'notLike',
  'match',
  'notMatch',
  'matchInsensitively',
  'notMatchInsensitively',
  'contains',
  'notContains',
  'in',
  'notIn',
  'containsKey',
  'notContainsKey',
  'less',
  'lessOrEquals',
  'greater',
  'greaterOrEquals',
  'exists',
] as const;

export type OperatorName = (typeof OPERATORS)[number];

const BY_LOWER = new Map<string, OperatorName>(OPERATORS.map((o) => [o.toLowerCase(), o]));

export function operatorByName(name: string): OperatorName | undefined {
  return BY_LOWER.get(name.toLowerCase());
}

/** Policy equality: folded strings, numeric and boolean coercion of strings, structural for arrays/objects. */
export function policyEquals(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === b) return true;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'string' && tb === 'string') return foldEquals(a as string, fold(b as string));
  if (ta === 'string') return coerceEquals(a as string, b);
  if (tb === 'string') return coerceEquals(b as string, a);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!policyEquals(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a) && isObject(b)) {
    const ea = ownEntries(a);
    const eb = ownEntries(b);
    if (ea.length !== eb.length) return false;
    for (const [k, v] of ea) {
      const match = eb.find(([kb]) => fold(kb) === fold(k));
      if (!match || !policyEquals(v, match[1])) return false;
    }
    return true;
  }
  return false;
}

function coerceEquals(s: string, other: unknown): boolean {
  if (typeof other === 'number') {
    const n = numericString(s);
    return n !== undefined && n === other;
  }
  if (typeof other === 'boolean') return booleanString(s) === other;
  return false;
}

/** Prepared right-hand side of `equals`: a folded string compares without re-folding the constant. */
function equalsTo(rhs: unknown): (lhs: unknown) => boolean {
  if (typeof rhs === 'string') {
    const f = fold(rhs);
    return (lhs) => (typeof lhs === 'string' ? lhs === rhs || foldEquals(lhs, f) : policyEquals(lhs, rhs));
  }
  return (lhs) => policyEquals(lhs, rhs);
}

function containsValue(lhs: unknown, rhs: unknown): boolean {
  if (typeof lhs === 'string') {
    if (typeof rhs === 'string') return fold(lhs).includes(fold(rhs));
    if (typeof rhs === 'number' || typeof rhs === 'boolean') return fold(lhs).includes(String(rhs).toLowerCase());
    return false;
  }
  if (Array.isArray(lhs)) return lhs.some((x) => policyEquals(x, rhs));
  if (isObject(lhs)) return typeof rhs === 'string' && hasKeyInsensitive(lhs, rhs);
  return false;
}

function inList(lhs: unknown, rhs: unknown): boolean {
  if (!Array.isArray(rhs)) throw new EvaluationError('TypeMismatch', `'in' expects an array, got ${typeOf(rhs)}`);
  if (lhs === undefined) return false;
  for (const x of rhs) if (policyEquals(lhs, x)) return true;
  return false;
}

/** A membership test prepared for a constant array of scalars. */
function prepareIn(rhs: unknown): ((lhs: unknown) => boolean) | undefined {
  if (!Array.isArray(rhs)) return undefined;
  if (!rhs.every((x) => typeof x === 'string')) return undefined;
  const set = new Set((rhs as string[]).map(fold));
  return (lhs) => {
    if (lhs === undefined) return false;
    if (typeof lhs === 'string') return set.has(fold(lhs));
    return inList(lhs, rhs);
  };
}

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;

/** Ordering for less/greater: numbers, numeric strings, ISO dates, then folded ordinal strings. */
export function policyCompare(a: unknown, b: unknown): number | undefined {
  if (a === undefined || a === null || b === undefined || b === null) return undefined;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number' && typeof b === 'string') {
    const n = numericString(b);
    return n === undefined ? undefined : a - n;
  }
  if (typeof a === 'string' && typeof b === 'number') {
    const n = numericString(a);
    return n === undefined ? undefined : n - b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    if (DATE_LIKE.test(a) && DATE_LIKE.test(b)) {
      const da = parseDateTime(a);
      const db = parseDateTime(b);
      if (da && db) return da.ms - db.ms;
    }
    const fa = fold(a);
    const fb = fold(b);
    return fa < fb ? -1 : fa > fb ? 1 : 0;
  }
  return undefined;
}

/**
 * `policyCompare(lhs, rhs)` with a constant right-hand side analysed once (number, date, folded string). The last
 * left-hand side and its result are remembered: rules compare `requestContext().apiVersion` over and over.
 */
function prepareCompare(b: unknown): (a: unknown) => number | undefined {
  if (typeof b !== 'string') return (a) => policyCompare(a, b);
  const bNum = numericString(b);
  const bDate = DATE_LIKE.test(b) ? parseDateTime(b) : undefined;
  const bFold = fold(b);
  let lastA: unknown = prepareCompare;
  let lastC: number | undefined;
  return (a) => {
    if (a === lastA) return lastC;
    let c: number | undefined;
    if (typeof a === 'number') c = bNum === undefined ? undefined : a - bNum;
    else if (typeof a === 'string') {
      const da = bDate !== undefined && DATE_LIKE.test(a) ? parseDateTime(a) : undefined;
      if (da !== undefined && bDate !== undefined) c = da.ms - bDate.ms;
      else {
        const fa = fold(a);
        c = fa < bFold ? -1 : fa > bFold ? 1 : 0;
      }
    } else c = undefined;
    lastA = a;
    lastC = c;
    return c;
  };
}

function existsValue(rhs: unknown): boolean | undefined {
  if (typeof rhs === 'boolean') return rhs;
  if (typeof rhs === 'string') return booleanString(rhs);
  return undefined;
}

export type Test = (lhs: unknown, rhs: unknown) => boolean;

/** The generic (dynamic right-hand side) test of an operator. */
export function dynamicTest(op: OperatorName): Test {
  switch (op) {
    case 'equals':
      return (l, r) => policyEquals(l, r);
    case 'notEquals':
      return (l, r) => !policyEquals(l, r);
    case 'like':
      return (l, r) => typeof l === 'string' && typeof r === 'string' && compileLike(r)(l);
    case 'notLike':
      return (l, r) => !(typeof l === 'string' && typeof r === 'string' && compileLike(r)(l));
    case 'match':
      return (l, r) => typeof l === 'string' && typeof r === 'string' && compileMatch(r, false)(l);
    case 'notMatch':
      return (l, r) => !(typeof l === 'string' && typeof r === 'string' && compileMatch(r, false)(l));
    case 'matchInsensitively':
      return (l, r) => typeof l === 'string' && typeof r === 'string' && compileMatch(r, true)(l);
    case 'notMatchInsensitively':
      return (l, r) => !(typeof l === 'string' && typeof r === 'string' && compileMatch(r, true)(l));
    case 'contains':
      return (l, r) => containsValue(l, r);
    case 'notContains':
      return (l, r) => !containsValue(l, r);
    case 'in':
      return (l, r) => inList(l, r);
    case 'notIn':
      return (l, r) => !inList(l, r);
    case 'containsKey':
      return (l, r) => typeof r === 'string' && hasKeyInsensitive(l, r);
    case 'notContainsKey':
      return (l, r) => !(typeof r === 'string' && hasKeyInsensitive(l, r));
    case 'less':
      return (l, r) => cmp(l, r, (c) => c < 0);
    case 'lessOrEquals':
      return (l, r) => cmp(l, r, (c) => c <= 0);
    case 'greater':
      return (l, r) => cmp(l, r, (c) => c > 0);
    case 'greaterOrEquals':
      return (l, r) => cmp(l, r, (c) => c >= 0);
    case 'exists':
      return (l, r) => {
        const want = existsValue(r);
        if (want === undefined) throw new EvaluationError('TypeMismatch', `'exists' expects true or false, got ${typeOf(r)}`);
        return (l !== undefined && l !== null) === want;
      };
  }
}

function cmp(l: unknown, r: unknown, ok: (c: number) => boolean): boolean {
  const c = policyCompare(l, r);
  return c !== undefined && ok(c);
}

/** A test specialised for a constant right-hand side. */
export function constantTest(op: OperatorName, rhs: unknown): (lhs: unknown) => boolean {
  switch (op) {
    case 'equals':
      return equalsTo(rhs);
    case 'notEquals': {
      const eq = equalsTo(rhs);
      return (l) => !eq(l);
    }
    case 'like':
    case 'notLike': {
      if (typeof rhs !== 'string') return op === 'like' ? () => false : () => true;
      const m = compileLike(rhs);
      return op === 'like' ? (l) => typeof l === 'string' && m(l) : (l) => !(typeof l === 'string' && m(l));
    }
    case 'match':
    case 'notMatch':
    case 'matchInsensitively':
    case 'notMatchInsensitively': {
      const positive = op === 'match' || op === 'matchInsensitively';
      if (typeof rhs !== 'string') return () => !positive;
      const m = compileMatch(rhs, op === 'matchInsensitively' || op === 'notMatchInsensitively');
      return positive ? (l) => typeof l === 'string' && m(l) : (l) => !(typeof l === 'string' && m(l));
    }
    case 'in':
    case 'notIn': {
      const prepared = prepareIn(rhs);
      if (prepared) return op === 'in' ? prepared : (l) => !prepared(l);
      break;
    }
    case 'exists': {
      const want = existsValue(rhs);
      if (want !== undefined) return want ? (l) => l !== undefined && l !== null : (l) => l === undefined || l === null;
      break;
    }
    case 'contains':
    case 'notContains': {
      if (typeof rhs !== 'string') break;
      const f = fold(rhs);
      const has = (l: unknown) => (typeof l === 'string' ? fold(l).includes(f) : containsValue(l, rhs));
      return op === 'contains' ? has : (l) => !has(l);
    }
    case 'less':
    case 'lessOrEquals':
    case 'greater':
    case 'greaterOrEquals': {
      const c = prepareCompare(rhs);
      switch (op) {
        case 'less':
          return (l) => {
            const x = c(l);
            return x !== undefined && x < 0;
          };
        case 'lessOrEquals':
          return (l) => {
            const x = c(l);
            return x !== undefined && x <= 0;
          };
        case 'greater':
          return (l) => {
            const x = c(l);
            return x !== undefined && x > 0;
          };
        default:
          return (l) => {
            const x = c(l);
            return x !== undefined && x >= 0;
          };
      }
    }
    default:
      break;
  }
  const t = dynamicTest(op);
  return (l) => t(l, rhs);
}
