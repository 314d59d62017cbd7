/**
 * Keys of stateful detectors: `groupBy: [resourceId, callerIp]`, first-seen `value: [principal, 'userAgent|userAgentProduct']`.
 * Each part is a field (a Sigma name mapped to ours where the rule is Sigma) with an optional transform. A part that
 * is absent makes no key: the event is not counted for that detector.
 */
import type { FieldRegistry, MatchContext } from './fields.js';
import { ruleError, type RuleOrigin, type RulePath } from './rules/location.js';
import { TRANSFORMS, type Transform } from './transforms.js';

interface KeyPart {
  slot: number;
  transform?: Transform;
}

export interface KeyEnv {
  registry: FieldRegistry;
  origin: RuleOrigin;
  mapField?: (name: string) => string | readonly string[];
}

const SEP = '\u0001';

function compileParts(specs: unknown, env: KeyEnv, path: RulePath): KeyPart[] {
  const list = typeof specs === 'string' ? [specs] : specs;
  if (!Array.isArray(list) || list.length === 0 || list.some((s) => typeof s !== 'string' || s === '')) {
    throw ruleError('DetectionInvalidKey', 'a key is a field name or a non-empty list of field names', env.origin, path);
  }
  return (list as string[]).map((spec, i) => {
    const [field, transformName, ...extra] = spec.split('|');
    if (extra.length > 0) throw ruleError('DetectionInvalidKey', `'${spec}': one transform per field`, env.origin, [...path, i]);
    let transform: Transform | undefined;
    if (transformName !== undefined) {
      transform = TRANSFORMS[transformName];
      if (!transform || !Object.hasOwn(TRANSFORMS, transformName)) {
        throw ruleError('DetectionUnknownTransform', `unknown transform '${transformName}' (known: ${Object.keys(TRANSFORMS).join(', ')})`, env.origin, [...path, i]);
      }
    }
    return { slot: env.registry.slot(env.mapField ? env.mapField(field) : field), transform };
  });
}

function partValues(part: KeyPart, ctx: MatchContext): readonly string[] {
  const raw = ctx.strings(part.slot);
  if (!part.transform) return raw.length > 0 && raw[0] !== '' ? [raw[0]] : [];
  const out: string[] = [];
  for (const s of raw.length > 1 ? raw : raw.slice(0, 1)) {
    const t = part.transform(s);
    if (t === undefined) continue;
    if (typeof t === 'string') {
      if (t !== '') out.push(t);
    } else for (const x of t) if (x !== '') out.push(x);
  }
  return raw.length > 1 ? [...new Set(out)] : out;
}

/** One key per event (the first value of each part), or undefined when a part is missing. */
export function compileKey(specs: unknown, env: KeyEnv, path: RulePath): (ctx: MatchContext) => string | undefined {
  const parts = compileParts(specs, env, path);
  if (parts.length === 1 && !parts[0].transform) {
    const slot = parts[0].slot;
    return (ctx) => {
      const v = ctx.strings(slot);
      return v.length > 0 && v[0] !== '' ? v[0] : undefined;
    };
  }
  return (ctx) => {
    let key = '';
    for (let i = 0; i < parts.length; i++) {
      const v = partValues(parts[i], ctx);
      if (v.length === 0) return undefined;
      key = i === 0 ? v[0] : `${key}${SEP}${v[0]}`;
    }
    return key;
  };
}

/** Every combination of the parts' values (a transform such as `urlQueryNames` yields several). */
export function compileValues(specs: unknown, env: KeyEnv, path: RulePath): (ctx: MatchContext) => string[] {
  const parts = compileParts(specs, env, path);
  return (ctx) => {
    let keys: string[] = [''];
    for (let i = 0; i < parts.length; i++) {
      const v = partValues(parts[i], ctx);
      if (v.length === 0) return [];
      const next: string[] = [];
      for (const k of keys) for (const x of v.slice(0, 64)) next.push(i === 0 ? x : `${k}${SEP}${x}`);
      keys = next;
    }
    return keys;
  };
}

/** A key as people read it: parts joined with ` / `. */
export function displayKey(key: string): string {
  return key.split(SEP).join(' / ');
}
