/**
 * The route table: ARM paths (matched case-insensitively on the path with repeated `/` collapsed), the api-versions
 * each accepts, what it does for the role check (read / securityWrite / write), the scope the token must cover, and
 * the handler. Handlers answer the same values the CLI prints (the CLI's list output `{value}` is the ARM page).
 */
import { PalisadeError, ResourceId, canonicalKey, isWithin, type ArgRow } from '../core/index.js';
import { canonicalPolicyType, loadCatalog, type PolicyResource } from '../catalog/index.js';
import { toGenericResource } from '../estate/index.js';
import { toArmAttackPath } from '../graph/index.js';
import { summarizeStates } from '../policy/index.js';
import {
  ASC_SCORE,
  applyPricingUpdate,
  computeSubscriptionScore,
  roundTo,
  subscriptionPricings,
  toArmAggregateSecureScore,
  toArmAssessment,
  toArmAssessmentMetadata,
  toArmComplianceAssessment,
  toArmComplianceControl,
  toArmComplianceStandard,
  toArmControlDefinition,
  toArmPricing,
  toArmSecureScore,
  toArmSecureScoreControl,
  validatePricingUpdate,
  type ControlScore,
  type PricingExtension,
  priorityView,
} from '../posture/index.js';
import {
  ASSIGNMENT_TYPE,
  EXEMPTION_TYPE,
  catalogDir,
  clockFrom,
  flattenPolicyRow,
  pricingRows,
  patchPolicyAssignment,
  patchPolicyExemption,
  putPolicyAssignment,
  putPolicyExemption,
  REMEDIATIONS_COLLECTION,
  runRemediation,
  storedRemediations,
  type StoredRemediation,
  writePricingRow,
  checkPolicyName,
  customAssessmentsOf,
  customMetadataOf,
  deleteCustomAssessment,
  deleteCustomMetadata,
  getCustomAssessment,
  getCustomMetadata,
  putCustomAssessment,
  putCustomMetadata,
  toArmCustomAssessment,
  toArmCustomMetadata,
  type CustomAssessment,
  type CustomMetadata,
  customPolicyScope,
  definitionProperties,
  saveCustomPolicy,
  setDefinitionProperties,
  type EstateSubscription,
  type PolicyTarget,
  type PolicyRow,
  type PolicySession,
} from '../service/index.js';
import type { Access, TokenClaims } from './auth.js';
import { ApiError, badRequest, notFound } from './errors.js';
import type { Evaluated, ServerEstate, Topology } from './estate.js';

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

function compile(template: string): RegExp {
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

const SUB_SCOPE = (p: Record<string, string>) => `/subscriptions/${p.sub}`;
const MG_SCOPE = (p: Record<string, string>) => `/providers/Microsoft.Management/managementGroups/${p.mg}`;
const TENANT = () => undefined;
const ANY_SCOPE = (p: Record<string, string>) => p.scope || '/';

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function requireSub(c: RouteContext, sub: string): EstateSubscription {
  const hit = c.topo.subscriptions.find((s) => s.subscriptionId.toLowerCase() === sub.toLowerCase());
  if (!hit) throw notFound('SubscriptionNotFound', `The subscription '${sub}' could not be found.`, sub);
  return hit;
}

function requireMg(c: RouteContext, mg: string): string {
  const node = c.topo.tree.managementGroup(mg);
  if (!node) throw notFound('ManagementGroupNotFound', `The management group '${mg}' was not found.`, mg);
  return node.name;
}

function subsUnderMg(c: RouteContext, mg: string): Set<string> {
  const name = mg.toLowerCase();
  return new Set(
    c.topo.tree
      .subscriptions()
      .filter((s) => c.topo.tree.subscriptionAncestors(s.subscriptionId).some((a) => a.toLowerCase() === name))
      .map((s) => s.subscriptionId.toLowerCase()),
  );
}

function intParam(c: RouteContext, name: string, min = 1): number | undefined {
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

function expandOf<T extends string>(c: RouteContext, allowed: readonly T[]): T | undefined {
  const v = c.query.get('$expand');
  if (v === undefined || v === '') return undefined;
  const hit = allowed.find((a) => a.toLowerCase() === v.trim().toLowerCase());
  if (!hit) throw badRequest('InvalidExpand', `$expand '${v}' is not supported here. Valid values: ${allowed.join(', ')}.`, '$expand');
  return hit;
}

const ok = (body: unknown): Reply => ({ status: 200, body });

// ------------------------------------------------------------------------------------------------- security

type ScoreScope = { kind: 'subscription'; subscriptionId: string; id: string } | { kind: 'managementGroup'; name: string; id: string };

function scoreScope(c: RouteContext): ScoreScope {
  if (c.params.mg !== undefined) {
    const name = requireMg(c, c.params.mg);
    return { kind: 'managementGroup', name, id: `/providers/Microsoft.Management/managementGroups/${name}` };
  }
  const sub = requireSub(c, c.params.sub);
  return { kind: 'subscription', subscriptionId: sub.subscriptionId, id: `/subscriptions/${sub.subscriptionId}` };
}

function scoreAt(ev: Evaluated, scope: ScoreScope): { score: ReturnType<typeof toArmSecureScore>; controls: ControlScore[] } {
  const run = ev.posture.run;
  if (scope.kind === 'subscription') {
    const s = run.subscriptionScore(scope.subscriptionId) ?? computeSubscriptionScore(scope.subscriptionId, [], ev.posture.catalog);
    return { score: toArmSecureScore(s), controls: s.controls };
  }
  const agg = run.scopeScore(scope.id);
  return { score: toArmAggregateSecureScore(scope.id, agg), controls: agg.controls };
}

function checkScoreName(name: string | undefined): void {
  if (name !== undefined && name.toLowerCase() !== ASC_SCORE.toLowerCase()) {
    throw notFound('SecureScoreNotFound', `The secure score '${name}' was not found. Valid values: ${ASC_SCORE}.`, name);
  }
}

async function controlsOf(c: RouteContext): Promise<Reply> {
  checkScoreName(c.params.name);
  const expand = expandOf(c, ['definition'] as const);
  const scope = scoreScope(c);
  const ev = await c.estate.get();
  const at = scope.kind === 'subscription' ? scope.subscriptionId : scope.id;
  const list = scoreAt(ev, scope)
    .controls.filter((x) => x.healthyResourceCount + x.unhealthyResourceCount + x.notApplicableResourceCount > 0)
    .map((x) => toArmSecureScoreControl(at, x, { expand, definitions: ev.posture.catalog.controls }));
  return ok(paged(c, list));
}

function parseExtensions(v: unknown): PricingExtension[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw badRequest('InvalidExtension', 'properties.extensions must be an array.', 'properties.extensions');
  return v.map((e, i) => {
    if (!isRecord(e) || typeof e.name !== 'string') throw badRequest('InvalidExtension', `properties.extensions[${i}] needs a name.`, `properties.extensions[${i}]`);
    const enabled = String(e.isEnabled ?? 'True').toLowerCase();
    if (enabled !== 'true' && enabled !== 'false') throw badRequest('InvalidExtension', `properties.extensions[${i}].isEnabled must be 'True' or 'False'.`, `properties.extensions[${i}].isEnabled`);
    const out: PricingExtension = { name: e.name, isEnabled: enabled === 'true' ? 'True' : 'False' };
    if (isRecord(e.additionalExtensionProperties)) out.additionalExtensionProperties = e.additionalExtensionProperties;
    return out;
  });
}

function complianceStandard(ev: Evaluated, sub: string, name: string) {
  const results = ev.posture.run.compliance(sub);
  const hit = results.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (!hit) throw notFound('RegulatoryComplianceStandardNotFound', `The regulatory compliance standard '${name}' was not found for subscription '${sub}'. Enabled: ${results.map((r) => r.name).join(', ')}.`, name);
  return hit;
}

function complianceControl(std: ReturnType<typeof complianceStandard>, name: string) {
  const hit = std.controls.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!hit) throw notFound('RegulatoryComplianceControlNotFound', `'${name}' is not a control of ${std.name}.`, name);
  return hit;
}

function attackPathsOf(ev: Evaluated, sub: string) {
  const g = ev.graph.graph;
  const want = sub.toLowerCase();
  return ev.graph.paths().filter((p) => (g.nodes[p.entry].subscriptionId ?? g.nodes[p.target].subscriptionId ?? '').toLowerCase() === want);
}

// --------------------------------------------------------------------------------------------------- policy

function wireAssignment(row: ArgRow): Record<string, unknown> {
  const flat = flattenPolicyRow(row, ASSIGNMENT_TYPE);
  const out: Record<string, unknown> = { id: row.id, name: row.name, type: ASSIGNMENT_TYPE, properties: row.properties ?? {} };
  out.location = flat.location ?? undefined;
  if (row.identity) out.identity = row.identity;
  if (flat.systemData) out.systemData = flat.systemData;
  return out;
}

function wireExemption(row: ArgRow): Record<string, unknown> {
  const flat = flattenPolicyRow(row, EXEMPTION_TYPE);
  const out: Record<string, unknown> = { id: row.id, name: row.name, type: EXEMPTION_TYPE, properties: row.properties ?? {} };
  if (flat.systemData) out.systemData = flat.systemData;
  return out;
}

function wireDefinition(r: PolicyResource): Record<string, unknown> {
  const out: Record<string, unknown> = { id: r.id, name: r.name, type: canonicalPolicyType(r.type), properties: r.properties };
  const sd = (r as { systemData?: unknown }).systemData;
  if (sd !== undefined) out.systemData = sd;
  return out;
}

/** The scope id of a `{+scope}` match, parsed (400 when it is not a scope). */
function scopeParam(c: RouteContext): ResourceId {
  const raw = c.params.scope;
  const parsed = ResourceId.tryParse(raw);
  if (typeof parsed === 'string' || parsed.kind === 'tenant') throw badRequest('InvalidScope', `'${raw}' is not a valid scope: ${typeof parsed === 'string' ? parsed : 'the tenant root has no policy objects here'}.`, raw);
  return parsed;
}

async function existingScope(c: RouteContext, session: PolicySession): Promise<ResourceId> {
  const scope = scopeParam(c);
  await session.assertScopeExists(scope.id);
  return scope;
}

/** Assignments / exemptions at a scope with ARM's `$filter` (no filter: at, above and below the scope). */
function policyRowsAt(session: PolicySession, rows: readonly PolicyRow[], scope: string, filter: string | undefined, field: 'policyDefinitionId' | 'policyAssignmentId', now: Date): PolicyRow[] {
  const key = canonicalKey(scope);
  const chain = session.scopeChain(scope);
  let out = rows.filter((r) => chain.has(r.scopeKey) || session.scopeChain(r.scope).has(key));
  for (const part of (filter ?? '').split(/\s+and\s+/i).map((p) => p.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if (/^atScope\(\)$/i.test(part)) out = out.filter((r) => chain.has(r.scopeKey));
    else if (/^atExactScope\(\)$/i.test(part)) out = out.filter((r) => r.scopeKey === key);
    else if (field === 'policyAssignmentId' && /^excludeExpired\(\)$/i.test(part)) {
      out = out.filter((r) => {
        const exp = (r.row.properties as Record<string, unknown> | undefined)?.expiresOn;
        return typeof exp !== 'string' || Date.parse(exp) > now.getTime();
      });
    } else if ((m = new RegExp(`^${field}\\s+eq\\s+'([^']+)'$`, 'i').exec(part))) {
      const want = canonicalKey(m[1]);
      out = out.filter((r) => canonicalKey(String((r.row.properties as Record<string, unknown> | undefined)?.[field] ?? '')) === want);
    } else {
      throw badRequest('InvalidFilterInQueryString', `Unsupported $filter '${part}': use atScope(), atExactScope()${field === 'policyAssignmentId' ? ', excludeExpired()' : ''} or ${field} eq '{id}'.`, '$filter');
    }
  }
  return out;
}

/** Definitions visible at a scope (itself and above) plus the built-ins, with `$filter`. */
function definitionsAt(session: PolicySession | undefined, kind: 'definition' | 'set', scope: string | undefined, filter: string | undefined, env: NodeJS.ProcessEnv): PolicyResource[] {
  const catalog = loadCatalog(catalogDir(env));
  const type = kind === 'set' ? 'microsoft.authorization/policysetdefinitions' : 'microsoft.authorization/policydefinitions';
  let exact = false;
  let policyType: string | undefined;
  let category: string | undefined;
  for (const part of (filter ?? '').split(/\s+and\s+/i).map((p) => p.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if (/^atExactScope\(\)$/i.test(part)) exact = true;
    else if (/^atScope\(\)$/i.test(part)) continue;
    else if ((m = /^policyType\s+-?eq\s+'?([A-Za-z]+)'?$/i.exec(part))) policyType = m[1].toLowerCase();
    else if ((m = /^category\s+-?eq\s+'(.*)'$/i.exec(part))) category = m[1].toLowerCase();
    else throw badRequest('InvalidFilterInQueryString', `Unsupported $filter '${part}': use atExactScope(), policyType eq '{value}' or category eq '{value}'.`, '$filter');
  }
  const builtIns = exact ? [] : kind === 'set' ? catalog.listSetDefinitions() : catalog.listDefinitions();
  const customs: PolicyResource[] = [];
  if (session && scope) {
    const chain = session.scopeChain(scope);
    const key = canonicalKey(scope);
    for (const r of session.customDefinitions()) {
      if (r.type.toLowerCase() !== type) continue;
      const at = r.id.toLowerCase().lastIndexOf('/providers/microsoft.authorization/');
      const sk = canonicalKey(r.id.slice(0, at));
      if (exact ? sk === key : chain.has(sk)) customs.push(r);
    }
    customs.sort((a, b) => (a.id.toLowerCase() < b.id.toLowerCase() ? -1 : 1));
  }
  return [...builtIns, ...customs].filter((r) => {
    const props = r.properties as Record<string, unknown>;
    if (policyType && String(props.policyType ?? '').toLowerCase() !== policyType) return false;
    const meta = props.metadata as Record<string, unknown> | undefined;
    if (category && String(meta?.category ?? '').toLowerCase() !== category) return false;
    return true;
  });
}

function definitionNamed(session: PolicySession | undefined, kind: 'definition' | 'set', scope: string | undefined, name: string, env: NodeJS.ProcessEnv): PolicyResource {
  const catalog = loadCatalog(catalogDir(env));
  if (session && scope) {
    const id = `${scope}/providers/Microsoft.Authorization/${kind === 'set' ? 'policySetDefinitions' : 'policyDefinitions'}/${name}`;
    const hit = session.customDefinitions().find((r) => canonicalKey(r.id) === canonicalKey(id));
    if (hit) return hit;
  }
  const builtIn = kind === 'set' ? catalog.getSetDefinition(name) : catalog.getDefinition(name);
  if (builtIn) return builtIn;
  throw notFound(kind === 'set' ? 'PolicySetDefinitionNotFound' : 'PolicyDefinitionNotFound', `The policy ${kind === 'set' ? 'set definition' : 'definition'} '${name}' could not be found.`, name);
}

/** The scope a definition PUT/DELETE writes at: the subscription or management group of the URL. */
function definitionTarget(c: RouteContext): PolicyTarget {
  if (c.params.mg !== undefined) {
    const name = requireMg(c, c.params.mg);
    return { scope: `/providers/Microsoft.Management/managementGroups/${name}`, tenantId: c.topo.tree.managementGroup(name)?.tenantId };
  }
  const sub = requireSub(c, c.params.sub);
  return { scope: `/subscriptions/${sub.subscriptionId}`, subscriptionId: sub.subscriptionId, tenantId: sub.tenantId };
}

function bodyProperties(body: unknown): Record<string, unknown> {
  if (!isRecord(body) || !isRecord(body.properties)) throw badRequest('InvalidRequestContent', 'The request content must be {"properties": {...}}.', 'properties');
  return body.properties;
}

function optionalString(props: Record<string, unknown>, key: string): string | undefined {
  const v = props[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest('InvalidRequestContent', `properties.${key} must be a string.`, `properties.${key}`);
  return v;
}

function optionalObject(props: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = props[key];
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v)) throw badRequest('InvalidRequestContent', `properties.${key} must be a JSON object.`, `properties.${key}`);
  return v;
}

const BODY = 'request body';

function definitionFromBody(session: PolicySession, body: unknown): Record<string, unknown> {
  const props = bodyProperties(body);
  return definitionProperties(session.catalog, {
    policyRule: props.policyRule,
    parameters: props.parameters ?? undefined,
    mode: optionalString(props, 'mode') ?? 'Indexed',
    displayName: optionalString(props, 'displayName'),
    description: optionalString(props, 'description'),
    metadata: optionalObject(props, 'metadata'),
    version: optionalString(props, 'version'),
    sources: { rule: { file: BODY, path: '$.properties.policyRule' }, parameters: { file: BODY, path: '$.properties.parameters' } },
  });
}

function setDefinitionFromBody(session: PolicySession, target: PolicyTarget, name: string, body: unknown, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const props = bodyProperties(body);
  const customs = session
    .customDefinitions()
    .filter((d) => d.type.toLowerCase() === 'microsoft.authorization/policydefinitions')
    .map((resource) => ({ resource, scope: customPolicyScope(resource.id, 'definition') }));
  return setDefinitionProperties(loadCatalog(catalogDir(env)), customs, target, name, {
    policyDefinitions: props.policyDefinitions,
    policyDefinitionGroups: props.policyDefinitionGroups ?? undefined,
    parameters: props.parameters ?? undefined,
    displayName: optionalString(props, 'displayName'),
    description: optionalString(props, 'description'),
    metadata: optionalObject(props, 'metadata'),
    version: optionalString(props, 'version'),
    sources: {
      definitions: { file: BODY, path: '$.properties.policyDefinitions' },
      groups: { file: BODY, path: '$.properties.policyDefinitionGroups' },
      parameters: { file: BODY, path: '$.properties.parameters' },
    },
  });
}

/** Custom metadata of the subscriptions of some custom assessments, by `{sub}/{name}` (lower-case). */
async function customMetadataFor(c: RouteContext, assessments: CustomAssessment[]): Promise<Map<string, CustomMetadata>> {
  const out = new Map<string, CustomMetadata>();
  for (const sub of new Set(assessments.map((a) => a.subscriptionId.toLowerCase()))) {
    for (const m of await customMetadataOf(c.estate.store, sub)) out.set(`${sub}/${m.name}`.toLowerCase(), m);
  }
  return out;
}

const REMEDIATIONS = '/providers/Microsoft.PolicyInsights/remediations';

async function remediationAt(c: RouteContext): Promise<StoredRemediation> {
  const id = canonicalKey(`${scopeParam(c).id}${REMEDIATIONS}/${c.params.name}`);
  const hit = (await storedRemediations(c.estate.store)).find((x) => canonicalKey(x.remediation.id) === id);
  if (!hit) throw notFound('RemediationNotFound', `The remediation '${c.params.name}' could not be found.`, c.params.name);
  return hit;
}

/** ARM refuses to delete a definition an assignment or a set definition still references. */
function assertDefinitionUnused(session: PolicySession, kind: 'definition' | 'set', def: PolicyResource): void {
  const key = canonicalKey(def.id);
  const noun = kind === 'set' ? 'policy set definition' : 'policy definition';
  const code = kind === 'set' ? 'InvalidDeletePolicySetDefinitionRequest' : 'InvalidDeletePolicyDefinitionRequest';
  const assignment = session.assignments().find((a) => canonicalKey(String(((a.row.properties ?? {}) as Record<string, unknown>).policyDefinitionId ?? '')) === key);
  if (assignment) throw badRequest(code, `The ${noun} '${def.name}' cannot be deleted. It is referenced by the policy assignment '${assignment.id}'. Delete the assignments that reference it first.`);
  if (kind === 'definition') {
    const set = session.customDefinitions().find((d) => {
      const refs = (d.properties as { policyDefinitions?: Array<{ policyDefinitionId?: string }> }).policyDefinitions;
      return Array.isArray(refs) && refs.some((ref) => canonicalKey(String(ref.policyDefinitionId ?? '')) === key);
    });
    if (set) throw badRequest(code, `The ${noun} '${def.name}' cannot be deleted. It is referenced by the policy set definition '${set.id}'. Remove it from the set definitions that reference it first.`);
  }
}

// --------------------------------------------------------------------------------------------------- routes

function r(method: Route['method'], template: string, versions: Route['versions'], access: Access, scope: Route['scope'], handler: Route['handler'], extra: Partial<Route> = {}): Route {
  return { method, template, pattern: compile(template), versions, access, scope, handler, ...extra };
}

const SEC = '/providers/Microsoft.Security';
const SUB = '/subscriptions/{sub}';
const MG = '/providers/Microsoft.Management/managementGroups/{mg}';
const AUTHZ = '/providers/Microsoft.Authorization';

export function buildRoutes(): Route[] {
  const V = API_VERSIONS;
  const routes: Route[] = [];

  // --------------------------------------------------------------------------------------------- pricings
  routes.push(
    r('GET', `${SUB}${SEC}/pricings`, V.pricings, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      let rows = subscriptionPricings(sub.subscriptionId, sub.tenantId, await pricingRows(c.estate.ctx, sub.subscriptionId));
      const filter = c.query.get('$filter');
      if (filter) {
        const m = /^\s*name\s+in\s*\(([^)]*)\)\s*$/i.exec(filter);
        if (!m) throw badRequest('InvalidFilterInQueryString', `Unsupported $filter '${filter}': use name in (A,B).`, '$filter');
        const names = new Set(m[1].split(',').map((s) => s.trim().replace(/^'|'$/g, '').toLowerCase()));
        rows = rows.filter((x) => names.has(String(x.name).toLowerCase()));
      }
      return ok({ value: rows.map(toArmPricing) });
    }),
    r('GET', `${SUB}${SEC}/pricings/{name}`, V.pricings, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      const rows = subscriptionPricings(sub.subscriptionId, sub.tenantId, await pricingRows(c.estate.ctx, sub.subscriptionId));
      const hit = rows.find((x) => String(x.name).toLowerCase() === c.params.name.toLowerCase());
      if (!hit) throw notFound('PricingNotFound', `The pricing '${c.params.name}' was not found.`, c.params.name);
      return ok(toArmPricing(hit));
    }),
    r('PUT', `${SUB}${SEC}/pricings/{name}`, V.pricings, 'securityWrite', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      const props = isRecord(c.body) && isRecord(c.body.properties) ? c.body.properties : undefined;
      if (!props) throw badRequest('InvalidRequestContent', 'The request content must be {"properties": {"pricingTier": "Free|Standard", ...}}.');
      if (typeof props.pricingTier !== 'string') throw badRequest('InvalidRequestContent', 'properties.pricingTier is required (Free or Standard).', 'properties.pricingTier');
      const update = validatePricingUpdate({ name: c.params.name, tier: props.pricingTier, subPlan: typeof props.subPlan === 'string' ? props.subPlan : undefined, extensions: parseExtensions(props.extensions) });
      const row = await c.estate.write(async () => {
        const existing = (await pricingRows(c.estate.ctx, sub.subscriptionId)).find((x) => String(x.name).toLowerCase() === update.plan.name.toLowerCase());
        const next = applyPricingUpdate({ subscriptionId: sub.subscriptionId, tenantId: sub.tenantId, existing, update, now: clockFrom(c.estate.env).now() });
        await writePricingRow(c.estate.ctx, next, `api:PUT pricings/${update.plan.name}`);
        return next;
      }, (next) => ({ kind: 'resources', ids: [String(next.id)] }));
      return ok(toArmPricing(row));
    }),
  );

  // ----------------------------------------------------------------------------------------- secure scores
  for (const [prefix, scope] of [
    [SUB, SUB_SCOPE],
    [MG, MG_SCOPE],
  ] as const) {
    routes.push(
      r('GET', `${prefix}${SEC}/secureScores`, V.secureScores, 'read', scope, async (c) => {
        const s = scoreScope(c);
        return ok(paged(c, [scoreAt(await c.estate.get(), s).score]));
      }),
      r('GET', `${prefix}${SEC}/secureScores/{name}`, V.secureScores, 'read', scope, async (c) => {
        checkScoreName(c.params.name);
        const s = scoreScope(c);
        return ok(scoreAt(await c.estate.get(), s).score);
      }),
      r('GET', `${prefix}${SEC}/secureScores/{name}/secureScoreControls`, V.secureScores, 'read', scope, controlsOf),
      r('GET', `${prefix}${SEC}/secureScoreControls`, V.secureScores, 'read', scope, controlsOf),
      r('GET', `${prefix}${SEC}/assessments`, V.assessments, 'read', scope, async (c) => {
        const expand = expandOf(c, ['links', 'metadata'] as const);
        const s = scoreScope(c);
        const ev = await c.estate.get();
        const run = ev.posture.run;
        const subs = s.kind === 'managementGroup' ? subsUnderMg(c, s.name) : undefined;
        const list = s.kind === 'subscription' ? run.assessmentsOf(s.subscriptionId) : run.assessments().filter((a) => subs!.has(a.subscriptionId.toLowerCase()));
        const custom = (await customAssessmentsOf(c.estate.store, s.kind === 'subscription' ? s.subscriptionId : undefined)).filter((a) => s.kind === 'subscription' || subs!.has(a.subscriptionId.toLowerCase()));
        const customMetadata = expand === 'metadata' ? await customMetadataFor(c, custom) : undefined;
        return ok(
          paged(c, [
            ...list.map((a) => toArmAssessment(a, { expand, recommendation: ev.posture.catalog.recommendation(a.assessmentKey) })),
            ...custom.map((a) => toArmCustomAssessment(a, customMetadata?.get(`${a.subscriptionId}/${a.name}`.toLowerCase()))),
          ]),
        );
      }),
    );
  }
  const controlDefinitions = async (c: RouteContext) => {
    if (c.params.sub !== undefined) requireSub(c, c.params.sub);
    return ok(paged(c, c.estate.postureCatalog().controls.map(toArmControlDefinition)));
  };
  routes.push(
    r('GET', `${SEC}/secureScoreControlDefinitions`, V.secureScores, 'read', TENANT, controlDefinitions),
    r('GET', `${SUB}${SEC}/secureScoreControlDefinitions`, V.secureScores, 'read', SUB_SCOPE, controlDefinitions),
  );

  // ------------------------------------------------------------------------------------------- assessments
  routes.push(
    r('GET', `{+scope}${SEC}/assessments/{key}`, V.assessments, 'read', ANY_SCOPE, async (c) => {
      const expand = expandOf(c, ['links', 'metadata'] as const);
      const resource = scopeParam(c).id;
      const sub = /^\/subscriptions\/([^/]+)/i.exec(resource)?.[1] ?? '';
      const ev = await c.estate.get();
      const key = canonicalKey(resource);
      const hit = ev.posture.run.assessmentsOf(sub).find((a) => a.assessmentKey.toLowerCase() === c.params.key.toLowerCase() && canonicalKey(a.resourceId) === key);
      if (hit) return ok(toArmAssessment(hit, { expand, recommendation: ev.posture.catalog.recommendation(hit.assessmentKey) }));
      const custom = await getCustomAssessment(c.estate.store, resource, c.params.key);
      if (!custom) throw notFound('AssessmentNotFound', `The assessment '${c.params.key}' of resource '${resource}' was not found.`, c.params.key);
      return ok(toArmCustomAssessment(custom, expand === 'metadata' ? await getCustomMetadata(c.estate.store, custom.subscriptionId, custom.name) : undefined));
    }),
    r('PUT', `{+scope}${SEC}/assessments/{key}`, V.assessments, 'securityWrite', ANY_SCOPE, async (c) => {
      const resource = scopeParam(c).id;
      await existingScope(c, await c.estate.policy());
      const { assessment, created } = await c.estate.write(
        async () => putCustomAssessment(c.estate.store, c.estate.postureCatalog(), resource, c.params.key, c.body, clockFrom(c.estate.env).now()),
        () => ({ kind: 'resources', ids: [] }),
      );
      return { status: created ? 201 : 200, body: toArmCustomAssessment(assessment) };
    }),
    r('DELETE', `{+scope}${SEC}/assessments/{key}`, V.assessments, 'securityWrite', ANY_SCOPE, async (c) => {
      const resource = scopeParam(c).id;
      const deleted = await c.estate.write(async () => deleteCustomAssessment(c.estate.store, resource, c.params.key), () => ({ kind: 'resources', ids: [] }));
      return { status: deleted ? 200 : 204 };
    }),
    r('GET', `${SEC}/assessmentMetadata`, V.assessments, 'read', TENANT, async (c) => ok(paged(c, c.estate.postureCatalog().recommendations.map((x) => toArmAssessmentMetadata(x))))),
    r('GET', `${SEC}/assessmentMetadata/{name}`, V.assessments, 'read', TENANT, async (c) => {
      const rec = c.estate.postureCatalog().recommendation(c.params.name);
      if (!rec) throw notFound('AssessmentMetadataNotFound', `The assessment metadata '${c.params.name}' was not found.`, c.params.name);
      return ok(toArmAssessmentMetadata(rec));
    }),
    r('GET', `${SUB}${SEC}/assessmentMetadata`, V.assessments, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      const custom = await customMetadataOf(c.estate.store, sub.subscriptionId);
      return ok(paged(c, [...c.estate.postureCatalog().recommendations.map((x) => toArmAssessmentMetadata(x, sub.subscriptionId)), ...custom.map(toArmCustomMetadata)]));
    }),
    r('GET', `${SUB}${SEC}/assessmentMetadata/{name}`, V.assessments, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      const rec = c.estate.postureCatalog().recommendation(c.params.name);
      if (rec) return ok(toArmAssessmentMetadata(rec, sub.subscriptionId));
      const custom = await getCustomMetadata(c.estate.store, sub.subscriptionId, c.params.name);
      if (!custom) throw notFound('AssessmentMetadataNotFound', `The assessment metadata '${c.params.name}' was not found.`, c.params.name);
      return ok(toArmCustomMetadata(custom));
    }),
    // arm-security accepts only 200 for createInSubscription and deleteInSubscription
    r('PUT', `${SUB}${SEC}/assessmentMetadata/{name}`, V.assessments, 'securityWrite', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      const doc = await c.estate.write(async () => putCustomMetadata(c.estate.store, c.estate.postureCatalog(), sub.subscriptionId, c.params.name, c.body), () => ({ kind: 'resources', ids: [] }));
      return ok(toArmCustomMetadata(doc));
    }),
    r('DELETE', `${SUB}${SEC}/assessmentMetadata/{name}`, V.assessments, 'securityWrite', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub);
      if (c.estate.postureCatalog().recommendation(c.params.name)) throw badRequest('BuiltInAssessmentMetadataReadOnly', `'${c.params.name}' is built-in assessment metadata and cannot be deleted.`, c.params.name);
      await c.estate.write(async () => deleteCustomMetadata(c.estate.store, sub.subscriptionId, c.params.name), () => ({ kind: 'resources', ids: [] }));
      return { status: 200 };
    }),
  );

  // ------------------------------------------------------------------------------------ regulatory compliance
  const STD = `${SUB}${SEC}/regulatoryComplianceStandards`;
  routes.push(
    r('GET', STD, V.regulatory, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const ev = await c.estate.get();
      return ok(paged(c, ev.posture.run.compliance(sub).map((s) => toArmComplianceStandard(sub, s))));
    }),
    r('GET', `${STD}/{std}`, V.regulatory, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      return ok(toArmComplianceStandard(sub, complianceStandard(await c.estate.get(), sub, c.params.std)));
    }),
    r('GET', `${STD}/{std}/regulatoryComplianceControls`, V.regulatory, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const s = complianceStandard(await c.estate.get(), sub, c.params.std);
      return ok(paged(c, s.controls.map((x) => toArmComplianceControl(sub, s.name, x))));
    }),
    r('GET', `${STD}/{std}/regulatoryComplianceControls/{ctl}`, V.regulatory, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const s = complianceStandard(await c.estate.get(), sub, c.params.std);
      return ok(toArmComplianceControl(sub, s.name, complianceControl(s, c.params.ctl)));
    }),
    r('GET', `${STD}/{std}/regulatoryComplianceControls/{ctl}/regulatoryComplianceAssessments`, V.regulatory, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const s = complianceStandard(await c.estate.get(), sub, c.params.std);
      const ctl = complianceControl(s, c.params.ctl);
      return ok(paged(c, ctl.assessments.map((a) => toArmComplianceAssessment(sub, s.name, ctl.name, a))));
    }),
    r('GET', `${STD}/{std}/regulatoryComplianceControls/{ctl}/regulatoryComplianceAssessments/{name}`, V.regulatory, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const s = complianceStandard(await c.estate.get(), sub, c.params.std);
      const ctl = complianceControl(s, c.params.ctl);
      const a = ctl.assessments.find((x) => x.name.toLowerCase() === c.params.name.toLowerCase());
      if (!a) throw notFound('RegulatoryComplianceAssessmentNotFound', `The assessment '${c.params.name}' of control '${ctl.name}' was not found.`, c.params.name);
      return ok(toArmComplianceAssessment(sub, s.name, ctl.name, a));
    }),
  );

  // ------------------------------------------------------------------------------------------ attack paths
  routes.push(
    r('GET', `${SUB}${SEC}/attackPaths`, V.attackPaths, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const ev = await c.estate.get();
      return ok(paged(c, attackPathsOf(ev, sub).map((p) => toArmAttackPath(ev.graph.graph, p, ev.graph.tenantId))));
    }),
    r('GET', `${SUB}${SEC}/attackPaths/{name}`, V.attackPaths, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const ev = await c.estate.get();
      const hit = attackPathsOf(ev, sub).find((p) => p.id.toLowerCase() === c.params.name.toLowerCase());
      if (!hit) throw notFound('AttackPathNotFound', `The attack path '${c.params.name}' was not found in subscription '${sub}'.`, c.params.name);
      return ok(toArmAttackPath(ev.graph.graph, hit, ev.graph.tenantId));
    }),
  );

  // ------------------------------------------------------------------------------ policy (set) definitions
  for (const [segment, kind] of [
    ['policyDefinitions', 'definition'],
    ['policySetDefinitions', 'set'],
  ] as const) {
    routes.push(
      r('GET', `${AUTHZ}/${segment}`, V.policy, 'read', TENANT, async (c) => ok(paged(c, definitionsAt(undefined, kind, undefined, c.query.get('$filter'), c.estate.env).map(wireDefinition)))),
      r('GET', `${AUTHZ}/${segment}/{name}`, V.policy, 'read', TENANT, async (c) => ok(wireDefinition(definitionNamed(undefined, kind, undefined, c.params.name, c.estate.env)))),
    );
    for (const [prefix, scope] of [
      [SUB, SUB_SCOPE],
      [MG, MG_SCOPE],
    ] as const) {
      routes.push(
        r('GET', `${prefix}${AUTHZ}/${segment}`, V.policy, 'read', scope, async (c) => {
          const s = scoreScope(c);
          const session = await c.estate.policy();
          return ok(paged(c, definitionsAt(session, kind, s.id, c.query.get('$filter'), c.estate.env).map(wireDefinition)));
        }),
        r('GET', `${prefix}${AUTHZ}/${segment}/{name}`, V.policy, 'read', scope, async (c) => {
          const s = scoreScope(c);
          return ok(wireDefinition(definitionNamed(await c.estate.policy(), kind, s.id, c.params.name, c.estate.env)));
        }),
        r('PUT', `${prefix}${AUTHZ}/${segment}/{name}`, V.policy, 'write', scope, async (c) => {
          const target = definitionTarget(c);
          checkPolicyName(c.params.name, 'name');
          const { resource, created } = await c.estate.write(
            async () => {
              const session = await c.estate.policySession();
              const properties = kind === 'set' ? setDefinitionFromBody(session, target, c.params.name, c.body, c.estate.env) : definitionFromBody(session, c.body);
              return saveCustomPolicy(c.estate.store, kind, target, c.params.name, properties, `api:PUT ${segment}/${c.params.name}`);
            },
            (saved) => ({ kind: 'policy', ids: [saved.resource.id] }),
          );
          // arm-policy accepts only 201 for policyDefinitions.createOrUpdate; set definitions: 201 new, 200 replaced
          return { status: kind === 'definition' || created ? 201 : 200, body: wireDefinition(resource) };
        }),
        r('DELETE', `${prefix}${AUTHZ}/${segment}/{name}`, V.policy, 'write', scope, async (c) => {
          const target = definitionTarget(c);
          const id = `${target.scope}/providers/Microsoft.Authorization/${segment}/${c.params.name}`;
          const deleted = await c.estate.write(
            async () => {
              const session = await c.estate.policySession();
              const hit = session.customDefinitions().find((d) => canonicalKey(d.id) === canonicalKey(id));
              if (!hit) return undefined;
              assertDefinitionUnused(session, kind, hit);
              await c.estate.store.deleteResources([canonicalKey(id)]);
              return hit;
            },
            (hit) => (hit ? { kind: 'policy', ids: [hit.id] } : undefined),
          );
          return deleted ? { status: 200, body: wireDefinition(deleted) } : { status: 204 };
        }),
      );
    }
  }

  // ----------------------------------------------------------------------------- assignments and exemptions
  for (const [segment, versions, access, type] of [
    ['policyAssignments', V.policy, 'write', ASSIGNMENT_TYPE],
    ['policyExemptions', V.exemptions, 'securityWrite', EXEMPTION_TYPE],
  ] as const) {
    const isAssignment = type === ASSIGNMENT_TYPE;
    const rowsOf = (s: PolicySession) => (isAssignment ? s.assignments() : s.exemptions());
    const wire = isAssignment ? wireAssignment : wireExemption;
    const changeKind = isAssignment ? 'policy' : 'exemptions';
    routes.push(
      r('GET', `{+scope}${AUTHZ}/${segment}`, versions, 'read', ANY_SCOPE, async (c) => {
        const session = await c.estate.policy();
        const scope = await existingScope(c, session);
        const rows = policyRowsAt(session, rowsOf(session), scope.id, c.query.get('$filter'), isAssignment ? 'policyDefinitionId' : 'policyAssignmentId', session.clock.now());
        return ok(paged(c, rows.map((x) => wire(x.row))));
      }),
      r('GET', `{+scope}${AUTHZ}/${segment}/{name}`, versions, 'read', ANY_SCOPE, async (c) => {
        const session = await c.estate.policy();
        const scope = scopeParam(c);
        const key = canonicalKey(`${scope.id}/providers/${type}/${c.params.name}`);
        const hit = rowsOf(session).find((x) => x.key === key);
        if (!hit) throw notFound(isAssignment ? 'PolicyAssignmentNotFound' : 'PolicyExemptionNotFound', `The policy ${isAssignment ? 'assignment' : 'exemption'} '${c.params.name}' is not found.`, c.params.name);
        return ok(wire(hit.row));
      }),
      r('PUT', `{+scope}${AUTHZ}/${segment}/{name}`, versions, access, ANY_SCOPE, async (c) => {
        const scope = scopeParam(c);
        const { row, created } = await c.estate.write(async () => {
          const session = await c.estate.policySession();
          return isAssignment ? putPolicyAssignment(session, scope.id, c.params.name, c.body) : putPolicyExemption(session, scope.id, c.params.name, c.body);
        }, (put) => ({ kind: changeKind, ids: [String(put.row.id)] }));
        // arm-policy accepts only 201 for assignments.create; exemptions: 201 new, 200 replaced
        return { status: isAssignment || created ? 201 : 200, body: wire(row) };
      }),
      r('PATCH', `{+scope}${AUTHZ}/${segment}/{name}`, versions, access, ANY_SCOPE, async (c) => {
        const scope = scopeParam(c);
        const key = canonicalKey(`${scope.id}/providers/${type}/${c.params.name}`);
        const row = await c.estate.write(
          async () => {
            const session = await c.estate.policySession();
            const hit = rowsOf(session).find((x) => x.key === key);
            if (!hit) throw notFound(isAssignment ? 'PolicyAssignmentNotFound' : 'PolicyExemptionNotFound', `The policy ${isAssignment ? 'assignment' : 'exemption'} '${c.params.name}' is not found.`, c.params.name);
            return isAssignment ? patchPolicyAssignment(session, hit, c.body) : patchPolicyExemption(session, hit, c.body);
          },
          (patched) => ({ kind: changeKind, ids: [String(patched.id)] }),
        );
        return ok(wire(row));
      }),
      r('DELETE', `{+scope}${AUTHZ}/${segment}/{name}`, versions, access, ANY_SCOPE, async (c) => {
        const scope = scopeParam(c);
        const key = canonicalKey(`${scope.id}/providers/${type}/${c.params.name}`);
        const deleted = await c.estate.write(async () => {
          const session = await c.estate.policySession();
          const hit = rowsOf(session).find((x) => x.key === key);
          if (hit) await session.deleteRow(hit);
          return hit;
        }, (hit) => (hit ? { kind: changeKind, ids: [hit.id] } : undefined));
        return deleted ? { status: 200, body: wire(deleted.row) } : { status: 204 };
      }),
    );
  }

  // ----------------------------------------------------------------------------------- PolicyInsights
  routes.push(
    r('POST', `{+scope}/providers/Microsoft.PolicyInsights/policyStates/latest/summarize`, V.policyStates, 'read', ANY_SCOPE, async (c) => {
      const scope = scopeParam(c);
      const ev = await c.estate.get();
      const { result } = await ev.posture.policy.scan();
      const summary = summarizeStates(result.states, { scope: scope.id, hierarchy: ev.posture.policy.tree });
      let assignments = summary.policyAssignments;
      const top = intParam(c, '$top');
      if (top !== undefined) {
        assignments = [...assignments].sort((a, b) => b.results.nonCompliantResources - a.results.nonCompliantResources || (a.policyAssignmentId.toLowerCase() < b.policyAssignmentId.toLowerCase() ? -1 : 1)).slice(0, top);
      }
      const context = `${c.baseUrl}/providers/Microsoft.PolicyInsights/$metadata#summary`;
      return ok({ '@odata.context': context, '@odata.count': 1, value: [{ '@odata.id': null, '@odata.context': `${context}/$entity`, results: summary.results, policyAssignments: assignments }] });
    }),
    r('GET', `{+scope}${REMEDIATIONS}`, V.remediations, 'read', ANY_SCOPE, async (c) => {
      const scope = scopeParam(c);
      const docs = await c.estate.store.listDocuments<{ remediation: { id: string } }>('policy-remediations');
      const key = canonicalKey(scope.id);
      return ok(paged(c, docs.map((d) => d.body.remediation).filter((x) => canonicalKey(x.id).startsWith(`${key}/providers/microsoft.policyinsights/remediations/`))));
    }),
    r('GET', `{+scope}${REMEDIATIONS}/{name}`, V.remediations, 'read', ANY_SCOPE, async (c) => ok((await remediationAt(c)).remediation)),
    r('PUT', `{+scope}${REMEDIATIONS}/{name}`, V.remediations, 'write', ANY_SCOPE, async (c) => {
      const scope = scopeParam(c);
      const props = bodyProperties(c.body);
      if (typeof props.policyAssignmentId !== 'string' || props.policyAssignmentId === '') throw badRequest('InvalidCreateRemediationRequest', 'properties.policyAssignmentId is required.', 'properties.policyAssignmentId');
      const mode = props.resourceDiscoveryMode ?? 'ExistingNonCompliant';
      if (mode !== 'ExistingNonCompliant' && mode !== 'ReEvaluateCompliance') throw badRequest('InvalidCreateRemediationRequest', `properties.resourceDiscoveryMode '${String(mode)}' is not ExistingNonCompliant or ReEvaluateCompliance.`, 'properties.resourceDiscoveryMode');
      const filters = optionalObject(props, 'filters') ?? {};
      const list = (v: unknown, path: string): string[] => {
        if (v === undefined || v === null) return [];
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest('InvalidCreateRemediationRequest', `${path} must be an array of strings.`, path);
        return v as string[];
      };
      const id = canonicalKey(`${scope.id}${REMEDIATIONS}/${c.params.name}`);
      const { out, existed } = await c.estate.write(
        async () => {
          const existed = (await storedRemediations(c.estate.store)).some((x) => canonicalKey(x.remediation.id) === id);
          const session = await c.estate.policySession();
          await existingScope(c, session);
          const out = await runRemediation(session, {
            name: c.params.name,
            policyAssignment: props.policyAssignmentId as string,
            definitionReferenceId: optionalString(props, 'policyDefinitionReferenceId'),
            resourceDiscoveryMode: mode,
            scope: scope.id,
            locations: list(filters.locations, 'properties.filters.locations'),
            resourceIds: list(filters.resourceIds, 'properties.filters.resourceIds'),
            source: `api:PUT remediations/${c.params.name}`,
          });
          return { out, existed };
        },
        ({ out }) => ({ kind: 'resources', ids: out.writtenIds }),
      );
      return { status: existed ? 200 : 201, body: out.remediation };
    }),
    r('DELETE', `{+scope}${REMEDIATIONS}/{name}`, V.remediations, 'write', ANY_SCOPE, async (c) => {
      const scope = scopeParam(c);
      const id = canonicalKey(`${scope.id}${REMEDIATIONS}/${c.params.name}`);
      const hit = (await storedRemediations(c.estate.store)).find((x) => canonicalKey(x.remediation.id) === id);
      if (!hit) return { status: 204 };
      await c.estate.store.deleteDocument(REMEDIATIONS_COLLECTION, hit.remediation.id);
      return ok(hit.remediation);
    }),
    // Palisade runs a remediation to the end within its PUT, so there is never one in flight to cancel.
    r('POST', `{+scope}${REMEDIATIONS}/{name}/cancel`, V.remediations, 'write', ANY_SCOPE, async (c) => ok((await remediationAt(c)).remediation)),
    r('POST', `{+scope}${REMEDIATIONS}/{name}/listDeployments`, V.remediations, 'read', ANY_SCOPE, async (c) => {
      const hit = await remediationAt(c);
      const top = intParam(c, '$top');
      return ok(paged(c, hit.deployments.slice(0, top ?? hit.deployments.length)));
    }),
  );

  // -------------------------------------------------------------------------------- subscriptions, resources
  const wireSubscription = (s: EstateSubscription) => ({
    id: `/subscriptions/${s.subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: s.subscriptionId,
    tenantId: s.tenantId,
    displayName: s.displayName,
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
  });
  routes.push(
    r('GET', '/subscriptions', V.subscriptions, 'read', TENANT, async (c) => ok(paged(c, c.topo.subscriptions.filter((s) => c.covers(`/subscriptions/${s.subscriptionId}`)).map(wireSubscription)))),
    r('GET', SUB, V.subscriptions, 'read', SUB_SCOPE, async (c) => ok(wireSubscription(requireSub(c, c.params.sub)))),
    r('GET', `${SUB}/resources`, V.resources, 'read', SUB_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const filter = c.query.get('$filter');
      let types: string[] | undefined;
      if (filter) {
        const m = /^\s*resourceType\s+eq\s+'([^']+)'\s*$/i.exec(filter);
        if (!m) throw badRequest('InvalidFilterInQueryString', `Unsupported $filter '${filter}': use resourceType eq '{type}'.`, '$filter');
        types = [m[1].toLowerCase()];
      }
      const rows = await c.estate.store.listResources({ tables: ['resources'], subscriptionId: sub.toLowerCase(), types });
      return ok(paged(c, rows.map((x) => toGenericResource(x.row, { withProperties: false }))));
    }),
  );

  // ------------------------------------------------------------------------------------ cloud metadata
  routes.push(
    r('GET', '/metadata/endpoints', 'any', 'read', TENANT, async (c) => ok({
      galleryEndpoint: `${c.baseUrl}/`,
      graphEndpoint: 'https://graph.windows.net/',
      portalEndpoint: `${c.baseUrl}/`,
      authentication: { loginEndpoint: 'https://login.microsoftonline.com/', audiences: [`${c.baseUrl}/`] },
      name: 'Palisade',
      resourceManager: `${c.baseUrl}/`,
    }), { anonymous: true }),
  );

  // ------------------------------------------------------------------------------ Palisade extensions
  routes.push(
    r('GET', '/palisade/v1/whoami', 'none', 'read', TENANT, async (c) => ok({ role: c.claims.role, scope: c.claims.scope, expiresOn: new Date(c.claims.exp * 1000).toISOString() })),
    r('GET', '/palisade/v1/evaluation', 'none', 'read', TENANT, async (c) => {
      const ev = await c.estate.get();
      return ok({ generation: ev.generation, builtAt: ev.builtAt.toISOString(), rebuild: ev.rebuild });
    }),
    r('GET', '/palisade/v1/priorities', 'none', 'read', TENANT, async (c) => {
      const wanted = c.query.get('subscriptionId');
      const top = intParam(c, 'top');
      let allowed: (sub: string) => boolean = (s) => c.covers(`/subscriptions/${s}`);
      if (wanted) {
        const sub = requireSub(c, wanted).subscriptionId.toLowerCase();
        if (!c.covers(`/subscriptions/${sub}`)) throw new ApiError(403, 'AuthorizationFailed', `The token's scope '${c.claims.scope}' does not cover subscription '${wanted}'.`);
        allowed = (s) => s.toLowerCase() === sub;
      }
      const ev = await c.estate.get();
      const items = ev.posture.run.priorities().filter((p) => allowed(p.subscriptionId));
      const value = items.slice(0, top ?? items.length).map(priorityView);
      return ok({ value });
    }),
    r('GET', '/palisade/v1/score-history', 'none', 'read', TENANT, async (c) => {
      const wanted = c.query.get('subscriptionId');
      let sub: string | undefined;
      if (wanted) {
        sub = requireSub(c, wanted).subscriptionId;
        if (!c.covers(`/subscriptions/${sub}`)) throw new ApiError(403, 'AuthorizationFailed', `The token's scope '${c.claims.scope}' does not cover subscription '${wanted}'.`);
      } else if (c.claims.scope !== '/') {
        throw badRequest('MissingSubscriptionId', 'subscriptionId is required unless the token covers the tenant root.', 'subscriptionId');
      }
      const snaps = (await c.estate.store.listSnapshots({ kind: 'posture' })).reverse();
      const value: Array<{ at: string; score: number }> = [];
      for (const s of snaps) {
        if (!sub) {
          const score = (s.summary.secureScore as { percentage?: number } | undefined)?.percentage;
          if (typeof score === 'number') value.push({ at: s.takenAt.toISOString(), score });
          continue;
        }
        const full = await c.estate.store.getSnapshot(s.id);
        const subs = (full?.body.subscriptions ?? []) as Array<{ subscriptionId: string; percentage: number }>;
        const hit = subs.find((x) => x.subscriptionId.toLowerCase() === sub!.toLowerCase());
        if (hit) value.push({ at: s.takenAt.toISOString(), score: hit.percentage });
      }
      return ok({ value });
    }),
  );
  return routes;
}

/** A scope that is not a valid resource id → false (the route answers 400/404 itself). */
export function safeWithin(scope: string, id: string, tree: Topology['tree']): boolean {
  try {
    return isWithin(scope, id, tree);
  } catch {
    return false;
  }
}

export { PalisadeError };
