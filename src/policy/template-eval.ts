/**
 * A small evaluator for ARM template expressions outside a policy rule: initiative reference parameters
 * (`[parameters('effect-x')]` over the initiative's parameters), Modify operation conditions, and the templates that
 * DeployIfNotExists deploys (`parameters()`, `variables()`, `resourceGroup()`, `subscription()`, `resourceId()` ...).
 * Pure functions come from the policy function table; the context functions are answered from `TemplateEnv`.
 */
import { isExpression, parseStringValue, type Expr } from './expression-parser.js';
import { lookupFunction } from './functions/index.js';

export interface TemplateEnv {
  /** Parameter values by name (case-insensitive). */
  parameters?: ReadonlyMap<string, unknown> | Record<string, unknown>;
  /** Template variables (evaluated on first use). */
  variables?: Record<string, unknown>;
  resourceGroup?: unknown;
  subscription?: unknown;
  /** `field('x')` in a context where it means something (not in templates). */
  field?: (name: string) => unknown;
  requestContext?: unknown;
  policy?: unknown;
  now?: Date;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

function lowerMap(source: TemplateEnv['parameters']): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (source === undefined) return out;
  const entries = source instanceof Map ? [...source.entries()] : Object.entries(source);
  for (const [k, v] of entries) out.set(k.toLowerCase(), v);
  return out;
}

/** Evaluates every template expression inside a JSON value (strings `[...]`, recursively in arrays and objects). */
export function evaluateTemplateValue(value: unknown, env: TemplateEnv): unknown {
  const ctx = new Ctx(env);
  return ctx.value(value, 0);
}

/** True when the JSON value contains at least one template expression. */
export function hasExpression(value: unknown): boolean {
  if (typeof value === 'string') return isExpression(value);
  if (Array.isArray(value)) return value.some(hasExpression);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasExpression);
  return false;
}

const MAX_DEPTH = 64;

class Ctx {
  private readonly params: Map<string, unknown>;
  private readonly vars = new Map<string, unknown>();
  private readonly varSource: Map<string, unknown>;
  private readonly evaluating = new Set<string>();

  constructor(private readonly env: TemplateEnv) {
    this.params = lowerMap(env.parameters);
    this.varSource = lowerMap(env.variables);
  }

  value(v: unknown, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new TemplateError('value nests too deeply');
    if (typeof v === 'string') {
      if (!v.startsWith('[')) return v;
      let expr: Expr;
      try {
        expr = parseStringValue(v);
      } catch (e) {
        throw new TemplateError(`invalid template expression '${v}': ${(e as Error).message}`);
      }
      return this.expr(expr, 0);
    }
    if (Array.isArray(v)) return v.map((x) => this.value(x, depth + 1));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
        out[k] = this.value(x, depth + 1);
      }
      return out;
    }
    return v;
  }

  expr(e: Expr, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new TemplateError('expression nests too deeply');
    switch (e.k) {
      case 'lit':
        return e.v;
      case 'prop': {
        const t = this.expr(e.target, depth + 1);
        if (t === null || t === undefined) return undefined;
        if (typeof t !== 'object' || Array.isArray(t)) throw new TemplateError(`cannot read '${e.name}' of a non-object`);
        return getCI(t as Record<string, unknown>, e.name);
      }
      case 'index': {
        const t = this.expr(e.target, depth + 1);
        const i = this.expr(e.index, depth + 1);
        if (Array.isArray(t) && typeof i === 'number') return t[i];
        if (t !== null && typeof t === 'object' && typeof i === 'string') return getCI(t as Record<string, unknown>, i);
        return undefined;
      }
      case 'call':
        return this.call(e, depth);
    }
  }

  private call(e: Extract<Expr, { k: 'call' }>, depth: number): unknown {
    const name = e.lower;
    const arg = (i: number) => this.expr(e.args[i], depth + 1);
    switch (name) {
      case 'parameters': {
        const key = String(arg(0)).toLowerCase();
        if (!this.params.has(key)) throw new TemplateError(`parameter '${String(arg(0))}' has no value`);
        return this.params.get(key);
      }
      case 'variables': {
        const key = String(arg(0)).toLowerCase();
        if (this.vars.has(key)) return this.vars.get(key);
        if (!this.varSource.has(key)) throw new TemplateError(`variable '${String(arg(0))}' is not defined`);
        if (this.evaluating.has(key)) throw new TemplateError(`variable '${key}' refers to itself`);
        this.evaluating.add(key);
        const v = this.value(this.varSource.get(key), depth + 1);
        this.evaluating.delete(key);
        this.vars.set(key, v);
        return v;
      }
      case 'field':
        if (!this.env.field) throw new TemplateError('field() is not available here');
        return this.env.field(String(arg(0)));
      case 'resourcegroup':
        return this.need(this.env.resourceGroup, 'resourceGroup');
      case 'subscription':
        return this.need(this.env.subscription, 'subscription');
      case 'requestcontext':
        return this.need(this.env.requestContext, 'requestContext');
      case 'policy':
        return this.need(this.env.policy, 'policy');
      case 'if': {
        const c = arg(0);
        return c === true ? arg(1) : arg(2);
      }
      case 'resourceid':
        return resourceIdFn(e.args.map((_, i) => arg(i)), this.env, 'resource');
      case 'subscriptionresourceid':
        return resourceIdFn(e.args.map((_, i) => arg(i)), this.env, 'subscription');
      case 'tenantresourceid':
        return resourceIdFn(e.args.map((_, i) => arg(i)), this.env, 'tenant');
      case 'extensionresourceid': {
        const args = e.args.map((_, i) => String(arg(i)));
        const [scope, type, ...names] = args;
        return `${scope}/providers/${joinTypeAndNames(type, names)}`;
      }
      case 'uniquestring': {
        const text = e.args.map((_, i) => String(arg(i))).join('-');
        return uniqueString(text);
      }
      default: {
        const fn = lookupFunction(name);
        if (!fn) throw new TemplateError(`'${e.name}' is not a supported template function`);
        const values = e.args.map((_, i) => arg(i));
        const now = this.env.now ?? new Date(0);
        return fn.call(values, { now: () => now });
      }
    }
  }

  private need(v: unknown, name: string): unknown {
    if (v === undefined) throw new TemplateError(`${name}() is not available here`);
    return v;
  }
}

function getCI(o: Record<string, unknown>, key: string): unknown {
  if (Object.prototype.hasOwnProperty.call(o, key)) return o[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

function joinTypeAndNames(type: string, names: string[]): string {
  const [ns, ...types] = type.split('/');
  let out = ns;
  types.forEach((t, i) => {
    out += `/${t}/${names[i] ?? ''}`;
  });
  return out;
}

function resourceIdFn(args: unknown[], env: TemplateEnv, level: 'resource' | 'subscription' | 'tenant'): string {
  const strings = args.map(String);
  const typeIndex = strings.findIndex((s) => s.includes('/') && !s.startsWith('/'));
  if (typeIndex < 0) throw new TemplateError('resourceId() needs a resource type');
  const prefix = strings.slice(0, typeIndex);
  const type = strings[typeIndex];
  const names = strings.slice(typeIndex + 1);
  const sub = (env.subscription as { subscriptionId?: string } | undefined)?.subscriptionId;
  const rg = (env.resourceGroup as { name?: string } | undefined)?.name;
  let scope = '';
  if (level === 'resource') {
    const subId = prefix.length >= 2 ? prefix[0] : sub;
    const rgName = prefix.length >= 2 ? prefix[1] : prefix.length === 1 ? prefix[0] : rg;
    scope = rgName === undefined ? `/subscriptions/${subId}` : `/subscriptions/${subId}/resourceGroups/${rgName}`;
  } else if (level === 'subscription') {
    scope = `/subscriptions/${prefix[0] ?? sub}`;
  }
  return `${scope}/providers/${joinTypeAndNames(type, names)}`;
}

/** A deterministic 13-character base-32 string (ARM's uniqueString is a 64-bit murmur hash; this is FNV-1a based). */
function uniqueString(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x85ebca6b) >>> 0;
  }
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  let bits = BigInt(h1) * 4294967296n + BigInt(h2);
  for (let i = 0; i < 13; i++) {
    out += alphabet[Number(bits & 31n)];
    bits >>= 5n;
  }
  return out;
}
