/**
 * Microsoft.Authorization and Microsoft.PolicyInsights routes: policy definitions and set definitions, assignments,
 * exemptions, policy state summaries and remediations.
 */
import { canonicalKey, type ArgRow } from '../core/index.js';
import { canonicalPolicyType, loadCatalog, type PolicyResource } from '../catalog/index.js';
import { summarizeStates } from '../policy/index.js';
import {
  ASSIGNMENT_TYPE,
  EXEMPTION_TYPE,
  catalogDir,
  flattenPolicyRow,
  patchPolicyAssignment,
  patchPolicyExemption,
  putPolicyAssignment,
  putPolicyExemption,
  REMEDIATIONS_COLLECTION,
  runRemediation,
  storedRemediations,
  type StoredRemediation,
  checkPolicyName,
  customPolicyScope,
  definitionProperties,
  saveCustomPolicy,
  setDefinitionProperties,
  type PolicyTarget,
  type PolicyRow,
  type PolicySession,
} from '../service/index.js';
import { badRequest, notFound } from './errors.js';
import {
  scoreScope,
  RouteContext,
  Route,
  API_VERSIONS,
  SUB_SCOPE,
  MG_SCOPE,
  TENANT,
  ANY_SCOPE,
  requireSub,
  requireMg,
  intParam,
  paged,
  ok,
  scopeParam,
  existingScope,
  bodyProperties,
  optionalString,
  optionalObject,
  BODY,
  r,
  SUB,
  MG,
  AUTHZ,
} from './route-kit.js';

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

export function policyRoutes(): Route[] {
  const V = API_VERSIONS;
  const routes: Route[] = [];

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
  return routes;
}
