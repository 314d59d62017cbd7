/**
 * Policy remediation over the store, shared by `palisade policy remediation create` and the PolicyInsights
 * `PUT .../remediations/{name}` route: evaluates the estate, runs the engine's remediation for one (assignment,
 * reference) — Modify and Append give the new resource JSON, DeployIfNotExists the deployment and the resources it
 * creates — and writes the changed and created rows back with one merge import, so the next evaluation sees them.
 * The remediation record (and its deployments) is a store document (`policy-remediations`).
 *
 * Like Azure, it refuses a reference the assignment does not have, or one whose effect cannot remediate (only
 * DeployIfNotExists and Modify — and Append, which Palisade remediates too): the error lists the references of the
 * assignment that can be remediated, with their effects under the assignment's parameters.
 */
import { PalisadeError, ResourceId, canonicalKey, type ArgRow } from '../core/index.js';
import { PolicyCompiler, createRemediation, normalizeAssignment, resolveAssignment, type RemediationChange, type RemediationRecord } from '../policy/index.js';
import type { Store } from '../store/index.js';
import { PolicySession } from './policy-session.js';

export const REMEDIATIONS_COLLECTION = 'policy-remediations';
const REMEDIABLE = /^(deployifnotexists|modify|append)$/i;

export interface StoredRemediation {
  remediation: RemediationRecord;
  deployments: Array<Record<string, unknown>>;
}

export interface RemediationRequest {
  name: string;
  /** assignment name (looked up at and above the scope) or id */
  policyAssignment: string;
  definitionReferenceId?: string;
  resourceDiscoveryMode: 'ExistingNonCompliant' | 'ReEvaluateCompliance';
  /** the remediation's scope (default: the assignment's) */
  scope?: string;
  locations?: string[];
  resourceIds?: string[];
  /** the caller's name for the estate write (`cli:...`, `api:...`) */
  source: string;
}

export interface RemediationOutcome {
  remediation: RemediationRecord;
  /** ids of the estate rows written (changed or created resources) */
  writtenIds: string[];
  compliantAfter: number;
  statesAfter: number;
}

/** The effect of every reference of an assignment under its parameters. */
export function referenceEffects(session: PolicySession, assignment: ReturnType<typeof PolicySession.toAssignment>): Array<{ referenceId: string; definitionId: string; effect?: string }> {
  const a = normalizeAssignment(assignment);
  const compiler = new PolicyCompiler(session.definitions, session.catalog.aliases());
  return resolveAssignment(a, session.definitions).references.map((ref) => ({ referenceId: ref.referenceId, definitionId: ref.definitionId, effect: compiler.compile(ref.definitionId, ref.parameters).effect }));
}

export function remediationDeployments(changes: RemediationChange[], name: string): Array<Record<string, unknown>> {
  return changes.map((c, i) => ({
    createdOn: null,
    deploymentId: c.deployment ? `${c.deployment.scope}/providers/Microsoft.Resources/deployments/${c.deployment.name}` : `${c.resourceId}#${name}-${i}`,
    effect: c.effect,
    error: c.error ? { code: 'RemediationFailed', message: c.error } : null,
    lastUpdatedOn: null,
    remediatedResourceId: c.resourceId,
    resourceLocation: null,
    status: c.status,
    ...(c.deployment ? { deployment: c.deployment } : {}),
    ...(c.deployedResources ? { deployedResourceIds: c.deployedResources.map((d) => d.id) } : {}),
  }));
}

/** Runs a remediation and writes its effects to the store (the session is the estate as it is now). */
export async function runRemediation(session: PolicySession, opts: RemediationRequest, warn: (message: string) => void = () => undefined): Promise<RemediationOutcome> {
  const scopeArg = opts.scope;
  if (scopeArg) await session.assertScopeExists(scopeArg);
  const assignment = session.findAssignment(opts.policyAssignment, scopeArg);
  const raw = PolicySession.toAssignment(assignment);
  const a = normalizeAssignment(raw);
  const effects = referenceEffects(session, raw);
  const remediable = effects.filter((e) => REMEDIABLE.test(e.effect ?? ''));
  const listing = remediable.length === 0 ? 'none (every reference audits, denies or is disabled with its parameters)' : remediable.map((e) => `${e.referenceId || '(the definition)'} (${e.effect})`).join(', ');
  let refId = opts.definitionReferenceId ?? '';
  if (a.isSet) {
    if (!refId) {
      throw new PalisadeError('InvalidCreateRemediationRequest', `Assignment '${assignment.name}' assigns an initiative: name the reference to remediate (--definition-reference-id, or properties.policyDefinitionReferenceId). References that can be remediated: ${listing}.`, { kind: 'argument' });
    }
    const ref = effects.find((e) => e.referenceId.toLowerCase() === refId.toLowerCase());
    if (!ref) {
      throw new PalisadeError(
        'PolicyDefinitionReferenceNotFound',
        `The policy definition reference '${refId}' does not exist in the policy set definition '${a.definitionId}' of assignment '${assignment.name}'. References that can be remediated (DeployIfNotExists, Modify, Append): ${listing}.`,
        { kind: 'validation', target: refId },
      );
    }
    refId = ref.referenceId;
    if (!REMEDIABLE.test(ref.effect ?? '')) {
      throw new PalisadeError(
        'InvalidCreateRemediationRequest',
        `The policy definition reference '${ref.referenceId}' of assignment '${assignment.name}' has the effect '${ref.effect ?? 'unknown'}'; only DeployIfNotExists, Modify and Append can be remediated. References that can be remediated: ${listing}.`,
        { kind: 'validation', target: ref.referenceId },
      );
    }
  } else {
    if (refId) warn(`definitionReferenceId is ignored: '${assignment.name}' assigns a single policy definition`);
    refId = '';
    const effect = effects[0]?.effect;
    if (!REMEDIABLE.test(effect ?? '')) {
      throw new PalisadeError('InvalidCreateRemediationRequest', `The policy assignment '${assignment.name}' has the effect '${effect ?? 'unknown'}'; only DeployIfNotExists, Modify and Append can be remediated.`, { kind: 'validation', target: assignment.id });
    }
  }
  if (scopeArg && !session.scopeChain(scopeArg).has(assignment.scopeKey) && !session.scopeChain(assignment.scope).has(canonicalKey(scopeArg))) {
    throw new PalisadeError('InvalidCreateRemediationRequest', `The remediation scope '${scopeArg}' does not overlap the scope '${assignment.scope}' of assignment '${assignment.name}'.`, { kind: 'validation' });
  }

  const { scanner } = await session.scan();
  const { remediation, changes, statesAfter } = createRemediation(scanner, {
    name: opts.name,
    policyAssignmentId: assignment.id,
    policyDefinitionReferenceId: refId || undefined,
    resourceDiscoveryMode: opts.resourceDiscoveryMode,
    scope: scopeArg ?? assignment.scope,
    filters: { locations: opts.locations ?? [], resourceIds: opts.resourceIds ?? [] },
    now: session.clock.now(),
  });

  // Write what changed back to the estate: the new state of modified resources and the deployed resources.
  const changedIds = new Set<string>();
  for (const c of changes) {
    if (c.status !== 'Succeeded') continue;
    if (c.after) changedIds.add(canonicalKey(c.after.id));
    for (const d of c.deployedResources ?? []) changedIds.add(canonicalKey(d.id));
  }
  const rows: ArgRow[] = [];
  const tables = new Map<string, string>();
  for (const key of changedIds) {
    const resource = scanner.index.get(key);
    if (!resource) continue;
    const stored = await session.store.getResource(key);
    if (stored) tables.set(key, stored.table);
    rows.push(asArgRow(session, resource as Record<string, unknown>, Boolean(stored)));
  }
  await session.writeRows(rows, opts.source, tables);
  const record: StoredRemediation = { remediation, deployments: remediationDeployments(changes, opts.name) };
  await session.store.putDocument(REMEDIATIONS_COLLECTION, remediation.id, record);
  const compliant = statesAfter.filter((s) => s.complianceState === 'Compliant').length;
  return { remediation, writtenIds: rows.map((r) => String(r.id)), compliantAfter: compliant, statesAfter: statesAfter.length };
}

/** An estate row for a resource the remediation created or changed (ARG conventions: lower-case type, scope fields). */
function asArgRow(session: PolicySession, resource: Record<string, unknown>, existed: boolean): ArgRow {
  const id = String(resource.id);
  if (existed) return resource as ArgRow;
  const parsed = ResourceId.parse(id);
  const fields = session.scopeFields(parsed.kind === 'resource' ? parsed.scope : parsed);
  return {
    id,
    name: typeof resource.name === 'string' ? resource.name : parsed.name,
    type: (typeof resource.type === 'string' ? resource.type : parsed.type).toLowerCase(),
    tenantId: fields.tenantId,
    kind: typeof resource.kind === 'string' ? resource.kind : '',
    location: typeof resource.location === 'string' ? resource.location : '',
    resourceGroup: (parsed.resourceGroup ?? '').toLowerCase(),
    subscriptionId: parsed.subscriptionId ?? '',
    managedBy: '',
    sku: resource.sku ?? null,
    plan: null,
    properties: resource.properties ?? {},
    tags: resource.tags ?? null,
    identity: resource.identity ?? null,
    zones: null,
    extendedLocation: null,
  } as ArgRow;
}

export async function storedRemediations(store: Store): Promise<StoredRemediation[]> {
  return (await store.listDocuments<StoredRemediation>(REMEDIATIONS_COLLECTION)).map((d) => d.body);
}
