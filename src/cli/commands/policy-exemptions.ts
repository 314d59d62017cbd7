/**
 * `palisade policy exemption create|list|show|delete`, mirroring `az policy exemption ...`.
 *
 * `--policy-assignment` takes an id or a name; a name is looked up at the exemption's scope and the scopes above it
 * (an exemption can only exempt an assignment that applies there), and two assignments of that name there are an
 * error (AmbiguousPolicyAssignment). As ARM does (assignmentScopeValidation Default), the exemption scope must lie at
 * or below the assignment scope, and `--policy-definition-reference-ids` must name references of the assignment's
 * initiative. `expiresOn` prints with `+00:00` like az.
 */
import { Command, Option } from 'commander';
import { PalisadeError, type ArgRow } from '../../core/index.js';
import { normalizeAssignment, resolveAssignment } from '../../policy/index.js';
import type { CommandContext } from '../context.js';
import { EXEMPTION_TYPE, PolicySession, flattenPolicyRow } from '../../service/index.js';
import type { Run } from '../run.js';
import { readJsonArgument } from './policy-definitions.js';
import { addDeleteCommand, addListCommand, addShowCommand, scopedRow, writeScope, type ScopedPolicyKind } from './policy-scoped.js';

const NAME_PATTERN = /^[^<>*%&:\\?+/]*[^<>*%&:\\?+/ .]+$/;

/** az prints expiresOn with `+00:00` instead of `Z`. */
export function exemptionOutput(row: ArgRow): Record<string, unknown> {
  const out = flattenPolicyRow(row, EXEMPTION_TYPE);
  if (typeof out.expiresOn === 'string') out.expiresOn = out.expiresOn.replace(/Z$/, '+00:00');
  return out;
}

interface CreateOptions {
  name?: string;
  policyAssignment: string;
  exemptionCategory: 'Waiver' | 'Mitigated';
  scope?: string;
  resourceGroup?: string;
  expiresOn?: string;
  policyDefinitionReferenceIds?: string[];
  displayName?: string;
  description?: string;
  metadata?: string;
}

function parseExpiry(text: string): string {
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new PalisadeError('InvalidArgumentValue', `--expires-on '${text}' is not a date-time (use ISO 8601, e.g. 2026-12-31T00:00:00Z)`, { kind: 'argument', target: text });
  return new Date(t).toISOString().replace(/\.000Z$/, 'Z');
}

async function createExemption(ctx: CommandContext, opts: CreateOptions): Promise<Record<string, unknown>> {
  const scope = await writeScope(ctx, opts, 'usage error: --scope SCOPE | --resource-group NAME --subscription SUB (Palisade has no current subscription to default to)');
  const name = opts.name ?? Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
  if (!NAME_PATTERN.test(name) || name.length > 64) throw new PalisadeError('InvalidArgumentValue', `--name '${name}': at most 64 characters, none of <>*%&:\\?+/, not ending in '.' or a space`, { kind: 'argument', target: name });
  const session = await PolicySession.open(ctx);
  const scopeId = await session.assertScopeExists(scope);
  const assignment = session.findAssignment(opts.policyAssignment, scopeId.id);
  if (!session.scopeChain(scopeId.id).has(assignment.scopeKey)) {
    throw new PalisadeError(
      'InvalidCreatePolicyExemptionRequest',
      `The policy exemption scope '${scopeId.id}' is not at or below the scope '${assignment.scope}' of the policy assignment '${assignment.name}'.`,
      { kind: 'validation', target: scopeId.id },
    );
  }
  const refIds = (opts.policyDefinitionReferenceIds ?? []).flatMap((r) => r.split(/[\s,]+/)).filter(Boolean);
  if (refIds.length > 0) {
    const a = normalizeAssignment(PolicySession.toAssignment(assignment));
    if (!a.isSet) throw new PalisadeError('InvalidCreatePolicyExemptionRequest', `--policy-definition-reference-ids applies to initiative assignments only; '${assignment.name}' assigns a single policy definition.`, { kind: 'validation' });
    const known = resolveAssignment(a, session.definitions).references.map((r) => r.referenceId);
    const unknown = refIds.filter((r) => !known.some((k) => k.toLowerCase() === r.toLowerCase()));
    if (unknown.length > 0) {
      throw new PalisadeError(
        'InvalidPolicyDefinitionReferenceId',
        `The policy definition reference id(s) '${unknown.join("', '")}' are not in the policy set definition of assignment '${assignment.name}' (${known.length} references, e.g. ${known.slice(0, 5).join(', ')}).`,
        { kind: 'validation', target: unknown[0] },
      );
    }
  }
  let metadata: Record<string, unknown> | undefined;
  if (opts.metadata) {
    const m = readJsonArgument(opts.metadata, '--metadata').value;
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new PalisadeError('InvalidArgumentValue', '--metadata must be a JSON object', { kind: 'argument' });
    metadata = m as Record<string, unknown>;
  }
  const id = `${scopeId.id}/providers/${EXEMPTION_TYPE}/${name}`;
  const fields = session.scopeFields(scopeId);
  const properties: Record<string, unknown> = {
    policyAssignmentId: assignment.id,
    policyDefinitionReferenceIds: refIds,
    exemptionCategory: opts.exemptionCategory,
    ...(opts.displayName !== undefined ? { displayName: opts.displayName } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(opts.expiresOn !== undefined ? { expiresOn: parseExpiry(opts.expiresOn) } : {}),
    metadata: metadata ?? {},
    assignmentScopeValidation: 'Default',
    resourceSelectors: [],
  };
  const row = scopedRow(fields, { id, name, type: EXEMPTION_TYPE.toLowerCase(), properties });
  await session.writeRows([row], 'cli:policy exemption create');
  return exemptionOutput(row);
}

const EXEMPTIONS: ScopedPolicyKind = {
  noun: 'policy exemption',
  type: EXEMPTION_TYPE,
  rows: (session) => session.exemptions(),
  notFoundCode: 'PolicyExemptionNotFound',
  ambiguousCode: 'AmbiguousPolicyExemption',
  scopeHelp: 'Scope of the policy exemption: a management group, subscription, resource group or resource id.',
  output: exemptionOutput,
};

export function policyExemptionCommand(run: Run): Command {
  const cmd = new Command('exemption').description('Manage policy exemptions (stored in the estate as policyresources rows).');
  cmd
    .command('create')
    .description('Create (or replace) a policy exemption.')
    .option('-n, --name <name>', 'Name of the policy exemption (generated when omitted, as az does).')
    .requiredOption('-a, --policy-assignment <nameOrId>', 'The policy assignment to exempt: its id, or its name (looked up at the scope and above).')
    .addOption(new Option('-e, --exemption-category <category>', 'Waiver or Mitigated.').choices(['Waiver', 'Mitigated']).makeOptionMandatory())
    .option('--scope <scope>', EXEMPTIONS.scopeHelp)
    .option('-g, --resource-group <name>', 'Resource group (with --subscription) as the scope.')
    .option('--expires-on <datetime>', 'Expiration date and time (UTC ISO 8601, e.g. 2026-12-31T00:00:00Z).')
    .option('-r, --policy-definition-reference-ids <ids...>', 'The initiative references to exempt (space-separated); all when omitted.')
    .option('--display-name <text>', 'Display name of the policy exemption.')
    .option('--description <text>', 'Description of the policy exemption.')
    .option('--metadata <json>', 'Metadata: a JSON object, @file or a file path.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        ctx.emit(await createExemption(ctx, this.opts<CreateOptions>()));
      });
    });
  addListCommand(cmd, run, EXEMPTIONS);
  addShowCommand(cmd, run, EXEMPTIONS);
  addDeleteCommand(cmd, run, EXEMPTIONS, 'Delete a policy exemption.');
  return cmd;
}
