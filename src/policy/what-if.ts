/**
 * Deny what-if — the "audit first, then Deny" rollout made safe: which existing resources an assignment would deny
 * on their next create/update if its effect were Deny, grouped by resource group (or subscription, for
 * subscription-level resources), each group with a proposed exemption command for a user who marks it legitimate.
 *
 * The assignment is evaluated with a policyEffect override to the chosen effect for every reference whose effect can
 * take it (the effect parameter's allowedValues, or a definition already spelling that effect), in Default
 * enforcement mode; existing exemptions still apply (exempt resources are reported apart, not denied).
 */
import { PalisadeError, ResourceId, canonicalKey } from '../core/index.js';
import { normalizeAssignment, type PolicyAssignment } from './assignments.js';
import type { PolicyExemption } from './exemptions.js';
import { resolveAssignment, ruleThen, type DefinitionInfo } from './initiatives.js';
import { PolicyScanner } from './scan.js';

export interface DenyWhatIfOptions {
  /** An assignment known to the scanner (id or name) or a new assignment to try. */
  assignment: string | PolicyAssignment;
  /** Default `Deny`. */
  effect?: string;
  /** Exemption category of the proposals (default Waiver). */
  exemptionCategory?: 'Waiver' | 'Mitigated';
  /** Expiry to propose (ISO date-time), optional. */
  expiresOn?: string;
}

export interface WhatIfResource {
  resourceId: string;
  resourceType: string;
  policyDefinitionReferenceId: string;
  policyDefinitionId: string;
  reason: string;
}

export interface WhatIfGroup {
  /** `/subscriptions/{id}/resourceGroups/{rg}` or `/subscriptions/{id}`. */
  scope: string;
  scopeKind: 'resourceGroup' | 'subscription' | 'managementGroup';
  subscriptionId?: string;
  resourceGroup?: string;
  resources: WhatIfResource[];
  proposedExemption: { name: string; command: string; exemption: PolicyExemption };
}

export interface DenyWhatIfResult {
  policyAssignmentId: string;
  effect: string;
  /** Distinct resources that would be denied. */
  totalResources: number;
  groups: WhatIfGroup[];
  /** Resources that would be denied but are exempt already. */
  exempt: WhatIfResource[];
  /** References whose effect cannot be set to `effect` (not in the parameter's allowedValues). */
  referencesSkipped: string[];
}

function getCI(o: Record<string, unknown> | undefined, key: string): unknown {
  if (!o) return undefined;
  const lower = key.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

/** Whether a definition's effect can be `effect`: a literal equal to it, or a parameter whose allowedValues admit it. */
export function effectAllows(info: DefinitionInfo, effect: string): boolean {
  const then = ruleThen(info.json);
  const e = getCI(then, 'effect');
  if (typeof e !== 'string') return false;
  const m = /^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$/i.exec(e);
  if (!m) return e.toLowerCase() === effect.toLowerCase();
  const props = (getCI(info.json, 'properties') as Record<string, unknown> | undefined) ?? info.json;
  const decl = getCI(getCI(props, 'parameters') as Record<string, unknown> | undefined, m[1]) as Record<string, unknown> | undefined;
  const allowed = decl?.allowedValues;
  if (!Array.isArray(allowed) || allowed.length === 0) return true;
  return allowed.some((a) => typeof a === 'string' && a.toLowerCase() === effect.toLowerCase());
}

function quote(v: string): string {
  return /^[\w\-./:]+$/.test(v) ? v : `"${v.replace(/(["\\$`])/g, '\\$1')}"`;
}

function exemptionName(assignmentName: string, scopeName: string): string {
  const base = `${assignmentName}-waiver-${scopeName}`.replace(/[^A-Za-z0-9\-_.]/g, '-');
  return base.length <= 64 ? base : base.slice(0, 64);
}

/** Runs the Deny what-if of one assignment over the scanner's estate. */
export function denyWhatIf(scanner: PolicyScanner, options: DenyWhatIfOptions): DenyWhatIfResult {
  const effect = options.effect ?? 'Deny';
  let raw: PolicyAssignment;
  if (typeof options.assignment === 'string') {
    const known = scanner.assignment(options.assignment);
    if (!known) throw new PalisadeError('PolicyAssignmentNotFound', `policy assignment '${options.assignment}' is not known`, { kind: 'notFound' });
    raw = known.raw;
  } else raw = options.assignment;

  // Which references can take the effect, then a probe scanner over the same estate with this assignment only.
  const a = normalizeAssignment(raw);
  const refs = resolveAssignment(a, scanner.definitions).references.map((r) => ({ referenceId: r.referenceId, info: scanner.compiler.info(r.definitionId) }));
  const allowed = refs.filter((r) => r.info !== undefined && effectAllows(r.info, effect)).map((r) => r.referenceId);
  const referencesSkipped = refs.filter((r) => !allowed.includes(r.referenceId)).map((r) => r.referenceId);
  const overrides =
    allowed.length === 0
      ? []
      : a.isSet
        ? [{ kind: 'policyEffect', value: effect, selectors: [{ kind: 'policyDefinitionReferenceId', in: allowed }] }]
        : [{ kind: 'policyEffect', value: effect }];
  const probe = new PolicyScanner({
    resources: scanner.index,
    assignments: [{ ...raw, properties: { ...raw.properties, overrides, enforcementMode: 'Default' } }],
    exemptions: scanner.exemptions.all.map((e) => e.raw),
    definitions: scanner.definitions,
    aliases: scanner.aliases,
    hierarchy: scanner.hierarchy,
    clock: scanner.clock,
  });
  const allowedSet = new Set(allowed.map((x) => x.toLowerCase()));
  const states = allowed.length === 0 ? [] : probe.scan().states.filter((s) => allowedSet.has(s.policyDefinitionReferenceId.toLowerCase()) && s.policyDefinitionAction === effect.toLowerCase());

  const groups = new Map<string, WhatIfGroup>();
  const exempt: WhatIfResource[] = [];
  const denied = new Set<string>();
  for (const s of states) {
    if (s.evaluatedState !== 'NonCompliant') continue;
    const item: WhatIfResource = { resourceId: s.resourceId, resourceType: s.resourceType, policyDefinitionReferenceId: s.policyDefinitionReferenceId, policyDefinitionId: s.policyDefinitionId, reason: s.reason };
    if (s.complianceState === 'Exempt') {
      exempt.push(item);
      continue;
    }
    if (s.complianceState !== 'NonCompliant') continue;
    denied.add(s.resourceId.toLowerCase());
    const parsed = ResourceId.tryParse(s.resourceId);
    let scope: string;
    let kind: WhatIfGroup['scopeKind'];
    let subscriptionId: string | undefined;
    let resourceGroup: string | undefined;
    let scopeName: string;
    if (typeof parsed !== 'string' && parsed.subscriptionId !== undefined && parsed.resourceGroup !== undefined) {
      subscriptionId = parsed.subscriptionId;
      resourceGroup = parsed.resourceGroup;
      scope = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
      kind = 'resourceGroup';
      scopeName = resourceGroup;
    } else if (typeof parsed !== 'string' && parsed.subscriptionId !== undefined) {
      subscriptionId = parsed.subscriptionId;
      scope = `/subscriptions/${subscriptionId}`;
      kind = 'subscription';
      scopeName = subscriptionId;
    } else {
      scope = typeof parsed === 'string' ? s.resourceId : parsed.scope.id;
      kind = 'managementGroup';
      scopeName = scope.split('/').pop() ?? 'scope';
    }
    const key = canonicalKey(scope);
    let group = groups.get(key);
    if (!group) {
      const name = exemptionName(a.name, scopeName);
      const exemption: PolicyExemption = {
        id: `${scope}/providers/Microsoft.Authorization/policyExemptions/${name}`,
        name,
        type: 'Microsoft.Authorization/policyExemptions',
        properties: { policyAssignmentId: a.id, exemptionCategory: options.exemptionCategory ?? 'Waiver', ...(options.expiresOn ? { expiresOn: options.expiresOn } : {}) },
      };
      group = { scope, scopeKind: kind, subscriptionId, resourceGroup, resources: [], proposedExemption: { name, command: '', exemption } };
      groups.set(key, group);
    }
    group.resources.push(item);
  }
  const out = [...groups.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, g]) => g);
  for (const g of out) {
    g.resources.sort((x, y) => (x.resourceId.toLowerCase() < y.resourceId.toLowerCase() ? -1 : 1));
    const refIds = [...new Set(g.resources.map((r) => r.policyDefinitionReferenceId).filter((r) => r !== ''))].sort();
    if (a.isSet && refIds.length > 0) g.proposedExemption.exemption.properties.policyDefinitionReferenceIds = refIds;
    const parts = [
      'az policy exemption create',
      `--name ${quote(g.proposedExemption.name)}`,
      `--policy-assignment ${quote(a.id)}`,
      `--exemption-category ${options.exemptionCategory ?? 'Waiver'}`,
      `--scope ${quote(g.scope)}`,
    ];
    if (a.isSet && refIds.length > 0) parts.push(`--policy-definition-reference-ids ${refIds.map(quote).join(' ')}`);
    if (options.expiresOn) parts.push(`--expires-on ${quote(options.expiresOn)}`);
    g.proposedExemption.command = parts.join(' ');
  }
  return { policyAssignmentId: a.id, effect, totalResources: denied.size, groups: out, exempt, referencesSkipped };
}
