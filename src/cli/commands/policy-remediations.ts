/**
 * `palisade policy remediation create|list|show|deployment list`, mirroring `az policy remediation ...`.
 *
 * create evaluates the estate, runs the engine's remediation for one (assignment, reference) — Modify and Append
 * give the new resource JSON, DeployIfNotExists the deployment and the resources it creates — and writes the changed
 * and created rows back to the store with one merge import, so the next `policy state list` sees them compliant. The
 * remediation record (and its deployments) is a store document (`policy-remediations`).
 *
 * Like Azure, it refuses a reference the assignment does not have, or one whose effect cannot remediate
 * (only DeployIfNotExists and Modify — and Append, which Palisade remediates too): the error lists the references
 * of the assignment that can be remediated, with their effects under the assignment's parameters.
 */
import { nonNegativeInt } from '../arguments.js';
import { Command, Option } from 'commander';
import { PalisadeError, ResourceId, canonicalKey, type ArgRow } from '../../core/index.js';
import { createRemediation, normalizeAssignment, type RemediationChange, type RemediationRecord } from '../../policy/index.js';
import type { CommandContext } from '../context.js';
import { PolicySession } from '../../service/index.js';
import type { Run } from '../run.js';
import { referenceEffects, scopeArgument } from './policy-assignments.js';

const COLLECTION = 'policy-remediations';
const REMEDIABLE = /^(deployifnotexists|modify|append)$/i;

interface StoredRemediation {
  remediation: RemediationRecord;
  deployments: Array<Record<string, unknown>>;
}

function flatten(r: RemediationRecord): Record<string, unknown> {
  const scope = r.id.slice(0, r.id.toLowerCase().lastIndexOf('/providers/microsoft.policyinsights/'));
  const parsed = ResourceId.tryParse(scope || '/');
  return {
    ...r.properties,
    correlationId: null,
    id: r.id,
    name: r.name,
    resourceGroup: typeof parsed !== 'string' ? (parsed.resourceGroup ?? null) : null,
    systemData: { createdAt: r.properties.createdOn, lastModifiedAt: r.properties.lastUpdatedOn },
    type: r.type,
  };
}

function deploymentsOf(changes: RemediationChange[], name: string): Array<Record<string, unknown>> {
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

interface CreateOptions {
  name: string;
  policyAssignment: string;
  definitionReferenceId?: string;
  resourceDiscoveryMode: 'ExistingNonCompliant' | 'ReEvaluateCompliance';
  scope?: string;
  resourceGroup?: string;
  managementGroup?: string;
  locationFilters?: string[];
  resource?: string;
}

async function createRemediationCommand(ctx: CommandContext, opts: CreateOptions): Promise<Record<string, unknown>> {
  const scopeArg = opts.managementGroup ? `/providers/Microsoft.Management/managementGroups/${opts.managementGroup}` : await scopeArgument(ctx, opts);
  const session = await PolicySession.open(ctx);
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
      throw new PalisadeError('InvalidCreateRemediationRequest', `Assignment '${assignment.name}' assigns an initiative: pass --definition-reference-id. References that can be remediated: ${listing}.`, { kind: 'argument' });
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
    if (refId) ctx.logger.warning(`--definition-reference-id is ignored: '${assignment.name}' assigns a single policy definition`);
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
    filters: { locations: (opts.locationFilters ?? []).flatMap((l) => l.split(/[\s,]+/)).filter(Boolean), resourceIds: opts.resource ? [opts.resource] : [] },
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
  await session.writeRows(rows, `cli:policy remediation create ${opts.name}`, tables);
  const body: StoredRemediation = { remediation, deployments: deploymentsOf(changes, opts.name) };
  await session.store.putDocument(COLLECTION, remediation.id, body);
  const compliant = statesAfter.filter((s) => s.complianceState === 'Compliant').length;
  ctx.logger.info(`remediated ${changes.length} resources (${remediation.properties.deploymentStatus.failedDeployments} failed); ${rows.length} estate rows written; ${compliant}/${statesAfter.length} now compliant`);
  return flatten(remediation);
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

async function stored(ctx: CommandContext): Promise<StoredRemediation[]> {
  const store = await ctx.store();
  return (await store.listDocuments<StoredRemediation>(COLLECTION)).map((d) => d.body);
}

async function find(ctx: CommandContext, name: string, scope: string | undefined): Promise<StoredRemediation> {
  const all = await stored(ctx);
  const hits = all.filter((r) => r.remediation.name.toLowerCase() === name.toLowerCase() && (!scope || canonicalKey(r.remediation.id) === canonicalKey(`${scope}/providers/Microsoft.PolicyInsights/remediations/${name}`)));
  if (hits.length === 0) throw new PalisadeError('RemediationNotFound', `The remediation '${name}' could not be found.`, { kind: 'notFound', target: name });
  if (hits.length > 1) throw new PalisadeError('AmbiguousRemediation', `${hits.length} remediations are named '${name}'; pass --scope:\n${hits.map((h) => `  ${h.remediation.id}`).join('\n')}`, { kind: 'validation' });
  return hits[0];
}


function scopeOptions(cmd: Command): Command {
  return cmd
    .option('--scope <scope>', 'Scope of the remediation (default: the assignment scope).')
    .option('-g, --resource-group <name>', 'Resource group (with --subscription) as the scope.')
    .option('-m, --management-group <name>', 'Management group as the scope.');
}

export function policyRemediationCommand(run: Run): Command {
  const cmd = new Command('remediation').description('Remediate non-compliant resources (DeployIfNotExists, Modify, Append) in the estate.');
  scopeOptions(
    cmd
      .command('create')
      .description('Create a remediation: applies the fixes to the estate in the store and records the remediation.')
      .requiredOption('-n, --name <name>', 'Name of the remediation.')
      .requiredOption('-a, --policy-assignment <nameOrId>', 'Name or id of the policy assignment to remediate.')
      .option('--definition-reference-id <id>', 'The policy definition reference id inside the assigned initiative.')
      .addOption(new Option('--resource-discovery-mode <mode>', 'ExistingNonCompliant: the last evaluation; ReEvaluateCompliance: evaluate again first.').choices(['ExistingNonCompliant', 'ReEvaluateCompliance']).default('ExistingNonCompliant'))
      .option('--location-filters <locations...>', 'Only resources in these locations (space-separated).')
      .option('--resource <id>', 'Only this resource.')
      .addOption(new Option('--failure-threshold <fraction>', 'Accepted for az compatibility.'))
      .addOption(new Option('--parallel-deployments <n>', 'Accepted for az compatibility.').argParser(nonNegativeInt))
      .addOption(new Option('--resource-count <n>', 'Accepted for az compatibility.').argParser(nonNegativeInt)),
  ).action(function (this: Command) {
    return run(this, async (ctx) => {
      ctx.emit(await createRemediationCommand(ctx, this.opts<CreateOptions>()));
    });
  });
  scopeOptions(cmd.command('list').description('List remediations at or below the scope (all when no scope is given).')).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ scope?: string; resourceGroup?: string; managementGroup?: string }>();
      const scope = opts.managementGroup ? `/providers/Microsoft.Management/managementGroups/${opts.managementGroup}` : await scopeArgument(ctx, opts);
      const all = await stored(ctx);
      const key = scope ? canonicalKey(scope) : undefined;
      ctx.emit(all.filter((r) => !key || canonicalKey(r.remediation.id).startsWith(`${key}/`)).map((r) => flatten(r.remediation)));
    });
  });
  scopeOptions(cmd.command('show').description('Show a remediation (exit code 3 when it does not exist).').requiredOption('-n, --name <name>', 'Name of the remediation.')).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ name: string; scope?: string; resourceGroup?: string; managementGroup?: string }>();
      const scope = opts.managementGroup ? `/providers/Microsoft.Management/managementGroups/${opts.managementGroup}` : await scopeArgument(ctx, opts);
      ctx.emit(flatten((await find(ctx, opts.name, scope)).remediation));
    });
  });
  const deployment = new Command('deployment').description('Deployments of a remediation.');
  scopeOptions(deployment.command('list').description('List the deployments (one per remediated resource) of a remediation.').requiredOption('-n, --name <name>', 'Name of the remediation.')).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ name: string; scope?: string; resourceGroup?: string; managementGroup?: string }>();
      const scope = opts.managementGroup ? `/providers/Microsoft.Management/managementGroups/${opts.managementGroup}` : await scopeArgument(ctx, opts);
      ctx.emit((await find(ctx, opts.name, scope)).deployments);
    });
  });
  cmd.addCommand(deployment);
  return cmd;
}
