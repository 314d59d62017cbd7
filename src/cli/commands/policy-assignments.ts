/**
 * `palisade policy assignment create|list|show|delete`, mirroring `az policy assignment ...` (azure-cli's AAZ
 * commands with their custom pre-operations): same flags, the ARM resource with `properties` flattened.
 *
 *  - create is a PUT (an upsert): `--policy` xor `--policy-set-definition` (name or id), `--params` checked against the
 *    definition's parameters the way ARM checks them (UndefinedPolicyParameter, InvalidPolicyParameters,
 *    MissingPolicyParameter); `--location`, `--identity-scope` or `--role` imply `--mi-system-assigned` as in az; an
 *    identity needs a location; DeployIfNotExists / Modify assignments need an identity (ARM's
 *    InvalidCreatePolicyAssignmentRequest). `--identity-scope` grants `--role` (default Contributor) to the identity.
 *  - list: assignments exactly at the scope (az's `atExactScope()`); `-d` adds those inherited from above and those
 *    below. Without `--scope`/`-g`/`--subscription` (Palisade has no current subscription) it lists the whole estate.
 *  - show / delete: at `--scope`, else by name across the estate (an ambiguous name is an error). show exits 3 when
 *    missing; delete of a missing assignment succeeds silently (ARM answers 204).
 */
import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { PalisadeError, ResourceId, canonicalKey, type ArgRow } from '../../core/index.js';
import type { PolicyResource } from '../../catalog/index.js';
import type { CommandContext } from '../context.js';
import { ASSIGNMENT_TYPE, PolicySession, checkPolicyParameters, flattenPolicyRow, guidFrom, referenceEffects, type PolicyRow } from '../../service/index.js';
import type { Run } from '../run.js';
import { readJsonArgument } from './policy-definitions.js';
import { addDeleteCommand, addListCommand, addShowCommand, rowsAtScope, scopedRow, writeScope, type ListOptions, type ScopedPolicyKind } from './policy-scoped.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------------------------
// Parameters

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * `--params` → `{name: {value}}`, checked against the definition's declarations: every name declared (names compare
 * case-insensitively and take the declared spelling), the value of the declared type and among `allowedValues`,
 * every parameter without a default given. Accepts `{"p": {"value": v}}` and the short `{"p": v}`.
 */
export function checkParameters(raw: unknown, def: PolicyResource, assignmentName: string, source: string): Record<string, { value: unknown }> {
  return checkPolicyParameters(raw, def, assignmentName, source);
}

/** The effects of an assignment's references with its parameters (for the identity check and remediation). */
const WELL_KNOWN_ROLES: Record<string, string> = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  'user access administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  'resource policy contributor': '36243c78-bf99-498c-9df9-86d9f8d28608',
  'security admin': 'fb1c8493-542b-48eb-b624-b4c8fea62acd',
};

async function roleDefinitionId(session: PolicySession, role: string): Promise<string> {
  if (/^[0-9a-f-]{36}$/i.test(role)) return `/providers/Microsoft.Authorization/roleDefinitions/${role}`;
  if (role.includes('/')) return role;
  const defs = await session.store.listResources({ types: ['microsoft.authorization/roledefinitions'] });
  const hit = defs.find((d) => String((d.row.properties as Record<string, unknown> | undefined)?.roleName ?? '').toLowerCase() === role.toLowerCase());
  if (hit) return hit.row.id;
  const known = WELL_KNOWN_ROLES[role.toLowerCase()];
  if (known) return `/providers/Microsoft.Authorization/roleDefinitions/${known}`;
  throw new PalisadeError('RoleDefinitionNotFound', `Role '${role}' doesn't exist.`, { kind: 'notFound', target: role });
}

// ---------------------------------------------------------------------------------------------------------------
// create

interface CreateOptions {
  name?: string;
  displayName?: string;
  description?: string;
  policy?: string;
  policySetDefinition?: string;
  scope?: string;
  resourceGroup?: string;
  params?: string;
  location?: string;
  miSystemAssigned?: boolean;
  miUserAssigned?: string;
  notScopes?: string[];
  enforcementMode: string;
  identityScope?: string;
  role?: string;
}

const NAME_PATTERN = /^[^<>*%&:\\?.+/]*[^<>*%&:\\?.+/ ]+$/;

async function createAssignment(ctx: CommandContext, opts: CreateOptions): Promise<Record<string, unknown>> {
  if (Boolean(opts.policy) === Boolean(opts.policySetDefinition)) {
    throw new PalisadeError('ArgumentUsageError', 'usage error: --policy NAME_OR_ID | --policy-set-definition NAME_OR_ID', { kind: 'argument' });
  }
  const scope = await writeScope(ctx, opts, 'usage error: --scope SCOPE | --resource-group NAME --subscription SUB | --subscription SUB (Palisade has no current subscription to default to)');
  const name = opts.name ?? randomBytes(16).toString('base64url');
  if (!NAME_PATTERN.test(name) || name.length > 64) {
    throw new PalisadeError('InvalidArgumentValue', `--name '${name}': a policy assignment name has at most 64 characters and none of <>*%&:\\?.+/ (nor a trailing space)`, { kind: 'argument', target: name });
  }
  const notScopes = (opts.notScopes ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean);
  for (const n of notScopes) {
    const parsed = ResourceId.tryParse(n);
    if (typeof parsed === 'string' || (parsed.subscriptionId === undefined && parsed.kind !== 'managementGroup')) {
      throw new PalisadeError('InvalidArgumentValue', `Invalid resource ID value in --not-scopes: '${n}'`, { kind: 'argument', target: n });
    }
  }
  const session = await PolicySession.open(ctx);
  const scopeId = await session.assertScopeExists(scope);
  const kind = opts.policy ? 'definition' : 'set';
  const def = session.resolveDefinition((opts.policy ?? opts.policySetDefinition)!, kind, scope);
  // a custom definition must sit at or above the assignment scope
  const defScope = def.id.slice(0, def.id.toLowerCase().lastIndexOf('/providers/microsoft.authorization/'));
  if (defScope !== '' && !session.scopeChain(scope).has(canonicalKey(defScope))) {
    throw new PalisadeError('InvalidCreatePolicyAssignmentRequest', `The policy definition '${def.id}' is defined at '${defScope}', which is not at or above the assignment scope '${scope}'.`, { kind: 'validation', target: def.id });
  }
  let params: Record<string, { value: unknown }> | undefined;
  let source = '--params';
  if (opts.params) {
    const read = readJsonArgument(opts.params, '--params');
    source = read.source;
    params = checkParameters(read.value, def, name, source);
  } else checkParameters({}, def, name, source);

  const id = `${scopeId.id}/providers/${ASSIGNMENT_TYPE}/${name}`;
  const existing = session.assignments().find((a) => a.key === canonicalKey(id));
  const wantsIdentity = Boolean(opts.miSystemAssigned || opts.miUserAssigned || opts.identityScope || opts.location || opts.role);
  const fields = session.scopeFields(scopeId);
  let identity: Record<string, unknown> | null = null;
  if (wantsIdentity) {
    if (!opts.location) {
      throw new PalisadeError('RequiredArgumentMissing', 'usage error: --location is required when the assignment has a managed identity (--mi-system-assigned, --mi-user-assigned, --identity-scope or --role)', { kind: 'argument' });
    }
    if (opts.miUserAssigned) {
      const uami = opts.miUserAssigned;
      identity = { type: 'UserAssigned', userAssignedIdentities: { [uami]: { principalId: guidFrom(`principal:${uami}`), clientId: guidFrom(`client:${uami}`) } } };
    } else {
      identity = { type: 'SystemAssigned', principalId: guidFrom(`principal:${canonicalKey(id)}`), tenantId: fields.tenantId };
    }
  }
  const now = session.clock.now().toISOString();
  const oldProps = (existing?.row.properties ?? {}) as Record<string, unknown>;
  const oldMeta = (isRecord(oldProps.metadata) ? oldProps.metadata : {}) as Record<string, unknown>;
  const properties: Record<string, unknown> = {
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(opts.displayName !== undefined ? { displayName: opts.displayName } : {}),
    enforcementMode: opts.enforcementMode,
    // PUT replaces the assignment; ARM keeps only the server-managed creation fields.
    metadata: existing
      ? { createdBy: oldMeta.createdBy ?? null, createdOn: oldMeta.createdOn ?? now, updatedBy: null, updatedOn: now }
      : { createdBy: null, createdOn: now, updatedBy: null, updatedOn: null },
    notScopes,
    parameters: params ?? {},
    policyDefinitionId: def.id,
    scope: scopeId.id,
  };
  const row = scopedRow(fields, { id, name, type: ASSIGNMENT_TYPE.toLowerCase(), location: opts.location, properties, identity });

  // ARM: DeployIfNotExists and Modify need a managed identity to act.
  const effects = referenceEffects(session, PolicySession.toAssignment({ id, key: canonicalKey(id), name, row, scope, scopeKey: canonicalKey(scope) }));
  const acting = effects.filter((e) => /^(deployifnotexists|modify)$/i.test(e.effect ?? ''));
  if (acting.length > 0 && !identity) {
    throw new PalisadeError(
      'InvalidCreatePolicyAssignmentRequest',
      `The policy assignment '${name}' request is invalid. Policy assignments must include a 'managed identity' when assigning 'DeployIfNotExists' or 'Modify' policy definitions (${acting.length} reference(s): ${acting.slice(0, 5).map((e) => e.referenceId || e.definitionId.split('/').pop()).join(', ')}${acting.length > 5 ? ', ...' : ''}). Pass --mi-system-assigned --location LOCATION.`,
      { kind: 'validation', target: name },
    );
  }

  const rows: ArgRow[] = [row];
  if (opts.identityScope && identity) {
    const identityScope = (await session.assertScopeExists(opts.identityScope)).id;
    const principalId = (identity.principalId as string | undefined) ?? Object.values(identity.userAssignedIdentities as Record<string, { principalId: string }>)[0].principalId;
    const roleDefinition = await roleDefinitionId(session, opts.role ?? 'Contributor');
    const raName = guidFrom(`role:${canonicalKey(identityScope)}|${principalId}|${canonicalKey(roleDefinition)}`);
    const raScope = ResourceId.parse(identityScope);
    rows.push(
      scopedRow(session.scopeFields(raScope), {
        id: `${identityScope}/providers/Microsoft.Authorization/roleAssignments/${raName}`,
        name: raName,
        type: 'microsoft.authorization/roleassignments',
        properties: { roleDefinitionId: roleDefinition, principalId, principalType: 'ServicePrincipal', scope: identityScope, createdOn: now, description: `Policy assignment ${name}` },
      }),
    );
  }
  await session.writeRows(rows, 'cli:policy assignment create');
  return flattenPolicyRow(row, ASSIGNMENT_TYPE);
}

// ---------------------------------------------------------------------------------------------------------------
// list / show / delete

export function listAssignments(session: PolicySession, scope: string | undefined, broad: boolean, filter?: string): PolicyRow[] {
  let rows = rowsAtScope(session, session.assignments(), scope, broad);
  if (filter) {
    const m = /^\s*policyDefinitionId\s+eq\s+'([^']+)'\s*$/i.exec(filter);
    if (/^\s*atExactScope\(\)\s*$/i.test(filter) || /^\s*atScope\(\)\s*$/i.test(filter)) {
      if (scope && /atScope\(\)/i.test(filter)) {
        const chain = session.scopeChain(scope);
        rows = session.assignments().filter((r) => chain.has(r.scopeKey));
      }
    } else if (m) rows = rows.filter((r) => canonicalKey(String((r.row.properties as Record<string, unknown>)?.policyDefinitionId ?? '')) === canonicalKey(m[1]));
    else throw new PalisadeError('InvalidFilter', `unsupported --filter '${filter}': use atScope(), atExactScope() or policyDefinitionId eq '{id}'`, { kind: 'argument' });
  }
  return rows;
}

const ASSIGNMENTS: ScopedPolicyKind = {
  noun: 'policy assignment',
  type: ASSIGNMENT_TYPE,
  rows: (session) => session.assignments(),
  notFoundCode: 'PolicyAssignmentNotFound',
  ambiguousCode: 'AmbiguousPolicyAssignment',
  scopeHelp: 'Scope of the policy assignment: a management group, subscription, resource group or resource id.',
  output: (row) => flattenPolicyRow(row, ASSIGNMENT_TYPE),
};

export function policyAssignmentCommand(run: Run): Command {
  const cmd = new Command('assignment').description('Manage policy assignments (stored in the estate as policyresources rows).');
  cmd
    .command('create')
    .description('Create (or replace) a policy assignment.')
    .option('-n, --name <name>', 'Name of the new policy assignment (generated when omitted, as az does).')
    .option('--display-name <text>', 'The display name of the policy assignment.')
    .option('--description <text>', 'Description of the policy assignment.')
    .option('--policy <nameOrId>', 'Name or id of the policy definition to assign.')
    .option('-d, --policy-set-definition <nameOrId>', 'Name or id of the policy set definition (initiative) to assign.')
    .option('--scope <scope>', ASSIGNMENTS.scopeHelp)
    .option('-g, --resource-group <name>', 'Resource group (with --subscription) as the scope.')
    .option('-p, --params <json>', 'Parameter values: JSON (\'{ "effect": { "value": "Deny" } }\'), @file or a file path.')
    .option('-l, --location <location>', 'Location of the assignment (needed for a managed identity; implies --mi-system-assigned).')
    .option('--mi-system-assigned', 'Give the assignment a system-assigned managed identity.')
    .option('--mi-user-assigned <id>', 'Give the assignment this user-assigned managed identity (resource id).')
    .option('--identity-scope <scope>', 'Scope that the managed identity gets --role on (implies --mi-system-assigned).')
    .option('--role <role>', "Role name or id for the identity at --identity-scope (default 'Contributor').")
    .option('--not-scopes <scopes...>', 'Scopes excluded from the assignment (space-separated ids).')
    .addOption(new Option('-e, --enforcement-mode <mode>', 'Default enforces effects; DoNotEnforce only reports.').choices(['Default', 'DoNotEnforce']).default('Default'))
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        ctx.emit(await createAssignment(ctx, this.opts<CreateOptions>()));
      });
    });
  addListCommand<ListOptions & { filter?: string }>(cmd, run, ASSIGNMENTS, (session, scope, opts) => listAssignments(session, scope, Boolean(opts.disableScopeStrictMatch), opts.filter))
    .option('--filter <filter>', "atScope(), atExactScope() or policyDefinitionId eq '{id}'.");
  addShowCommand(cmd, run, ASSIGNMENTS);
  addDeleteCommand(cmd, run, ASSIGNMENTS, 'Delete a policy assignment (its exemptions stay, as in Azure).');
  return cmd;
}
