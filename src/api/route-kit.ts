/**
 * What every route file shares: the route and context types, the api-versions per resource, path templates and
 * scopes, and the small helpers handlers use (paging with absolute nextLink, query parameters, scope checks, bodies).
 */
import { ResourceId, isWithin } from '../core/index.js';
import { type EstateSubscription, type PolicySession } from '../service/index.js';
import type { Access, TokenClaims } from './auth.js';
import { badRequest, notFound } from './errors.js';
import type { ServerEstate, Topology } from './estate.js';

/** A text request body (`text/plain`, `application/x-ndjson`): telemetry lines. */
export class TextBody {
  constructor(readonly text: string) {}
}

export interface Query {
  get(name: string): string | undefined;
  entries(): Array<[string, string]>;
}

export interface RouteContext {
  params: Record<string, string>;
  query: Query;
  body: unknown;
  estate: ServerEstate;
  claims: TokenClaims;
  /** `http(s)://host:port` as the client addressed us. */
  baseUrl: string;
  /** The normalised path (repeated slashes collapsed). */
  path: string;
  topo: Topology;
  /** Whether the token covers a scope (for filtering tenant-wide lists). */
  covers(scope: string): boolean;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  template: string;
  pattern: RegExp;
  /** Accepted api-versions; `any` = optional/any (metadata), `none` = not used (Palisade extensions). */
  versions: readonly string[] | 'any' | 'none';
  access: Access;
  /** The scope the token must cover; undefined = tenant-wide catalog data (any valid token). */
  scope(params: Record<string, string>): string | undefined;
  /** No token needed (the cloud metadata document). */
  anonymous?: boolean;
  handler(c: RouteContext): Promise<Reply>;
}

// ------------------------------------------------------------------------------------------------ api-versions

export const API_VERSIONS = {
  pricings: ['2022-03-01', '2024-01-01'],
  secureScores: ['2020-01-01'],
  assessments: ['2021-06-01'],
  regulatory: ['2019-01-01-preview'],
  attackPaths: ['2023-11-01-preview'],
  policy: ['2021-06-01', '2025-03-01'],
  exemptions: ['2022-07-01-preview'],
  remediations: ['2021-10-01', '2024-10-01'],
  policyStates: ['2019-10-01', '2024-10-01'],
  subscriptions: ['2016-06-01', '2020-01-01', '2022-12-01'],
  resources: ['2021-04-01'],
} as const;

// ------------------------------------------------------------------------------------------------------ helpers

export function compile(template: string): RegExp {
  let src = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      src += escape(template.slice(i));
      break;
    }
    src += escape(template.slice(i, open));
    const close = template.indexOf('}', open);
    const name = template.slice(open + 1, close);
    src += name.startsWith('+') ? `(?<${name.slice(1)}>/.+?|)` : `(?<${name}>[^/]+)`;
    i = close + 1;
  }
  return new RegExp(`^${src}$`, 'i');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const SUB_SCOPE = (p: Record<string, string>) => `/subscriptions/${p.sub}`;
export const MG_SCOPE = (p: Record<string, string>) => `/providers/Microsoft.Management/managementGroups/${p.mg}`;
export const TENANT = () => undefined;
export const ANY_SCOPE = (p: Record<string, string>) => p.scope || '/';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function requireSub(c: RouteContext, sub: string): EstateSubscription {
  const hit = c.topo.subscriptions.find((s) => s.subscriptionId.toLowerCase() === sub.toLowerCase());
  if (!hit) throw notFound('SubscriptionNotFound', `The subscription '${sub}' could not be found.`, sub);
  return hit;
}

export function requireMg(c: RouteContext, mg: string): string {
  const node = c.topo.tree.managementGroup(mg);
  if (!node) throw notFound('ManagementGroupNotFound', `The management group '${mg}' was not found.`, mg);
  return node.name;
}

export function subsUnderMg(c: RouteContext, mg: string): Set<string> {
  const name = mg.toLowerCase();
  return new Set(
    c.topo.tree
      .subscriptions()
      .filter((s) => c.topo.tree.subscriptionAncestors(s.subscriptionId).some((a) => a.toLowerCase() === name))
      .map((s) => s.subscriptionId.toLowerCase()),
  );
}

export function intParam(c: RouteContext, name: string, min = 1): number | undefined {
  const v = c.query.get(name);
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw badRequest('InvalidQueryParameterValue', `The query parameter '${name}' must be an integer >= ${min} ('${v}' given).`, name);
  return Number(v);
}

/** An ARM page: `$top` (page size, default 100) and `$skipToken` (offset), `nextLink` absolute while more remain. */
export function paged<T>(c: RouteContext, items: readonly T[], pageSize = 100): { value: T[]; nextLink?: string } {
  const size = intParam(c, '$top') ?? pageSize;
  const skip = intParam(c, '$skipToken', 0) ?? 0;
  const value = items.slice(skip, skip + size);
  if (skip + size >= items.length) return { value };
  const parts = c.query
    .entries()
    .filter(([k]) => k.toLowerCase() !== '$skiptoken')
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  parts.push(`$skipToken=${skip + size}`);
  return { value, nextLink: `${c.baseUrl}${c.path}?${parts.join('&')}` };
}

export function expandOf<T extends string>(c: RouteContext, allowed: readonly T[]): T | undefined {
  const v = c.query.get('$expand');
  if (v === undefined || v === '') return undefined;
  const hit = allowed.find((a) => a.toLowerCase() === v.trim().toLowerCase());
  if (!hit) throw badRequest('InvalidExpand', `$expand '${v}' is not supported here. Valid values: ${allowed.join(', ')}.`, '$expand');
  return hit;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });

export function scopeParam(c: RouteContext): ResourceId {
  const raw = c.params.scope;
  const parsed = ResourceId.tryParse(raw);
  if (typeof parsed === 'string' || parsed.kind === 'tenant') throw badRequest('InvalidScope', `'${raw}' is not a valid scope: ${typeof parsed === 'string' ? parsed : 'the tenant root has no policy objects here'}.`, raw);
  return parsed;
}

export async function existingScope(c: RouteContext, session: PolicySession): Promise<ResourceId> {
  const scope = scopeParam(c);
  await session.assertScopeExists(scope.id);
  return scope;
}

/** Assignments / exemptions at a scope with ARM's `$filter` (no filter: at, above and below the scope). */

export function bodyProperties(body: unknown): Record<string, unknown> {
  if (!isRecord(body) || !isRecord(body.properties)) throw badRequest('InvalidRequestContent', 'The request content must be {"properties": {...}}.', 'properties');
  return body.properties;
}

export function optionalString(props: Record<string, unknown>, key: string): string | undefined {
  const v = props[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest('InvalidRequestContent', `properties.${key} must be a string.`, `properties.${key}`);
  return v;
}

export function optionalObject(props: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = props[key];
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw badRequest('InvalidRequestContent', `properties.${key} must be a JSON object.`, `properties.${key}`);
  return v;
}

export const BODY = 'request body';

export type ScoreScope = { kind: 'subscription'; subscriptionId: string; id: string } | { kind: 'managementGroup'; name: string; id: string };

export function scoreScope(c: RouteContext): ScoreScope {
  if (c.params.mg !== undefined) {
    const name = requireMg(c, c.params.mg);
    return { kind: 'managementGroup', name, id: `/providers/Microsoft.Management/managementGroups/${name}` };
  }
  const sub = requireSub(c, c.params.sub);
  return { kind: 'subscription', subscriptionId: sub.subscriptionId, id: `/subscriptions/${sub.subscriptionId}` };
}

export function r(method: Route['method'], template: string, versions: Route['versions'], access: Access, scope: Route['scope'], handler: Route['handler'], extra: Partial<Route> = {}): Route {
  return { method, template, pattern: compile(template), versions, access, scope, handler, ...extra };
}

export const SEC = '/providers/Microsoft.Security';
export const SUB = '/subscriptions/{sub}';
export const MG = '/providers/Microsoft.Management/managementGroups/{mg}';
export const AUTHZ = '/providers/Microsoft.Authorization';

/** A scope that is not a valid resource id → false (the route answers 400/404 itself). */
export function safeWithin(scope: string, id: string, tree: Topology['tree']): boolean {
  try {
    return isWithin(scope, id, tree);
  } catch {
    return false;
  }
}
