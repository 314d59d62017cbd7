/**
 * `palisade policy remediation create|list|show|deployment list`, mirroring `az policy remediation ...`; the
 * remediation itself (evaluate, remediate, write back, keep the record) is src/service's runRemediation.
 */
import { nonNegativeInt } from '../arguments.js';
import { Command, Option } from 'commander';
import { PalisadeError, ResourceId, canonicalKey } from '../../core/index.js';
import type { RemediationRecord } from '../../policy/index.js';
import type { CommandContext } from '../context.js';
import { PolicySession, runRemediation, storedRemediations, type StoredRemediation } from '../../service/index.js';
import type { Run } from '../run.js';
import { scopeArgument, type ScopeOptions } from './policy-scoped.js';


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

interface RemediationScopeOptions extends ScopeOptions {
  managementGroup?: string;
}

interface CreateOptions extends RemediationScopeOptions {
  name: string;
  policyAssignment: string;
  definitionReferenceId?: string;
  resourceDiscoveryMode: 'ExistingNonCompliant' | 'ReEvaluateCompliance';
  locationFilters?: string[];
  resource?: string;
}

async function createRemediationCommand(ctx: CommandContext, opts: CreateOptions): Promise<Record<string, unknown>> {
  const scope = await remediationScope(ctx, opts);
  const session = await PolicySession.open(ctx);
  const out = await runRemediation(
    session,
    {
      name: opts.name,
      policyAssignment: opts.policyAssignment,
      definitionReferenceId: opts.definitionReferenceId,
      resourceDiscoveryMode: opts.resourceDiscoveryMode,
      scope,
      locations: (opts.locationFilters ?? []).flatMap((l) => l.split(/[\s,]+/)).filter(Boolean),
      resourceIds: opts.resource ? [opts.resource] : [],
      source: `cli:policy remediation create ${opts.name}`,
    },
    (message: string) => ctx.logger.warning(message.replace('definitionReferenceId', '--definition-reference-id')),
  );
  const status = out.remediation.properties.deploymentStatus;
  ctx.logger.info(`remediated ${status.totalDeployments} resources (${status.failedDeployments} failed); ${out.writtenIds.length} estate rows written; ${out.compliantAfter}/${out.statesAfter} now compliant`);
  return flatten(out.remediation);
}

/** `-m NAME` as the management group's scope, else --scope / -g / --subscription. */
async function remediationScope(ctx: CommandContext, opts: RemediationScopeOptions): Promise<string | undefined> {
  return opts.managementGroup ? `/providers/Microsoft.Management/managementGroups/${opts.managementGroup}` : await scopeArgument(ctx, opts);
}

async function stored(ctx: CommandContext): Promise<StoredRemediation[]> {
  return storedRemediations(await ctx.store());
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
      const opts = this.opts<RemediationScopeOptions>();
      const scope = await remediationScope(ctx, opts);
      const all = await stored(ctx);
      const key = scope ? canonicalKey(scope) : undefined;
      ctx.emit(all.filter((r) => !key || canonicalKey(r.remediation.id).startsWith(`${key}/`)).map((r) => flatten(r.remediation)));
    });
  });
  scopeOptions(cmd.command('show').description('Show a remediation (exit code 3 when it does not exist).').requiredOption('-n, --name <name>', 'Name of the remediation.')).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<RemediationScopeOptions & { name: string }>();
      const scope = await remediationScope(ctx, opts);
      ctx.emit(flatten((await find(ctx, opts.name, scope)).remediation));
    });
  });
  const deployment = new Command('deployment').description('Deployments of a remediation.');
  scopeOptions(deployment.command('list').description('List the deployments (one per remediated resource) of a remediation.').requiredOption('-n, --name <name>', 'Name of the remediation.')).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<RemediationScopeOptions & { name: string }>();
      const scope = await remediationScope(ctx, opts);
      ctx.emit((await find(ctx, opts.name, scope)).deployments);
    });
  });
  cmd.addCommand(deployment);
  return cmd;
}
