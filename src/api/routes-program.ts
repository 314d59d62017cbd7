/**
 * The posture program's routes: continuous export automations (`Microsoft.Security/automations`, 2019-01-01-preview
 * as arm-security 5.0.0 sends it, and 2023-12-01-preview) and governance rules and assignments (2022-01-01-preview).
 */
import { randomUUID } from 'node:crypto';
import {
  allGovernanceAssignments,
  deleteAutomation,
  driftCheck,
  parseDuration,
  parseInstant,
  reviewHtml,
  governanceStatus,
  deleteGovernanceAssignment,
  deleteGovernanceRule,
  getAutomation,
  getGovernanceAssignment,
  getGovernanceRule,
  listAutomations,
  listGovernanceAssignments,
  listGovernanceRules,
  putAutomation,
  putGovernanceAssignment,
  putGovernanceRule,
  refreshGovernanceFromRun,
  validateAutomation,
} from '../program/index.js';
import { PalisadeError } from '../core/index.js';
import { clockFrom, gatherReview, verifyEstate } from '../service/index.js';
import { notFound } from './errors.js';
import { ANY_SCOPE, SEC, SUB, SUB_SCOPE, isRecord, ok, paged, r, requireSub, scopeParam, type Route, type RouteContext } from './route-kit.js';

export const PROGRAM_API_VERSIONS = {
  automations: ['2019-01-01-preview', '2023-12-01-preview'],
  governance: ['2022-01-01-preview'],
} as const;

const RG_SCOPE = (p: Record<string, string>) => `/subscriptions/${p.sub}/resourceGroups/${p.rg}`;
const AUTOMATIONS = `${SUB}/resourceGroups/{rg}${SEC}/automations`;
const OPERATIONS_COLLECTION = 'governance-rule-operations';

function now(c: RouteContext): Date {
  return clockFrom(c.estate.env).now();
}

function automationRoutes(): Route[] {
  const V = PROGRAM_API_VERSIONS.automations;
  const found = async (c: RouteContext) => {
    const sub = requireSub(c, c.params.sub).subscriptionId;
    const hit = await getAutomation(c.estate.store, sub, c.params.rg, c.params.name);
    if (!hit) throw notFound('AutomationNotFound', `The automation '${c.params.name}' was not found in resource group '${c.params.rg}'.`, c.params.name);
    return hit;
  };
  return [
    r('GET', `${SUB}${SEC}/automations`, V, 'read', SUB_SCOPE, async (c) => ok(paged(c, await listAutomations(c.estate.store, { subscriptionId: requireSub(c, c.params.sub).subscriptionId })))),
    r('GET', AUTOMATIONS, V, 'read', RG_SCOPE, async (c) => ok(paged(c, await listAutomations(c.estate.store, { subscriptionId: requireSub(c, c.params.sub).subscriptionId, resourceGroup: c.params.rg })))),
    r('GET', `${AUTOMATIONS}/{name}`, V, 'read', RG_SCOPE, async (c) => ok(await found(c))),
    r('PUT', `${AUTOMATIONS}/{name}`, V, 'securityWrite', RG_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const { resource, created } = await putAutomation(c.estate.store, sub, c.params.rg, c.params.name, c.body, { now: now(c) });
      return { status: created ? 201 : 200, body: resource };
    }),
    // arm-security 5.0.0 (2019-01-01-preview) accepts only 204 for automations.delete
    r('DELETE', `${AUTOMATIONS}/{name}`, V, 'securityWrite', RG_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const existed = await deleteAutomation(c.estate.store, sub, c.params.rg, c.params.name);
      return { status: existed && c.query.get('api-version') !== '2019-01-01-preview' ? 200 : 204 };
    }),
    r('POST', `${AUTOMATIONS}/{name}/validate`, V, 'read', RG_SCOPE, async (c) => {
      const sub = requireSub(c, c.params.sub).subscriptionId;
      const v = validateAutomation(sub, c.params.rg, c.params.name, c.body);
      return ok({ isValid: v.isValid, message: v.message });
    }),
  ];
}

function governanceRoutes(): Route[] {
  const V = PROGRAM_API_VERSIONS.governance;
  const RULES = `{+scope}${SEC}/governanceRules`;
  const ASSIGNMENTS = `{+scope}${SEC}/assessments/{key}/governanceAssignments`;
  return [
    r('GET', RULES, V, 'read', ANY_SCOPE, async (c) => ok(paged(c, await listGovernanceRules(c.estate.store, { scope: scopeParam(c).id })))),
    r('GET', `${RULES}/{name}`, V, 'read', ANY_SCOPE, async (c) => {
      const hit = await getGovernanceRule(c.estate.store, scopeParam(c).id, c.params.name);
      if (!hit) throw notFound('GovernanceRuleNotFound', `The governance rule '${c.params.name}' was not found at '${scopeParam(c).id}'.`, c.params.name);
      return ok(hit);
    }),
    r('PUT', `${RULES}/{name}`, V, 'securityWrite', ANY_SCOPE, async (c) => {
      const { resource, created } = await putGovernanceRule(c.estate.store, scopeParam(c).id, c.params.name, c.body, { now: now(c), principal: c.claims.role });
      return { status: created ? 201 : 200, body: resource };
    }),
    r('DELETE', `${RULES}/{name}`, V, 'securityWrite', ANY_SCOPE, async (c) => ({ status: (await deleteGovernanceRule(c.estate.store, scopeParam(c).id, c.params.name)) ? 200 : 204 })),
    // The rules are applied at once (to every rule's matches, as the engine assigns across rules by priority); the
    // operation result is ready by the time the client polls the location.
    r('POST', `${RULES}/{name}/execute`, V, 'securityWrite', ANY_SCOPE, async (c) => {
      const scope = scopeParam(c).id;
      if (!(await getGovernanceRule(c.estate.store, scope, c.params.name))) throw notFound('GovernanceRuleNotFound', `The governance rule '${c.params.name}' was not found at '${scope}'.`, c.params.name);
      const override = isRecord(c.body) && c.body.override === true;
      const ev = await c.estate.get();
      const result = await refreshGovernanceFromRun(c.estate.store, ev.posture.run, { now: now(c), override });
      const operationId = randomUUID();
      await c.estate.store.putDocument(OPERATIONS_COLLECTION, operationId, { status: 'Succeeded', rule: c.params.name, created: result.created, reassigned: result.reassigned, completed: result.completed });
      const location = `${c.baseUrl}${scope}/providers/Microsoft.Security/governanceRules/${c.params.name}/operationResults/${operationId}?api-version=2022-01-01-preview`;
      return { status: 202, headers: { location }, body: undefined };
    }),
    r('GET', `${RULES}/{name}/operationResults/{operationId}`, V, 'read', ANY_SCOPE, async (c) => {
      const op = await c.estate.store.getDocument<{ status: string }>(OPERATIONS_COLLECTION, c.params.operationId);
      if (!op) throw notFound('OperationNotFound', `The operation '${c.params.operationId}' was not found.`, c.params.operationId);
      return ok({ status: op.status });
    }),
    r('GET', ASSIGNMENTS, V, 'read', ANY_SCOPE, async (c) => ok(paged(c, await listGovernanceAssignments(c.estate.store, { resourceId: scopeParam(c).id, assessmentKey: c.params.key }, now(c))))),
    r('GET', `${ASSIGNMENTS}/{name}`, V, 'read', ANY_SCOPE, async (c) => {
      const hit = await getGovernanceAssignment(c.estate.store, scopeParam(c).id, c.params.key, c.params.name, now(c));
      if (!hit) throw notFound('GovernanceAssignmentNotFound', `The governance assignment '${c.params.name}' was not found.`, c.params.name);
      return ok(hit);
    }),
    r('PUT', `${ASSIGNMENTS}/{name}`, V, 'securityWrite', ANY_SCOPE, async (c) => {
      const { resource, created } = await putGovernanceAssignment(c.estate.store, scopeParam(c).id, c.params.key, c.params.name, c.body, { now: now(c) });
      return { status: created ? 201 : 200, body: resource };
    }),
    r('DELETE', `${ASSIGNMENTS}/{name}`, V, 'securityWrite', ANY_SCOPE, async (c) => ({ status: (await deleteGovernanceAssignment(c.estate.store, scopeParam(c).id, c.params.key, c.params.name)) ? 200 : 204 })),
  ];
}

function numberParam(c: RouteContext, name: string): number | undefined {
  const v = c.query.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new PalisadeError('InvalidQueryParameterValue', `${name} must be a non-negative number ('${v}' given).`, { kind: 'argument', target: name });
  return n;
}

/** Palisade extensions the dashboard's program pages read (tenant-root tokens: they span the estate). */
function extensionRoutes(): Route[] {
  const ROOT = () => '/';
  return [
    r('GET', '/palisade/v1/verify', 'none', 'read', ROOT, async (c) => ok(await verifyEstate(c.estate.ctx, { managementGroup: c.query.get('managementGroup') }))),
    // Drift over a window ending at the newest posture snapshot (or `at`): `since` like 7d, 12h, 2w.
    r('GET', '/palisade/v1/drift', 'none', 'read', ROOT, async (c) => {
      const since = parseDuration(c.query.get('since') ?? '7d', 'since');
      const at = c.query.get('at');
      const window = await driftCheck(c.estate.store, { sinceMs: since, at: at ? parseInstant(at, 'at') : undefined, scoreDrop: numberParam(c, 'scoreDrop'), controlDrop: numberParam(c, 'controlDrop') });
      return ok(window);
    }),
    // The monthly review: `format=json` (default) the facts, `html` the self-contained report.
    r('GET', '/palisade/v1/review', 'none', 'read', ROOT, async (c) => {
      const month = c.query.get('month') ?? now(c).toISOString().slice(0, 7);
      const facts = await gatherReview(c.estate.ctx, month, now(c));
      if (c.query.get('format') === 'html') return { status: 200, body: reviewHtml(facts), headers: { 'content-type': 'text/html; charset=utf-8' } };
      return ok(facts);
    }),
    // Every governance assignment of the estate (ARM lists them per resource and recommendation only).
    r('GET', '/palisade/v1/governance/assignments', 'none', 'read', ROOT, async (c) => {
      const at = now(c);
      await c.estate.get(); // the evaluation refreshes the assignments
      const owner = c.query.get('owner')?.toLowerCase();
      const wantStatus = c.query.get('status');
      const sub = c.query.get('subscriptionId')?.toLowerCase();
      const value = (await allGovernanceAssignments(c.estate.store))
        .map((a) => ({ ...a, status: governanceStatus(a, at) }))
        .filter((a) => (!owner || (a.owner ?? '').toLowerCase() === owner) && (!wantStatus || a.status === wantStatus) && (!sub || a.subscriptionId.toLowerCase() === sub))
        .sort((a, b) => (a.remediationDueDate < b.remediationDueDate ? -1 : a.remediationDueDate > b.remediationDueDate ? 1 : 0));
      const rules = await listGovernanceRules(c.estate.store);
      return ok({ evaluatedAt: at.toISOString(), rules, value });
    }),
  ];
}

export function programRoutes(): Route[] {
  return [...automationRoutes(), ...governanceRoutes(), ...extensionRoutes()];
}
