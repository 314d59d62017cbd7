/**
 * Sigma detection blocks compiled to closures: a selection is a map (every field condition holds), a list of maps
 * (any of them holds) or a keyword list (any keyword appears in any value of the event). A field condition is
 * `Field|modifier|...: value-or-list`.
 *
 * Supported modifiers: `contains`, `startswith`, `endswith`, `all`, `re` (with `i`, `m`, `s`; through re2js, linear
 * time), `cidr`, `windash`, `exists`, `cased`, `lt`/`lte`/`gt`/`gte`; and, in Palisade's native rules only, `ti`
 * (the value names a threat-intel list). Other Sigma modifiers are refused with `SigmaUnsupportedModifier` and the
 * rule's path, unknown ones with `SigmaUnknownModifier`.
 *
 * Values: strings with `*` / `?` wildcards (case-insensitive unless `cased`), numbers and booleans (compared as text),
 * `null` (the field is absent or empty). A list of values is any-of, or all-of with `all`. A field holding a list
 * (`sourceIPs`, `requestObject.spec.containers[].image`) matches when any element does.
 */
import { RE2JS } from 're2js';
import type { FieldRegistry, MatchContext } from '../fields.js';
import { parseCidr, parseIp, type CidrRange } from '../ip.js';
import type { ThreatIntel } from '../threat-intel.js';
import { ruleError, type RuleOrigin, type RulePath } from './location.js';
import { wildcardTest, type MatchMode, type StringTest } from './wildcard.js';

export type Predicate = (ctx: MatchContext) => boolean;

export interface SelectionEnv {
  registry: FieldRegistry;
  origin: RuleOrigin;
  /** Sigma field name → our field spellings (a logsource's field mapping); identity when absent */
  mapField?: (name: string) => string | readonly string[];
  /** native rules: enables the `ti` modifier */
  threatIntel?: ThreatIntel;
}

const SUPPORTED = new Set(['contains', 'startswith', 'endswith', 'all', 're', 'i', 'm', 's', 'cidr', 'windash', 'exists', 'cased', 'lt', 'lte', 'gt', 'gte', 'ti']);
const UNSUPPORTED = new Set([
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'expand',
  'fieldref',
  'neq',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
]);

type Scalar = string | number | boolean | null;

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Compiles one selection (the value under a selection name). */
export function compileSelection(value: unknown, env: SelectionEnv, path: RulePath): Predicate {
  if (Array.isArray(value)) {
    if (value.length === 0) throw ruleError('SigmaInvalidSelection', 'an empty list matches nothing', env.origin, path);
    if (value.every((v) => isScalar(v) && v !== null)) return compileKeywords(value as Array<string | number | boolean>, env, path);
    const parts = value.map((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        throw ruleError('SigmaInvalidSelection', 'a list must hold only maps or only keywords', env.origin, [...path, i]);
      }
      return compileMap(item as Record<string, unknown>, env, [...path, i]);
    });
    return anyOf(parts);
  }
  if (value !== null && typeof value === 'object') return compileMap(value as Record<string, unknown>, env, path);
  if (typeof value === 'string' || typeof value === 'number') return compileKeywords([value], env, path);
  throw ruleError('SigmaInvalidSelection', 'a selection is a map, a list of maps or a list of keywords', env.origin, path);
}

function anyOf(parts: Predicate[]): Predicate {
  if (parts.length === 1) return parts[0];
  return (ctx) => {
    for (const p of parts) if (p(ctx)) return true;
    return false;
  };
}

function allOf(parts: Predicate[]): Predicate {
  if (parts.length === 1) return parts[0];
  return (ctx) => {
    for (const p of parts) if (!p(ctx)) return false;
    return true;
  };
}

function compileKeywords(keywords: Array<string | number | boolean>, env: SelectionEnv, path: RulePath): Predicate {
  const tests = keywords.map((k) => wildcardTest(String(k), 'contains', false));
  void path;
  void env;
  return (ctx) => {
    for (const v of ctx.everyValueLower()) for (const t of tests) if (t(v)) return true;
    return false;
  };
}

function compileMap(map: Record<string, unknown>, env: SelectionEnv, path: RulePath): Predicate {
  const keys = Object.keys(map);
  if (keys.length === 0) throw ruleError('SigmaInvalidSelection', 'an empty map matches everything; say what to match', env.origin, path);
  return allOf(keys.map((key) => compileFieldCondition(key, map[key], env, [...path, key])));
}

interface Modifiers {
  mode: MatchMode;
  all: boolean;
  re: boolean;
  reFlags: number;
  cidr: boolean;
  windash: boolean;
  exists: boolean;
  cased: boolean;
  compare?: 'lt' | 'lte' | 'gt' | 'gte';
  ti: boolean;
}

function parseModifiers(names: string[], env: SelectionEnv, path: RulePath): Modifiers {
  const m: Modifiers = { mode: 'equals', all: false, re: false, reFlags: 0, cidr: false, windash: false, exists: false, cased: false, ti: false };
  for (const name of names) {
    const n = name.toLowerCase();
    if (UNSUPPORTED.has(n)) throw ruleError('SigmaUnsupportedModifier', `the modifier '${name}' is not supported (supported: ${[...SUPPORTED].filter((s) => s !== 'ti').join(', ')})`, env.origin, path);
    if (!SUPPORTED.has(n)) throw ruleError('SigmaUnknownModifier', `unknown modifier '${name}'`, env.origin, path);
    switch (n) {
      case 'contains':
      case 'startswith':
      case 'endswith':
        if (m.mode !== 'equals') throw ruleError('SigmaInvalidModifiers', `'${name}' combined with '${m.mode}'`, env.origin, path);
        m.mode = n;
        break;
      case 'all':
        m.all = true;
        break;
      case 're':
        m.re = true;
        break;
      case 'i':
        m.reFlags |= RE2JS.CASE_INSENSITIVE;
        break;
      case 'm':
        m.reFlags |= RE2JS.MULTILINE;
        break;
      case 's':
        m.reFlags |= RE2JS.DOTALL;
        break;
      case 'cidr':
        m.cidr = true;
        break;
      case 'windash':
        m.windash = true;
        break;
      case 'exists':
        m.exists = true;
        break;
      case 'cased':
        m.cased = true;
        break;
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte':
        m.compare = n;
        break;
      case 'ti':
        if (!env.threatIntel) throw ruleError('SigmaUnknownModifier', `'ti' is a Palisade extension, available in native detection rules only`, env.origin, path);
        m.ti = true;
        break;
    }
  }
  if (m.reFlags !== 0 && !m.re) throw ruleError('SigmaInvalidModifiers', "'i', 'm' and 's' apply to 're' only", env.origin, path);
  const exclusive = [m.re, m.cidr, m.exists, m.compare !== undefined, m.ti].filter(Boolean).length;
  if (exclusive > 1 || (exclusive === 1 && (m.mode !== 'equals' || m.windash))) {
    throw ruleError('SigmaInvalidModifiers', `the modifiers ${names.join('|')} cannot be combined`, env.origin, path);
  }
  return m;
}

/** The variants `windash` expands a value to: each dash or slash that starts a word as `-`, `/`, en dash, em dash, horizontal bar. */
export function windashVariants(value: string): string[] {
  const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];
  const positions: number[] = [];
  for (let i = 0; i < value.length; i++) if ((value[i] === '-' || value[i] === '/') && (i === 0 || /\s/.test(value[i - 1]))) positions.push(i);
  let out = [value];
  for (const p of positions.slice(0, 4)) {
    const next: string[] = [];
    for (const v of out) for (const d of DASHES) next.push(v.slice(0, p) + d + v.slice(p + 1));
    out = next;
  }
  return [...new Set(out)];
}

function compileFieldCondition(key: string, raw: unknown, env: SelectionEnv, path: RulePath): Predicate {
  const [fieldName, ...modNames] = key.split('|');
  if (fieldName === '') {
    // `|all` keyword lists and the like: a keyword search with modifiers
    throw ruleError('SigmaUnsupportedSelection', 'keyword lists with modifiers are not supported; name the field', env.origin, path);
  }
  const mods = parseModifiers(modNames, env, path);
  const slot = env.registry.slot(env.mapField ? env.mapField(fieldName) : fieldName);
  const values: unknown[] = Array.isArray(raw) ? raw : [raw];
  if (values.length === 0) throw ruleError('SigmaInvalidValue', 'an empty list matches nothing', env.origin, path);
  values.forEach((v, i) => {
    if (!isScalar(v)) throw ruleError('SigmaInvalidValue', 'values are strings, numbers, booleans or null', env.origin, Array.isArray(raw) ? [...path, i] : path);
  });
  const scalars = values as Scalar[];

  if (mods.exists) {
    if (scalars.length !== 1 || typeof scalars[0] !== 'boolean') throw ruleError('SigmaInvalidValue', "'exists' takes true or false", env.origin, path);
    const want = scalars[0];
    return (ctx) => {
      const v = ctx.value(slot);
      return (v !== undefined && v !== null) === want;
    };
  }

  // null: the field is absent or empty (mixed with other values: absent OR one of them)
  const wantsNull = scalars.some((v) => v === null);
  const nonNull = scalars.filter((v): v is string | number | boolean => v !== null);
  const isEmpty: Predicate = (ctx) => {
    const v = ctx.value(slot);
    return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
  };
  if (nonNull.length === 0) return isEmpty;

  let valueTests: Predicate[];
  if (mods.ti) valueTests = nonNull.map((v, i) => tiTest(slot, String(v), env, Array.isArray(raw) ? [...path, i] : path));
  else if (mods.cidr) valueTests = nonNull.map((v, i) => cidrTest(slot, String(v), env, Array.isArray(raw) ? [...path, i] : path));
  else if (mods.re) valueTests = nonNull.map((v, i) => regexTest(slot, String(v), mods.reFlags, env, Array.isArray(raw) ? [...path, i] : path));
  else if (mods.compare) valueTests = nonNull.map((v, i) => compareTest(slot, v, mods.compare!, env, Array.isArray(raw) ? [...path, i] : path));
  else valueTests = nonNull.map((v) => stringTest(slot, String(v), mods));

  const combined = mods.all ? allOf(valueTests) : anyOf(valueTests);
  if (!wantsNull) return combined;
  return (ctx) => isEmpty(ctx) || combined(ctx);
}

function stringTest(slot: number, value: string, mods: Modifiers): Predicate {
  const patterns = mods.windash ? windashVariants(value) : [value];
  const tests: StringTest[] = patterns.map((p) => wildcardTest(p, mods.mode, mods.cased));
  if (mods.cased) {
    return (ctx) => {
      for (const s of ctx.strings(slot)) for (const t of tests) if (t(s)) return true;
      return false;
    };
  }
  if (tests.length === 1) {
    const t = tests[0];
    return (ctx) => {
      const vs = ctx.lower(slot);
      for (let i = 0; i < vs.length; i++) if (t(vs[i])) return true;
      return false;
    };
  }
  return (ctx) => {
    for (const s of ctx.lower(slot)) for (const t of tests) if (t(s)) return true;
    return false;
  };
}

function regexTest(slot: number, source: string, flags: number, env: SelectionEnv, path: RulePath): Predicate {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, flags);
  } catch (e) {
    throw ruleError('SigmaInvalidRegex', `invalid regular expression ${JSON.stringify(source)}: ${(e as Error).message}`, env.origin, path);
  }
  return (ctx) => {
    for (const s of ctx.strings(slot)) if (re.test(s)) return true;
    return false;
  };
}

function cidrTest(slot: number, value: string, env: SelectionEnv, path: RulePath): Predicate {
  const range: CidrRange | undefined = parseCidr(value);
  if (!range) throw ruleError('SigmaInvalidValue', `'${value}' is not a CIDR range`, env.origin, path);
  return (ctx) => {
    for (const s of ctx.strings(slot)) {
      const ip = parseIp(s);
      if (ip && ip.version === range.version && ip.value >= range.first && ip.value <= range.last) return true;
    }
    return false;
  };
}

function compareTest(slot: number, value: string | number | boolean, op: 'lt' | 'lte' | 'gt' | 'gte', env: SelectionEnv, path: RulePath): Predicate {
  const limit = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'boolean' || !Number.isFinite(limit)) throw ruleError('SigmaInvalidValue', `'${op}' takes a number`, env.origin, path);
  const cmp = { lt: (a: number) => a < limit, lte: (a: number) => a <= limit, gt: (a: number) => a > limit, gte: (a: number) => a >= limit }[op];
  return (ctx) => {
    for (const s of ctx.strings(slot)) {
      if (s.trim() === '') continue;
      const n = Number(s);
      if (Number.isFinite(n) && cmp(n)) return true;
    }
    return false;
  };
}

function tiTest(slot: number, listName: string, env: SelectionEnv, path: RulePath): Predicate {
  const ref = env.threatIntel!.ref(listName);
  if (!ref) throw ruleError('UnknownThreatIntelList', `no threat-intel list named '${listName}' (known: ${env.threatIntel!.lists().map((l) => l.name).join(', ')})`, env.origin, path);
  return (ctx) => {
    for (const s of ctx.strings(slot)) if (s !== '' && ref.current.has(s)) return true;
    return false;
  };
}
