import { isDeepStrictEqual } from 'node:util';
/**
 * Policy writes from ARM request bodies (the API server's PUTs), with the validation `palisade policy assignment
 * create` and `palisade policy exemption create` apply (same codes, same rows, one merge import each):
 *
 *   putPolicyAssignment(session, scope, name, {location?, identity?, properties: {policyDefinitionId, parameters, ...}})
 *   putPolicyExemption(session, scope, name, {properties: {policyAssignmentId, exemptionCategory, expiresOn?, ...}})
 *
 * The parameter check is the CLI's (`checkParameters` in src/cli/commands/policy-assignments.ts), repeated here so
 * the service layer does not import the CLI; the CLI can switch to this copy.
 */
import { PalisadeError, canonicalKey, type ArgRow } from '../core/index.js';
import type { PolicyResource } from '../catalog/index.js';
import { PolicyCompiler, normalizeAssignment, parameterTypeMatches, resolveAssignment } from '../policy/index.js';
import { ASSIGNMENT_TYPE, EXEMPTION_TYPE, PolicySession, guidFrom, type PolicyRow } from './policy-session.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

interface ParameterDecl {
  type?: string;
  defaultValue?: unknown;
  allowedValues?: unknown[];
}

/** `{name: {value}}` (or `{name: value}`) checked against the definition: UndefinedPolicyParameter, InvalidPolicyParameters, MissingPolicyParameter. */
export function checkPolicyParameters(raw: unknown, def: PolicyResource, assignmentName: string, source: string): Record<string, { value: unknown }> {
  if (raw === undefined || raw === null) raw = {};
  if (!isRecord(raw)) throw new PalisadeError('InvalidPolicyParameters', `${source}: the parameters must be a JSON object such as '{ "effect": { "value": "Deny" } }'`, { kind: 'validation' });
  const p = (def.properties as Record<string, unknown>).parameters;
  const declared = (isRecord(p) ? p : {}) as Record<string, ParameterDecl>;
  const names = Object.keys(declared);
  const what = def.type.toLowerCase().endsWith('policysetdefinitions') ? 'policy set definition' : 'policy definition';
  const out: Record<string, { value: unknown }> = {};
  const unknown: string[] = [];
  const problems: string[] = [];
  for (const [given, v] of Object.entries(raw)) {
    const name = names.find((n) => n.toLowerCase() === given.toLowerCase());
    if (!name) {
      unknown.push(given);
      continue;
    }
    const value = isRecord(v) && 'value' in v ? v.value : v;
    const decl = declared[name] ?? {};
    if (decl.type && !parameterTypeMatches(decl.type, value)) {
      problems.push(`parameter '${name}' expects a value of type '${decl.type}', got ${show(value)}`);
    } else if (Array.isArray(decl.allowedValues) && decl.allowedValues.length > 0) {
      const values = decl.type?.toLowerCase() === 'array' && Array.isArray(value) && !decl.allowedValues.some((a) => Array.isArray(a)) ? value : [value];
      for (const one of values) {
        if (!decl.allowedValues.some((a) => isDeepStrictEqual(a, one))) {
          problems.push(`parameter '${name}' value ${show(one)} is not allowed; allowed values: ${decl.allowedValues.map(show).join(', ')}`);
        }
      }
    }
    out[name] = { value };
  }
  const valid = names.length === 0 ? 'none' : names.map((n) => `${n} (${declared[n].type ?? 'any'}${Array.isArray(declared[n].allowedValues) ? `: ${declared[n].allowedValues!.map(show).join(' | ')}` : ''})`).join(', ');
  if (unknown.length > 0) {
    throw new PalisadeError('UndefinedPolicyParameter', `The policy assignment '${assignmentName}' has the parameter(s) '${unknown.join("', '")}' which are not defined in the ${what} '${def.name}'. Valid parameters: ${valid}.`, {
      kind: 'validation',
      target: unknown[0],
    });
  }
  if (problems.length > 0) throw new PalisadeError('InvalidPolicyParameters', `The policy assignment '${assignmentName}' has invalid parameters: ${problems.join('; ')}.`, { kind: 'validation' });
  const missing = names.filter((n) => !(n in out) && !('defaultValue' in (declared[n] ?? {})));
  if (missing.length > 0) {
    throw new PalisadeError('MissingPolicyParameter', `The policy assignment '${assignmentName}' is missing the parameter(s) '${missing.join("', '")}' as defined in the ${what} '${def.name}'. Valid parameters: ${valid}.`, {
      kind: 'validation',
      target: missing[0],
    });
  }
  return out;
}

const ASSIGNMENT_NAME = /^[^<>*%&:\\?.+/]*[^<>*%&:\\?.+/ ]+$/;
const EXEMPTION_NAME = /^[^<>*%&:\\?+/]*[^<>*%&:\\?+/ .]+$/;

function scopeRow(session: PolicySession, scope: Awaited<ReturnType<PolicySession['assertScopeExists']>>) {
  const f = session.scopeFields(scope);
  return { tenantId: f.tenantId, kind: '', resourceGroup: f.resourceGroup, subscriptionId: f.subscriptionId, managedBy: '', sku: null, plan: null, tags: null, zones: null, extendedLocation: null };
}

/** PUT `{scope}/providers/Microsoft.Authorization/policyAssignments/{name}`: the stored row (and whether it existed). */
export async function putPolicyAssignment(session: PolicySession, scope: string, name: string, body: unknown): Promise<{ row: ArgRow; created: boolean }> {
  if (!isRecord(body)) throw new PalisadeError('InvalidRequestContent', 'The request content must be a JSON object with properties.', { kind: 'validation' });
  if (!ASSIGNMENT_NAME.test(name) || name.length > 64) throw new PalisadeError('InvalidPolicyAssignmentName', `'${name}': a policy assignment name has at most 64 characters and none of <>*%&:\\?.+/`, { kind: 'validation', target: name });
  const props = isRecord(body.properties) ? body.properties : {};
  const scopeId = await session.assertScopeExists(scope);
  const defId = props.policyDefinitionId;
  if (typeof defId !== 'string' || defId === '') throw new PalisadeError('InvalidCreatePolicyAssignmentRequest', 'properties.policyDefinitionId is required.', { kind: 'validation', target: 'properties.policyDefinitionId' });
  const kind = defId.toLowerCase().includes('/policysetdefinitions/') ? 'set' : 'definition';
  const def = session.resolveDefinition(defId, kind, scopeId.id);
  const defScope = def.id.slice(0, def.id.toLowerCase().lastIndexOf('/providers/microsoft.authorization/'));
  if (defScope !== '' && !session.scopeChain(scopeId.id).has(canonicalKey(defScope))) {
    throw new PalisadeError('InvalidCreatePolicyAssignmentRequest', `The policy definition '${def.id}' is defined at '${defScope}', which is not at or above the assignment scope '${scopeId.id}'.`, { kind: 'validation', target: def.id });
  }
  const params = checkPolicyParameters(props.parameters, def, name, 'properties.parameters');
  const notScopes = Array.isArray(props.notScopes) ? props.notScopes.map(String) : [];
  const enforcementMode = props.enforcementMode === undefined ? 'Default' : String(props.enforcementMode);
  if (!['Default', 'DoNotEnforce', 'Enroll'].includes(enforcementMode)) throw new PalisadeError('InvalidCreatePolicyAssignmentRequest', `enforcementMode '${enforcementMode}' is not one of Default, DoNotEnforce, Enroll.`, { kind: 'validation' });
  const id = `${scopeId.id}/providers/${ASSIGNMENT_TYPE}/${name}`;
  const existing = session.assignments().find((a) => a.key === canonicalKey(id));
  const fields = session.scopeFields(scopeId);
  const location = typeof body.location === 'string' ? body.location : '';
  let identity: Record<string, unknown> | null = null;
  const identityIn = isRecord(body.identity) ? body.identity : undefined;
  const identityType = String(identityIn?.type ?? 'None');
  if (/^systemassigned$/i.test(identityType)) {
    identity = { type: 'SystemAssigned', principalId: guidFrom(`principal:${canonicalKey(id)}`), tenantId: fields.tenantId };
  } else if (/^userassigned$/i.test(identityType)) {
    const uami = Object.keys(isRecord(identityIn?.userAssignedIdentities) ? identityIn.userAssignedIdentities : {})[0];
    if (!uami) throw new PalisadeError('InvalidCreatePolicyAssignmentRequest', 'identity.userAssignedIdentities needs one identity id.', { kind: 'validation' });
    identity = { type: 'UserAssigned', userAssignedIdentities: { [uami]: { principalId: guidFrom(`principal:${uami}`), clientId: guidFrom(`client:${uami}`) } } };
  } else if (!/^none$/i.test(identityType)) {
    throw new PalisadeError('InvalidCreatePolicyAssignmentRequest', `identity.type '${identityType}' is not one of SystemAssigned, UserAssigned, None.`, { kind: 'validation' });
  }
  if (identity && location === '') throw new PalisadeError('InvalidCreatePolicyAssignmentRequest', 'A policy assignment with a managed identity needs a location.', { kind: 'validation', target: 'location' });
  const now = session.clock.now().toISOString();
  const oldProps = (existing?.row.properties ?? {}) as Record<string, unknown>;
  const oldMeta = (isRecord(oldProps.metadata) ? oldProps.metadata : {}) as Record<string, unknown>;
  const userMeta = isRecord(props.metadata) ? props.metadata : {};
  const properties: Record<string, unknown> = {
    ...(typeof props.description === 'string' ? { description: props.description } : {}),
    ...(typeof props.displayName === 'string' ? { displayName: props.displayName } : {}),
    enforcementMode,
    metadata: existing
      ? { ...userMeta, createdBy: oldMeta.createdBy ?? null, createdOn: oldMeta.createdOn ?? now, updatedBy: null, updatedOn: now }
      : { ...userMeta, createdBy: null, createdOn: now, updatedBy: null, updatedOn: null },
    ...(Array.isArray(props.nonComplianceMessages) ? { nonComplianceMessages: props.nonComplianceMessages } : {}),
    notScopes,
    parameters: params,
    policyDefinitionId: def.id,
    scope: scopeId.id,
    ...(typeof props.definitionVersion === 'string' ? { definitionVersion: props.definitionVersion } : {}),
    ...(props.resourceSelectors !== undefined ? { resourceSelectors: checkArray(props.resourceSelectors, 'properties.resourceSelectors', 'InvalidCreatePolicyAssignmentRequest') } : {}),
    ...(props.overrides !== undefined ? { overrides: checkArray(props.overrides, 'properties.overrides', 'InvalidCreatePolicyAssignmentRequest') } : {}),
  };
  const row = { ...scopeRow(session, scopeId), id, name, type: ASSIGNMENT_TYPE.toLowerCase(), location, properties, identity } as ArgRow;
  const a = normalizeAssignment(PolicySession.toAssignment({ id, key: canonicalKey(id), name, row, scope: scopeId.id, scopeKey: canonicalKey(scopeId.id) }));
  const compiler = new PolicyCompiler(session.definitions, session.catalog.aliases());
  const acting = resolveAssignment(a, session.definitions).references.filter((ref) => /^(deployifnotexists|modify)$/i.test(compiler.compile(ref.definitionId, ref.parameters).effect ?? ''));
  if (acting.length > 0 && !identity) {
    throw new PalisadeError(
      'InvalidCreatePolicyAssignmentRequest',
      `The policy assignment '${name}' request is invalid. Policy assignments must include a 'managed identity' when assigning 'DeployIfNotExists' or 'Modify' policy definitions (${acting.length} reference(s)).`,
      { kind: 'validation', target: name },
    );
  }
  await session.writeRows([row], 'api:PUT policyAssignments');
  await session.reloadPolicyObjects();
  return { row, created: !existing };
}

function checkArray(v: unknown, path: string, code: string): unknown[] {
  if (!Array.isArray(v)) throw new PalisadeError(code, `${path} must be an array.`, { kind: 'validation', target: path });
  return v;
}

/** Only these top-level and `properties` keys may appear in a PATCH body. */
function checkPatchKeys(body: unknown, top: readonly string[], props: readonly string[], code: string): Record<string, unknown> {
  if (!isRecord(body)) throw new PalisadeError('InvalidRequestContent', 'The request content must be a JSON object.', { kind: 'validation' });
  for (const k of Object.keys(body)) if (!top.includes(k)) throw new PalisadeError(code, `'${k}' cannot be updated with PATCH (allowed: ${top.join(', ')}).`, { kind: 'validation', target: k });
  if (body.properties !== undefined) {
    if (!isRecord(body.properties)) throw new PalisadeError(code, 'properties must be a JSON object.', { kind: 'validation', target: 'properties' });
    for (const k of Object.keys(body.properties)) {
      if (!props.includes(k)) throw new PalisadeError(code, `'properties.${k}' cannot be updated with PATCH (allowed: ${props.map((p) => `properties.${p}`).join(', ')}).`, { kind: 'validation', target: `properties.${k}` });
    }
  }
  return body;
}

/** PATCH a policy assignment: `location`, `identity`, `properties.resourceSelectors`, `properties.overrides`; the rest kept. */
export async function patchPolicyAssignment(session: PolicySession, existing: PolicyRow, body: unknown): Promise<ArgRow> {
  const patch = checkPatchKeys(body, ['location', 'identity', 'properties'], ['resourceSelectors', 'overrides'], 'InvalidUpdatePolicyAssignmentRequest');
  const row = existing.row;
  const merged = {
    location: patch.location ?? row.location,
    identity: patch.identity ?? row.identity,
    properties: { ...((row.properties ?? {}) as Record<string, unknown>), ...((patch.properties ?? {}) as Record<string, unknown>) },
  };
  return (await putPolicyAssignment(session, existing.scope, existing.name, merged)).row;
}

/** PATCH a policy exemption: only `properties.resourceSelectors` and `properties.assignmentScopeValidation`. */
export async function patchPolicyExemption(session: PolicySession, existing: PolicyRow, body: unknown): Promise<ArgRow> {
  const patch = checkPatchKeys(body, ['properties'], ['resourceSelectors', 'assignmentScopeValidation'], 'InvalidUpdatePolicyExemptionRequest');
  const merged = { properties: { ...((existing.row.properties ?? {}) as Record<string, unknown>), ...((patch.properties ?? {}) as Record<string, unknown>) } };
  return (await putPolicyExemption(session, existing.scope, existing.name, merged)).row;
}

/** PUT `{scope}/providers/Microsoft.Authorization/policyExemptions/{name}` (2022-07-01-preview body). */
export async function putPolicyExemption(session: PolicySession, scope: string, name: string, body: unknown): Promise<{ row: ArgRow; created: boolean }> {
  if (!isRecord(body)) throw new PalisadeError('InvalidRequestContent', 'The request content must be a JSON object with properties.', { kind: 'validation' });
  if (!EXEMPTION_NAME.test(name) || name.length > 64) throw new PalisadeError('InvalidPolicyExemptionName', `'${name}': at most 64 characters, none of <>*%&:\\?+/, not ending in '.' or a space`, { kind: 'validation', target: name });
  const props = isRecord(body.properties) ? body.properties : {};
  const scopeId = await session.assertScopeExists(scope);
  const assignmentId = props.policyAssignmentId;
  if (typeof assignmentId !== 'string' || assignmentId === '') throw new PalisadeError('InvalidCreatePolicyExemptionRequest', 'properties.policyAssignmentId is required.', { kind: 'validation', target: 'properties.policyAssignmentId' });
  const category = String(props.exemptionCategory ?? '');
  const exemptionCategory = ['Waiver', 'Mitigated'].find((c) => c.toLowerCase() === category.toLowerCase());
  if (!exemptionCategory) throw new PalisadeError('InvalidCreatePolicyExemptionRequest', `properties.exemptionCategory must be Waiver or Mitigated ('${category}' given).`, { kind: 'validation', target: 'properties.exemptionCategory' });
  const assignment = session.findAssignment(assignmentId, scopeId.id);
  const validation = String(props.assignmentScopeValidation ?? 'Default');
  if (!/^donotvalidate$/i.test(validation) && !session.scopeChain(scopeId.id).has(assignment.scopeKey)) {
    throw new PalisadeError('InvalidCreatePolicyExemptionRequest', `The policy exemption scope '${scopeId.id}' is not at or below the scope '${assignment.scope}' of the policy assignment '${assignment.name}'.`, { kind: 'validation', target: scopeId.id });
  }
  const refIds = Array.isArray(props.policyDefinitionReferenceIds) ? props.policyDefinitionReferenceIds.map(String) : [];
  if (refIds.length > 0) {
    const a = normalizeAssignment(PolicySession.toAssignment(assignment));
    if (!a.isSet) throw new PalisadeError('InvalidCreatePolicyExemptionRequest', `policyDefinitionReferenceIds apply to initiative assignments only; '${assignment.name}' assigns a single policy definition.`, { kind: 'validation' });
    const known = resolveAssignment(a, session.definitions).references.map((r) => r.referenceId);
    const unknown = refIds.filter((r) => !known.some((k) => k.toLowerCase() === r.toLowerCase()));
    if (unknown.length > 0) {
      throw new PalisadeError('InvalidPolicyDefinitionReferenceId', `The policy definition reference id(s) '${unknown.join("', '")}' are not in the policy set definition of assignment '${assignment.name}'.`, { kind: 'validation', target: unknown[0] });
    }
  }
  let expiresOn: string | undefined;
  if (props.expiresOn !== undefined && props.expiresOn !== null) {
    const t = Date.parse(String(props.expiresOn));
    if (Number.isNaN(t)) throw new PalisadeError('InvalidCreatePolicyExemptionRequest', `properties.expiresOn '${String(props.expiresOn)}' is not a date-time.`, { kind: 'validation', target: 'properties.expiresOn' });
    expiresOn = new Date(t).toISOString().replace(/\.000Z$/, 'Z');
  }
  const id = `${scopeId.id}/providers/${EXEMPTION_TYPE}/${name}`;
  const existed = session.exemptions().some((e) => e.key === canonicalKey(id));
  const properties: Record<string, unknown> = {
    policyAssignmentId: assignment.id,
    policyDefinitionReferenceIds: refIds,
    exemptionCategory,
    ...(typeof props.displayName === 'string' ? { displayName: props.displayName } : {}),
    ...(typeof props.description === 'string' ? { description: props.description } : {}),
    ...(expiresOn !== undefined ? { expiresOn } : {}),
    metadata: isRecord(props.metadata) ? props.metadata : {},
    assignmentScopeValidation: /^donotvalidate$/i.test(validation) ? 'DoNotValidate' : 'Default',
    resourceSelectors: Array.isArray(props.resourceSelectors) ? props.resourceSelectors : [],
  };
  const row = { ...scopeRow(session, scopeId), id, name, type: EXEMPTION_TYPE.toLowerCase(), location: '', properties, identity: null } as ArgRow;
  await session.writeRows([row], 'api:PUT policyExemptions');
  await session.reloadPolicyObjects();
  return { row, created: !existed };
}
