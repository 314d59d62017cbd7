/**
 * Automation rules: `{propertyJPath, propertyType, expectedValue, operator}` evaluated over the REST shape of a record
 * (the `Microsoft.Security/...` resource as the API returns it). A source's rule sets are ORed, the rules of a set
 * ANDed; a source without rule sets matches every record.
 *
 *   propertyJPath   dotted path from the resource root: `properties.metadata.severity`, `properties.status.code`,
 *                   with `[n]` for array items and `['odd key']` for other keys; a leading `$.` is allowed.
 *   propertyType    String | Integer | Number | Boolean: both sides are read as that type.
 *   operator        Equals, NotEquals (all types); GreaterThan, GreaterThanOrEqualTo, LesserThan,
 *                   LesserThanOrEqualTo (Integer, Number); Contains, StartsWith, EndsWith (String).
 *                   Strings compare case-insensitively, as the REST contract says.
 *
 * A property the record lacks (or that does not read as the type) matches only NotEquals.
 */

export const RULE_OPERATORS = ['Equals', 'GreaterThan', 'GreaterThanOrEqualTo', 'LesserThan', 'LesserThanOrEqualTo', 'NotEquals', 'Contains', 'StartsWith', 'EndsWith'] as const;
export type RuleOperator = (typeof RULE_OPERATORS)[number];

export const PROPERTY_TYPES = ['String', 'Integer', 'Number', 'Boolean'] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

export interface AutomationRule {
  propertyJPath: string;
  propertyType: PropertyType;
  expectedValue: string;
  operator: RuleOperator;
}

export interface AutomationRuleSet {
  rules: AutomationRule[];
}

const NUMERIC_ONLY: ReadonlySet<RuleOperator> = new Set(['GreaterThan', 'GreaterThanOrEqualTo', 'LesserThan', 'LesserThanOrEqualTo']);
const STRING_ONLY: ReadonlySet<RuleOperator> = new Set(['Contains', 'StartsWith', 'EndsWith']);

/** Whether an operator applies to a type (the swagger's "applies only for decimal / non-decimal operands"). */
export function operatorApplies(operator: RuleOperator, type: PropertyType): boolean {
  if (NUMERIC_ONLY.has(operator)) return type === 'Integer' || type === 'Number';
  if (STRING_ONLY.has(operator)) return type === 'String';
  return true;
}

/** The path's segments, or the reason it is not a path. */
export function parsePropertyPath(path: string): Array<string | number> | string {
  if (typeof path !== 'string' || path.trim() === '') return 'the path is empty';
  let s = path.trim();
  if (s.startsWith('$.')) s = s.slice(2);
  else if (s.startsWith('$[')) s = s.slice(1);
  const out: Array<string | number> = [];
  let i = 0;
  let expectName = true;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '[') {
      const close = s.indexOf(']', i);
      if (close < 0) return `unclosed "[" at character ${i + 1}`;
      const inner = s.slice(i + 1, close).trim();
      const quoted = /^(['"])(.*)\1$/.exec(inner);
      if (quoted) out.push(quoted[2]!);
      else if (/^\d+$/.test(inner)) out.push(Number(inner));
      else return `"[${inner}]" is neither an index nor a quoted key`;
      i = close + 1;
      expectName = false;
    } else if (c === '.') {
      if (expectName) return `empty segment at character ${i + 1}`;
      i += 1;
      expectName = true;
    } else {
      if (!expectName) return `"." or "[" expected at character ${i + 1}`;
      const m = /^[A-Za-z0-9_$@-]+/.exec(s.slice(i));
      if (!m) return `unexpected "${c}" at character ${i + 1}`;
      out.push(m[0]);
      i += m[0].length;
      expectName = false;
    }
  }
  if (expectName) return 'the path ends with "."';
  return out;
}

function valueAt(root: unknown, segments: ReadonlyArray<string | number>): unknown {
  let v: unknown = root;
  for (const seg of segments) {
    if (v === null || typeof v !== 'object') return undefined;
    if (typeof seg === 'number') {
      if (!Array.isArray(v)) return undefined;
      v = v[seg];
    } else {
      if (!Object.prototype.hasOwnProperty.call(v, seg)) {
        // JSON property names are matched case-insensitively when no exact key exists.
        const key = Object.keys(v).find((k) => k.toLowerCase() === seg.toLowerCase());
        if (key === undefined) return undefined;
        v = (v as Record<string, unknown>)[key];
      } else v = (v as Record<string, unknown>)[seg];
    }
  }
  return v;
}

/** Reads a value as the rule's type; undefined when it does not read as one. */
export function readAs(type: PropertyType, value: unknown): string | number | boolean | undefined {
  if (value === undefined || value === null) return undefined;
  switch (type) {
    case 'String':
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'Integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value) ? Number(value) : NaN;
      return Number.isInteger(n) ? n : undefined;
    }
    case 'Number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? n : undefined;
    }
    case 'Boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
      return undefined;
  }
}

/** A rule compiled once: record → matches. */
export type CompiledRule = (record: unknown) => boolean;

/** Compiles a rule that passed validation (validateAutomation checks paths, types, operators and values). */
export function compileRule(rule: AutomationRule): CompiledRule {
  const segments = parsePropertyPath(rule.propertyJPath);
  const expected = readAs(rule.propertyType, rule.expectedValue);
  if (typeof segments === 'string' || expected === undefined) return () => false;
  const op = rule.operator;
  return (record) => {
    const actual = readAs(rule.propertyType, valueAt(record, segments));
    if (actual === undefined) return op === 'NotEquals';
    if (typeof actual === 'string') {
      const a = actual.toLowerCase();
      const e = String(expected).toLowerCase();
      switch (op) {
        case 'Equals':
          return a === e;
        case 'NotEquals':
          return a !== e;
        case 'Contains':
          return a.includes(e);
        case 'StartsWith':
          return a.startsWith(e);
        case 'EndsWith':
          return a.endsWith(e);
        default:
          return false;
      }
    }
    switch (op) {
      case 'Equals':
        return actual === expected;
      case 'NotEquals':
        return actual !== expected;
      case 'GreaterThan':
        return (actual as number) > (expected as number);
      case 'GreaterThanOrEqualTo':
        return (actual as number) >= (expected as number);
      case 'LesserThan':
        return (actual as number) < (expected as number);
      case 'LesserThanOrEqualTo':
        return (actual as number) <= (expected as number);
      default:
        return false;
    }
  };
}

/** Rule sets → one predicate: no rule set (or only empty ones) matches everything; sets are ORed, rules ANDed. */
export function compileRuleSets(ruleSets: readonly AutomationRuleSet[] | undefined): CompiledRule {
  const sets = (ruleSets ?? []).map((s) => (s.rules ?? []).map(compileRule)).filter((s) => s.length > 0);
  if (sets.length === 0) return () => true;
  return (record) => sets.some((rules) => rules.every((r) => r(record)));
}
