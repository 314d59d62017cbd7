/**
 * Remediation: what Modify, Append and DeployIfNotExists would do to the non-compliant resources of an assignment,
 * as new resource JSON, applied to the scanner's estate (so the resources re-evaluate), plus the
 * `Microsoft.PolicyInsights/remediations` record that `az policy remediation create` returns.
 *
 *  - Modify: `details.operations` (`addOrReplace` sets, `add` sets when missing, `remove` deletes; an operation
 *    `condition` is evaluated first) on tags, `identity.type`, `location` or an alias path (`[*]` = every member).
 *  - Append: `details` field/value pairs — a plain alias is set when missing (a different existing value is a
 *    conflict, which Azure turns into a deny); `alias[*]` appends the value (each member of an array value) to the
 *    array, creating it; `alias[*].prop` sets `prop` on every member.
 *  - DeployIfNotExists: `details.deployment` with its `parameters` resolved against the evaluated resource
 *    (`[field('name')]`, `[parameters('x')]`), and the template's resources with template parameters, variables and
 *    functions substituted, placed at the deployment scope (the resource's resource group, or its subscription for
 *    `deploymentScope: subscription`); nested `Microsoft.Resources/deployments` are expanded.
 */
import type { AliasCatalog } from '../catalog/index.js';
import { PalisadeError, ResourceId, canonicalKey } from '../core/index.js';
import { compileDefinition } from './compile.js';
import { evaluate } from './evaluate.js';
import type { ArmResource } from './estate-host.js';
import type { PolicyScanner } from './scan.js';
import type { PolicyStateRecord } from './states.js';
import { evaluateTemplateValue, TemplateError } from './template-eval.js';
import { ruleThen, type DefinitionInfo, type ResolvedReference } from './initiatives.js';

export type ResourceDiscoveryMode = 'ExistingNonCompliant' | 'ReEvaluateCompliance';

export interface RemediationOptions {
  name: string;
  /** Assignment id or name. */
  policyAssignmentId: string;
  /** Required for an initiative assignment. */
  policyDefinitionReferenceId?: string;
  resourceDiscoveryMode?: ResourceDiscoveryMode;
  /** Scope the remediation is created at (default: the assignment's scope); only resources within it are remediated. */
  scope?: string;
  filters?: { locations?: string[]; resourceIds?: string[] };
  /** Apply the changes to the scanner's estate and re-evaluate (default true). */
  apply?: boolean;
  /** createdOn (default: the scanner's clock). */
  now?: Date;
}

export interface DeploymentPlan {
  name: string;
  location?: string;
  /** `/subscriptions/{id}` or `/subscriptions/{id}/resourceGroups/{rg}`. */
  scope: string;
  properties: { mode: string; template: unknown; parameters: Record<string, { value: unknown }> };
}

export interface RemediationChange {
  /** The non-compliant resource. */
  resourceId: string;
  effect: 'Modify' | 'Append' | 'DeployIfNotExists';
  status: 'Succeeded' | 'Failed';
  error?: string;
  /** Modify / Append: the resource before and after. */
  before?: ArmResource;
  after?: ArmResource;
  /** DeployIfNotExists: the deployment it runs and the resources it creates or updates. */
  deployment?: DeploymentPlan;
  deployedResources?: ArmResource[];
}

export interface RemediationRecord {
  id: string;
  name: string;
  type: 'Microsoft.PolicyInsights/remediations';
  properties: {
    policyAssignmentId: string;
    policyDefinitionReferenceId: string;
    resourceDiscoveryMode: ResourceDiscoveryMode;
    provisioningState: 'Succeeded' | 'Failed' | 'Evaluating' | 'Accepted';
    createdOn: string;
    lastUpdatedOn: string;
    filters: { locations: string[]; resourceIds: string[] };
    deploymentStatus: { totalDeployments: number; successfulDeployments: number; failedDeployments: number };
    resourceCount: number;
    parallelDeployments: number;
    failureThreshold: { percentage: number };
    statusMessage?: string;
  };
}

export interface RemediationResult {
  remediation: RemediationRecord;
  changes: RemediationChange[];
  /** After applying: the states of the remediated resources for this assignment reference. */
  statesAfter: PolicyStateRecord[];
}

const REMEDIABLE = new Set(['modify', 'append', 'deployifnotexists']);

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function getCI(o: Record<string, unknown> | undefined, key: string): unknown {
  if (!o) return undefined;
  if (Object.prototype.hasOwnProperty.call(o, key)) return o[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

function keyCI(o: Record<string, unknown>, key: string): string {
  const lower = key.toLowerCase();
  return Object.keys(o).find((k) => k.toLowerCase() === lower) ?? key;
}

// ---------------------------------------------------------------------------------------------------------------
// Field paths

interface Seg {
  key: string;
  all: boolean;
}

/** A Modify/Append `field` as a property path of the resource for its type (alias → defaultPath). */
export function fieldPath(field: string, resourceType: string, aliases?: AliasCatalog): Seg[] {
  const f = field.trim();
  const tag = /^tags(?:\[\s*'(.+)'\s*\]|\[(.+)\]|\.(.+))$/i.exec(f);
  if (tag) return [{ key: 'tags', all: false }, { key: (tag[1] ?? tag[2] ?? tag[3]).replace(/''/g, "'"), all: false }];
  const lower = f.toLowerCase();
  if (['tags', 'location', 'name', 'kind', 'identity.type', 'identity'].includes(lower)) return parseDotted(f);
  let path: string | undefined;
  const bindings = aliases?.lookup(f);
  if (bindings && bindings.length > 0) {
    const t = resourceType.toLowerCase();
    const b = bindings.find((x) => x.type === t) ?? bindings.find((x) => t.startsWith(x.type)) ?? bindings[0];
    path = b.entry.defaultPath;
  } else {
    // Without the alias table: `<Namespace>/<type>/<a.b>` reads `properties.a.b`.
    const typeParts = resourceType.split('/').length;
    const rest = f.split('/').slice(typeParts).join('/');
    path = `properties.${rest || f}`;
  }
  return parseDotted(path);
}

function parseDotted(path: string): Seg[] {
  return path
    .split('.')
    .filter((s) => s.length > 0)
    .map((s) => (s.endsWith('[*]') ? { key: s.slice(0, -3), all: true } : { key: s, all: false }));
}

type Op = 'set' | 'add' | 'remove' | 'append';

/** Applies one operation at `segs` inside `target`. Returns false on an Append conflict. */
function applyAt(target: Record<string, unknown>, segs: Seg[], op: Op, value: unknown): boolean {
  const [seg, ...rest] = segs;
  const k = keyCI(target, seg.key);
  if (seg.all) {
    let arr = target[k];
    if (rest.length === 0) {
      if (op === 'append') {
        if (!Array.isArray(arr)) target[k] = arr = [];
        const items = Array.isArray(value) ? value : [value];
        (arr as unknown[]).push(...clone(items));
        return true;
      }
      if (op === 'remove') {
        delete target[k];
        return true;
      }
      if (!Array.isArray(arr)) return true;
      target[k] = (arr as unknown[]).map(() => clone(value));
      return true;
    }
    if (!Array.isArray(arr)) return true;
    let ok = true;
    for (const member of arr as unknown[]) {
      const m = asRecord(member);
      if (m) ok = applyAt(m, rest, op, value) && ok;
    }
    return ok;
  }
  if (rest.length === 0) {
    const exists = Object.prototype.hasOwnProperty.call(target, k) && target[k] !== undefined && target[k] !== null;
    switch (op) {
      case 'set':
        target[k] = clone(value);
        return true;
      case 'add':
        if (!exists) target[k] = clone(value);
        return true;
      case 'remove':
        delete target[k];
        return true;
      case 'append':
        if (!exists) {
          target[k] = clone(value);
          return true;
        }
        return JSON.stringify(target[k]) === JSON.stringify(value);
    }
  }
  let child = asRecord(target[k]);
  if (!child) {
    if (op === 'remove') return true;
    target[k] = child = {};
  }
  return applyAt(child, rest, op, value);
}

export interface ModifyOperation {
  operation: string;
  field: string;
  value?: unknown;
  condition?: unknown;
}

/** Applies Modify operations (already filtered by their conditions) to a copy of the resource. */
export function applyModify(resource: ArmResource, operations: ReadonlyArray<ModifyOperation>, aliases?: AliasCatalog): ArmResource {
  const out = clone(resource);
  for (const op of operations) {
    const kind = String(op.operation).toLowerCase();
    const segs = fieldPath(op.field, resource.type, aliases);
    applyAt(out as Record<string, unknown>, segs, kind === 'addorreplace' ? 'set' : kind === 'add' ? 'add' : 'remove', op.value);
  }
  return out;
}

/** Applies Append field/value pairs to a copy of the resource; throws on a conflicting existing value. */
export function applyAppend(resource: ArmResource, pairs: ReadonlyArray<{ field: string; value: unknown }>, aliases?: AliasCatalog): ArmResource {
  const out = clone(resource);
  for (const p of pairs) {
    const segs = fieldPath(p.field, resource.type, aliases);
    if (!applyAt(out as Record<string, unknown>, segs, 'append', p.value)) {
      throw new PalisadeError('AppendConflict', `append would overwrite '${p.field}' with a different value (Azure denies the request)`, { kind: 'conflict' });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Expressions that need the evaluated resource (DINE deployment parameters, Modify conditions)

/**
 * Evaluates JSON values (with `field()`, `parameters()`, `resourceGroup()` ...) against a resource by compiling them
 * as the details of a rule that always matches — the engine's own evaluator does the work.
 */
function evaluateAgainst(info: DefinitionInfo, ref: ResolvedReference, scanner: PolicyScanner, resource: ArmResource, values: Record<string, unknown>): Record<string, unknown> {
  const props = asRecord(getCI(info.json, 'properties')) ?? info.json;
  const json = {
    properties: {
      mode: 'All',
      parameters: getCI(props, 'parameters') ?? {},
      policyRule: { if: { value: 'x', equals: 'x' }, then: { effect: 'Audit', details: values } },
    },
  };
  const compiled = compileDefinition(json, { aliases: scanner.aliases, parameters: { ...ref.parameters }, unknownAliases: 'path' });
  if (compiled.kind !== 'compiled') throw new PalisadeError('RemediationError', compiled.errors.map((e) => e.message).join('; '));
  const containers = scanner.containerObjects(scanner.facts(resource));
  const r = evaluate(compiled, resource, {
    subscription: containers.subscription,
    resourceGroup: containers.resourceGroup,
    requestContext: { apiVersion: typeof resource.apiVersion === 'string' ? resource.apiVersion : scanner.apiVersion },
    now: scanner.clock.now(),
  });
  if (r.state === 'Error') throw new PalisadeError('RemediationError', r.reason ?? 'evaluation failed');
  return asRecord(r.details) ?? {};
}

// ---------------------------------------------------------------------------------------------------------------
// Deployments

interface DeployContext {
  subscriptionId: string;
  resourceGroup?: string;
  location?: string;
  subscription?: unknown;
  resourceGroupObject?: unknown;
  now: Date;
}

function templateParameters(template: Record<string, unknown>, given: Record<string, unknown>, ctx: DeployContext): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const byLower = new Map(Object.entries(given).map(([k, v]) => [k.toLowerCase(), v]));
  const decls = asRecord(template.parameters) ?? {};
  for (const [name, decl] of Object.entries(decls)) {
    const k = name.toLowerCase();
    if (byLower.has(k)) values.set(k, byLower.get(k));
    else {
      const d = asRecord(decl);
      if (d && 'defaultValue' in d) {
        values.set(k, evaluateTemplateValue(d.defaultValue, { parameters: values, resourceGroup: ctx.resourceGroupObject, subscription: ctx.subscription, now: ctx.now }));
      }
    }
  }
  for (const [k, v] of byLower) if (!values.has(k)) values.set(k, v);
  return values;
}

function scopePrefix(ctx: DeployContext): string {
  return ctx.resourceGroup === undefined ? `/subscriptions/${ctx.subscriptionId}` : `/subscriptions/${ctx.subscriptionId}/resourceGroups/${ctx.resourceGroup}`;
}

function buildId(prefix: string, type: string, name: string, scope?: string): { id: string; type: string; name: string } {
  // Old-style extension syntax: type `A/b/providers/c`, name `x/Ns.Prov/y`.
  const provIdx = type.toLowerCase().indexOf('/providers/');
  if (provIdx >= 0) {
    const baseType = type.slice(0, provIdx);
    const extTypes = type.slice(provIdx + '/providers/'.length).split('/');
    const baseParts = baseType.split('/');
    const nameParts = name.split('/');
    const baseNames = nameParts.slice(0, baseParts.length - 1);
    const extNs = nameParts[baseParts.length - 1];
    const extNames = nameParts.slice(baseParts.length);
    let id = `${prefix}/providers/${baseParts[0]}`;
    baseParts.slice(1).forEach((t, i) => (id += `/${t}/${baseNames[i]}`));
    id += `/providers/${extNs}`;
    extTypes.forEach((t, i) => (id += `/${t}/${extNames[i]}`));
    return { id, type: `${extNs}/${extTypes.join('/')}`, name: extNames[extNames.length - 1] ?? '' };
  }
  const parts = type.split('/');
  const names = name.split('/');
  let base = prefix;
  if (scope !== undefined && scope.length > 0) {
    base = scope.startsWith('/') ? scope : `${prefix}/providers/${scope}`;
  }
  let id = `${base}/providers/${parts[0]}`;
  parts.slice(1).forEach((t, i) => (id += `/${t}/${names[i] ?? ''}`));
  return { id, type, name: names[names.length - 1] ?? '' };
}

/** The resources a template deploys, with expressions evaluated (nested deployments expanded). */
export function deployTemplate(template: unknown, parameters: Record<string, unknown>, ctx: DeployContext, depth = 0): ArmResource[] {
  const t = asRecord(template);
  if (!t) throw new TemplateError('the deployment has no template');
  if (depth > 5) throw new TemplateError('nested deployments go too deep');
  const params = templateParameters(t, parameters, ctx);
  const env = { parameters: params, variables: asRecord(t.variables) ?? {}, resourceGroup: ctx.resourceGroupObject, subscription: ctx.subscription, now: ctx.now };
  const resources = Array.isArray(t.resources) ? t.resources : [];
  const out: ArmResource[] = [];
  for (const raw of resources) {
    const r = asRecord(evaluateTemplateValue(raw, env));
    if (!r || typeof r.type !== 'string' || typeof r.name !== 'string') continue;
    if (r.condition === false) continue;
    if (r.type.toLowerCase() === 'microsoft.resources/deployments') {
      const props = asRecord(r.properties) ?? {};
      const inner: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(asRecord(props.parameters) ?? {})) inner[k] = asRecord(v) && 'value' in (v as object) ? (v as { value: unknown }).value : v;
      const innerCtx: DeployContext = {
        ...ctx,
        subscriptionId: typeof r.subscriptionId === 'string' ? r.subscriptionId : ctx.subscriptionId,
        resourceGroup: typeof r.resourceGroup === 'string' ? r.resourceGroup : ctx.resourceGroup,
      };
      // An expression-scoped inner deployment evaluates with the outer parameters.
      const scopeInner = asRecord(props.expressionEvaluationOptions)?.scope;
      if (String(scopeInner ?? 'outer').toLowerCase() === 'outer') {
        const nested = deployTemplate({ ...(asRecord(props.template) ?? {}), parameters: t.parameters }, Object.fromEntries(params), innerCtx, depth + 1);
        out.push(...nested);
      } else out.push(...deployTemplate(props.template, inner, innerCtx, depth + 1));
      continue;
    }
    const { id, type, name } = buildId(scopePrefix(ctx), r.type, r.name, typeof r.scope === 'string' ? r.scope : undefined);
    const resource: ArmResource = { id, type, name };
    const parsed = ResourceId.tryParse(id);
    if (typeof parsed !== 'string') {
      if (parsed.subscriptionId) resource.subscriptionId = parsed.subscriptionId;
      if (parsed.resourceGroup) resource.resourceGroup = parsed.resourceGroup;
    }
    for (const k of ['location', 'kind', 'sku', 'identity', 'tags', 'properties', 'zones', 'plan']) {
      if (r[k] !== undefined) resource[k] = r[k];
    }
    if (typeof r.apiVersion === 'string') resource.apiVersion = r.apiVersion;
    out.push(resource);
  }
  return out;
}

/** The deployment a DeployIfNotExists reference would run for `resource`, and what it deploys. */
export function planDeployment(scanner: PolicyScanner, info: DefinitionInfo, ref: ResolvedReference, resource: ArmResource, name: string): { deployment: DeploymentPlan; resources: ArmResource[] } {
  const details = asRecord(getCI(ruleThen(info.json) ?? {}, 'details')) ?? {};
  const deployment = asRecord(getCI(details, 'deployment'));
  const props = asRecord(getCI(deployment, 'properties'));
  if (!deployment || !props) throw new PalisadeError('RemediationError', `definition '${info.id}' has no details.deployment`);
  const rawParams = asRecord(getCI(props, 'parameters')) ?? {};
  const evaluated = Object.keys(rawParams).length === 0 ? {} : evaluateAgainst(info, ref, scanner, resource, { p: rawParams }).p;
  const paramValues: Record<string, { value: unknown }> = {};
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(asRecord(evaluated) ?? {})) {
    const value = asRecord(v) && 'value' in (v as object) ? (v as { value: unknown }).value : v;
    paramValues[k] = { value };
    plain[k] = value;
  }
  const facts = scanner.facts(resource);
  const containers = scanner.containerObjects(facts);
  const scopeKind = String(getCI(details, 'deploymentScope') ?? '').toLowerCase();
  const rg = scopeKind === 'subscription' ? undefined : facts.resourceGroup;
  if (facts.subscriptionId === undefined) throw new PalisadeError('RemediationError', `'${facts.id}' is not in a subscription`);
  const ctx: DeployContext = {
    subscriptionId: facts.subscriptionId,
    resourceGroup: rg,
    subscription: containers.subscription,
    resourceGroupObject: containers.resourceGroup,
    now: scanner.clock.now(),
  };
  const template = getCI(props, 'template');
  const resources = deployTemplate(template, plain, ctx);
  const location = getCI(deployment, 'location');
  return {
    deployment: {
      name,
      location: typeof location === 'string' ? location : undefined,
      scope: scopePrefix(ctx),
      properties: { mode: String(getCI(props, 'mode') ?? 'incremental'), template: clone(template), parameters: paramValues },
    },
    resources,
  };
}

/** Modify operations whose `condition` holds for the resource. */
function activeOperations(scanner: PolicyScanner, info: DefinitionInfo, ref: ResolvedReference, resource: ArmResource, ops: ModifyOperation[]): ModifyOperation[] {
  const withConditions = ops.map((o, i) => [i, o.condition] as const).filter(([, c]) => c !== undefined);
  if (withConditions.length === 0) return ops;
  const values = evaluateAgainst(info, ref, scanner, resource, { c: withConditions.map(([, c]) => c) }).c;
  const results = Array.isArray(values) ? values : [];
  const skip = new Set<number>();
  withConditions.forEach(([i], j) => {
    const v = results[j];
    if (v === false || (typeof v === 'string' && v.toLowerCase() === 'false')) skip.add(i);
  });
  return ops.filter((_, i) => !skip.has(i));
}

/** Runs a remediation like `az policy remediation create`. */
export function createRemediation(scanner: PolicyScanner, options: RemediationOptions): RemediationResult {
  const assignment = scanner.assignment(options.policyAssignmentId);
  if (!assignment) throw new PalisadeError('PolicyAssignmentNotFound', `policy assignment '${options.policyAssignmentId}' is not known`, { kind: 'notFound' });
  const refId = options.policyDefinitionReferenceId ?? '';
  if (assignment.isSet && refId === '') {
    throw new PalisadeError('InvalidRemediation', 'an initiative assignment needs --definition-reference-id', { kind: 'argument' });
  }
  const entry = scanner.planEntry(assignment.id, refId);
  if (!entry) throw new PalisadeError('PolicyDefinitionReferenceNotFound', `assignment '${assignment.name}' has no evaluated reference '${refId}'`, { kind: 'notFound' });
  const mode: ResourceDiscoveryMode = options.resourceDiscoveryMode ?? 'ExistingNonCompliant';
  const scope = options.scope ?? assignment.scope;
  const scopeKey = canonicalKey(scope);
  const locations = (options.filters?.locations ?? []).map((l) => l.replace(/\s+/g, '').toLowerCase());
  const ids = new Set((options.filters?.resourceIds ?? []).map(canonicalKey));
  const now = options.now ?? scanner.clock.now();

  const selected = (r: PolicyStateRecord) => {
    if (r.policyAssignmentId.toLowerCase() !== assignment.key || r.policyDefinitionReferenceId.toLowerCase() !== refId.toLowerCase()) return false;
    if (r.complianceState !== 'NonCompliant' || !REMEDIABLE.has(r.policyDefinitionAction)) return false;
    if (locations.length > 0 && !locations.includes(r.resourceLocation.replace(/\s+/g, '').toLowerCase())) return false;
    if (ids.size > 0 && !ids.has(canonicalKey(r.resourceId))) return false;
    const res = scanner.index.get(r.resourceId);
    return res !== undefined && scanner.facts(res).chain.has(scopeKey);
  };
  const candidates = () => scanner.states({ policyAssignmentId: assignment.id, policyDefinitionReferenceId: refId, complianceState: 'NonCompliant' }).filter(selected);
  let targets = candidates();
  if (mode === 'ReEvaluateCompliance') {
    for (const t of targets) scanner.reevaluateResource(t.resourceId);
    targets = candidates();
  }

  const changes: RemediationChange[] = [];
  for (const state of targets) {
    const resource = scanner.index.get(state.resourceId) as ArmResource;
    const effect = state.policyDefinitionAction;
    try {
      if (effect === 'modify') {
        const ops = (asRecord(state.effectDetails)?.operations ?? []) as ModifyOperation[];
        const active = activeOperations(scanner, entry.info, entry.ref, resource, clone(ops));
        changes.push({ resourceId: state.resourceId, effect: 'Modify', status: 'Succeeded', before: resource, after: applyModify(resource, active, scanner.aliases) });
      } else if (effect === 'append') {
        const pairs = (Array.isArray(state.effectDetails) ? state.effectDetails : []) as Array<{ field: string; value: unknown }>;
        changes.push({ resourceId: state.resourceId, effect: 'Append', status: 'Succeeded', before: resource, after: applyAppend(resource, pairs, scanner.aliases) });
      } else {
        const deploymentName = `PolicyDeployment_${options.name}_${changes.length}`;
        const plan = planDeployment(scanner, entry.info, entry.ref, resource, deploymentName);
        changes.push({ resourceId: state.resourceId, effect: 'DeployIfNotExists', status: 'Succeeded', deployment: plan.deployment, deployedResources: plan.resources });
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      changes.push({ resourceId: state.resourceId, effect: effect === 'modify' ? 'Modify' : effect === 'append' ? 'Append' : 'DeployIfNotExists', status: 'Failed', error: message });
    }
  }

  if (options.apply !== false) {
    for (const c of changes) {
      if (c.status !== 'Succeeded') continue;
      if (c.after) scanner.reevaluateResource(c.after.id, c.after);
      for (const d of c.deployedResources ?? []) {
        const existing = scanner.index.get(d.id);
        const merged = existing ? { ...existing, ...d, properties: { ...(asRecord(existing.properties) ?? {}), ...(asRecord(d.properties) ?? {}) } } : d;
        scanner.reevaluateResource(d.id, merged);
      }
    }
  }

  const failed = changes.filter((c) => c.status === 'Failed').length;
  const remediation: RemediationRecord = {
    id: `${scope.replace(/\/$/, '')}/providers/Microsoft.PolicyInsights/remediations/${options.name}`,
    name: options.name,
    type: 'Microsoft.PolicyInsights/remediations',
    properties: {
      policyAssignmentId: assignment.id,
      policyDefinitionReferenceId: refId,
      resourceDiscoveryMode: mode,
      provisioningState: failed > 0 ? 'Failed' : 'Succeeded',
      createdOn: now.toISOString(),
      lastUpdatedOn: now.toISOString(),
      filters: { locations: options.filters?.locations ?? [], resourceIds: options.filters?.resourceIds ?? [] },
      deploymentStatus: { totalDeployments: changes.length, successfulDeployments: changes.length - failed, failedDeployments: failed },
      resourceCount: changes.length,
      parallelDeployments: 10,
      failureThreshold: { percentage: 1 },
    },
  };
  const remediated = new Set(changes.map((c) => canonicalKey(c.resourceId)));
  const statesAfter = scanner
    .states()
    .filter((r) => remediated.has(canonicalKey(r.resourceId)) && r.policyAssignmentId.toLowerCase() === assignment.key && r.policyDefinitionReferenceId.toLowerCase() === refId.toLowerCase());
  return { remediation, changes, statesAfter };
}
