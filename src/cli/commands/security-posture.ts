/**
 * `palisade security assessment|assessment-metadata|secure-score|secure-score-controls|secure-score-control-definitions|
 * recommendation ...`: the ARM shapes of src/posture (`toArm*`) over the evaluated estate. See security-group.ts for
 * the output convention (lists print `{value: [...]}`).
 *
 *   assessment list|show                    assessments 2021-06-01 (subscription, or --management-group)
 *   assessment-metadata list|show           tenant-level metadata
 *   secure-score list|show                  secureScores 2020-01-01 (`ascScore`; --management-group: weighted sum)
 *   secure-score-controls list              secureScoreControls [--expand definition]
 *   secure-score-control-definitions list   secureScoreControlDefinitions
 *   recommendation prioritize [--top N]     Palisade: points at risk × exploitability
 */
import { positiveInt } from '../arguments.js';
import { Command, Option } from 'commander';
import { PalisadeError, canonicalKey } from '../../core/index.js';
import {
  ASC_SCORE,
  computeSubscriptionScore,
  roundTo,
  toArmAggregateSecureScore,
  toArmAssessment,
  toArmAssessmentMetadata,
  toArmControlDefinition,
  toArmSecureScore,
  toArmSecureScoreControl,
  type ControlScore,
  type ExposureProvider,
  priorityView,
} from '../../posture/index.js';
import { loadPostureCatalog } from '../../catalog/index.js';
import type { CommandContext } from '../context.js';
import {
  PostureSession,
  clockFrom,
  commandSubscription,
  customAssessmentsOf,
  deleteCustomAssessment,
  deleteCustomMetadata,
  getCustomAssessment,
  getCustomMetadata,
  putCustomAssessment,
  putCustomMetadata,
  toArmCustomAssessment,
  toArmCustomMetadata,
  type CustomAssessment,
} from '../../service/index.js';
import { readJsonArgument } from './policy-definitions.js';
import { GraphSession } from '../../service/index.js';
import { exposureProvider } from '../../graph/index.js';
import type { Run } from '../run.js';
import { catalogDir } from './catalog.js';
import { assertScope, emitList, postureScope, subscriptionsIn, type PostureScope } from './security-common.js';
import { secureScoreHistoryCommand } from './history.js';

function mgOption(cmd: Command, what: string): Command {
  return cmd.option('-m, --management-group <name>', `${what} of the subscriptions under this management group (instead of --subscription).`);
}

async function open(ctx: CommandContext, managementGroup?: string, tenantByDefault = false, withExposure = false): Promise<{ session: PostureSession; scope: PostureScope }> {
  const scope = await postureScope(ctx, managementGroup, tenantByDefault);
  let exposure: ExposureProvider | undefined;
  if (withExposure) {
    const graph = await GraphSession.open(ctx);
    exposure = exposureProvider(graph.graph, graph.paths());
  }
  const session = await PostureSession.open(ctx, { exposure });
  assertScope(session, scope);
  return { session, scope };
}

function checkScoreName(name: string | undefined): void {
  if (name !== undefined && name.toLowerCase() !== ASC_SCORE.toLowerCase()) {
    throw new PalisadeError('SecureScoreNotFound', `The secure score '${name}' was not found. Valid values: ${ASC_SCORE} (the Microsoft cloud security benchmark initiative).`, { kind: 'notFound', target: name });
  }
}


/** The secure score (ARM) and its controls at a scope. */
function scoreAt(session: PostureSession, scope: PostureScope): { score: ReturnType<typeof toArmSecureScore>; controls: ControlScore[] } {
  if (scope.kind === 'subscription') {
    const s = session.run.subscriptionScore(scope.subscriptionId) ?? computeSubscriptionScore(scope.subscriptionId, [], session.catalog);
    return { score: toArmSecureScore(s), controls: s.controls };
  }
  const agg = scope.kind === 'tenant' ? session.run.tenantScore() : session.run.scopeScore(scope.id);
  return { score: toArmAggregateSecureScore(scope.id, agg), controls: agg.controls };
}

export function securityPostureCommands(run: Run): Command[] {
  // ------------------------------------------------------------------------------------------------- assessment
  const assessment = new Command('assessment').description('View security assessments (recommendation × resource) of the estate.');
  const expand = () => new Option('--expand <what>', 'Include links or the metadata.').choices(['links', 'metadata']);
  mgOption(
    assessment
      .command('list')
      .description('List the assessments of the subscription: {value: [...]}.')
      .addOption(expand())
      .addOption(new Option('--status <code>', 'Only assessments with this status code (Palisade filter).').choices(['Healthy', 'Unhealthy', 'NotApplicable'])),
    'Assessments',
  ).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ expand?: 'links' | 'metadata'; status?: string; managementGroup?: string }>();
      const { session, scope } = await open(ctx, opts.managementGroup);
      const subs = subscriptionsIn(session, scope);
      const list = (scope.kind === 'subscription' ? session.run.assessmentsOf(scope.subscriptionId) : session.run.assessments().filter((a) => !subs || subs.has(a.subscriptionId.toLowerCase())))
        .filter((a) => !opts.status || a.status.code === opts.status)
        .map((a) => toArmAssessment(a, { expand: opts.expand, recommendation: session.catalog.recommendation(a.assessmentKey) }));
      const store = await ctx.store();
      const custom = (await customAssessmentsOf(store, scope.kind === 'subscription' ? scope.subscriptionId : undefined))
        .filter((a) => scope.kind === 'subscription' || !subs || subs.has(a.subscriptionId.toLowerCase()))
        .filter((a) => !opts.status || a.properties.status.code === opts.status);
      const metadataOf = async (a: CustomAssessment) => (opts.expand === 'metadata' ? getCustomMetadata(store, a.subscriptionId, a.name) : undefined);
      for (const a of custom) list.push(toArmCustomAssessment(a, await metadataOf(a)) as unknown as (typeof list)[number]);
      emitList(ctx, list);
    });
  });
  assessment
    .command('show')
    .description('Show one assessment (exit code 3 when it does not exist).')
    .requiredOption('-n, --name <key>', 'The assessment key (its metadata name).')
    .option('--assessed-resource-id <id>', 'The assessed resource (default: the subscription itself).')
    .addOption(expand())
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; assessedResourceId?: string; expand?: 'links' | 'metadata' }>();
        const { session, scope } = await open(ctx);
        const resource = opts.assessedResourceId ?? scope.id;
        const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(resource)?.[1] ?? (scope.kind === 'subscription' ? scope.subscriptionId : '');
        const key = canonicalKey(resource);
        const hit = session.run.assessmentsOf(subscriptionId).find((a) => a.assessmentKey.toLowerCase() === opts.name.toLowerCase() && canonicalKey(a.resourceId) === key);
        const custom = hit ? undefined : await getCustomAssessment(await ctx.store(), resource, opts.name);
        if (custom) {
          ctx.emit(toArmCustomAssessment(custom, opts.expand === 'metadata' ? await getCustomMetadata(await ctx.store(), custom.subscriptionId, custom.name) : undefined));
          return;
        }
        if (!hit) {
          throw new PalisadeError('AssessmentNotFound', `The assessment '${opts.name}' of resource '${resource}' was not found.${session.catalog.recommendation(opts.name) ? '' : ` '${opts.name}' is not an assessment key; see 'palisade security assessment-metadata list'.`}`, {
            kind: 'notFound',
            target: opts.name,
          });
        }
        ctx.emit(toArmAssessment(hit, { expand: opts.expand, recommendation: session.catalog.recommendation(hit.assessmentKey) }));
      });
    });

  assessment
    .command('create')
    .description('Report the status of a customer-managed assessment (its metadata made with assessment-metadata create).')
    .requiredOption('-n, --name <key>', 'The assessment key (the name of custom assessment metadata of the subscription).')
    .addOption(new Option('--status-code <code>', 'The status.').choices(['Healthy', 'Unhealthy', 'NotApplicable']).makeOptionMandatory())
    .option('--assessed-resource-id <id>', 'The assessed resource (default: the subscription itself).')
    .option('--cause <text>', 'Why the status is what it is.')
    .option('--description <text>', 'Description of the status.')
    .option('--additional-data <json>', 'A JSON object of string values.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; statusCode: string; assessedResourceId?: string; cause?: string; description?: string; additionalData?: string }>();
        const sub = await commandSubscription(ctx);
        const resource = opts.assessedResourceId ?? `/subscriptions/${sub.subscriptionId}`;
        let additionalData: unknown;
        if (opts.additionalData !== undefined) additionalData = readJsonArgument(opts.additionalData, '--additional-data').value;
        const body = { properties: { resourceDetails: { source: 'Azure' }, status: { code: opts.statusCode, cause: opts.cause, description: opts.description }, additionalData } };
        const { assessment } = await putCustomAssessment(await ctx.store(), loadPostureCatalog(catalogDir(ctx.io.env)), resource, opts.name, body, clockFrom(ctx.io.env).now());
        ctx.emit(toArmCustomAssessment(assessment));
      });
    });
  assessment
    .command('delete')
    .description('Delete a customer-managed assessment.')
    .requiredOption('-n, --name <key>', 'The assessment key.')
    .option('--assessed-resource-id <id>', 'The assessed resource (default: the subscription itself).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; assessedResourceId?: string }>();
        const sub = await commandSubscription(ctx);
        const resource = opts.assessedResourceId ?? `/subscriptions/${sub.subscriptionId}`;
        if (!(await deleteCustomAssessment(await ctx.store(), resource, opts.name))) ctx.logger.warning(`no customer-managed assessment '${opts.name}' on '${resource}'`);
      });
    });

  // ---------------------------------------------------------------------------------------- assessment-metadata
  const metadata = new Command('assessment-metadata').description('View the security assessment metadata (recommendation definitions).');
  metadata
    .command('list')
    .description('List the assessment metadata: {value: [...]}.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const catalog = loadPostureCatalog(catalogDir(ctx.io.env));
        emitList(ctx, catalog.recommendations.map((r) => toArmAssessmentMetadata(r)));
      });
    });
  metadata
    .command('show')
    .description('Show one assessment metadata (exit code 3 when it does not exist).')
    .requiredOption('-n, --name <key>', 'The assessment key.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const { name } = this.opts<{ name: string }>();
        const rec = loadPostureCatalog(catalogDir(ctx.io.env)).recommendation(name);
        if (rec) return ctx.emit(toArmAssessmentMetadata(rec));
        const sub = ctx.options.subscription || ctx.io.env.PALISADE_SUBSCRIPTION ? await commandSubscription(ctx) : undefined;
        const custom = sub ? await getCustomMetadata(await ctx.store(), sub.subscriptionId, name) : undefined;
        if (!custom) throw new PalisadeError('AssessmentMetadataNotFound', `The assessment metadata '${name}' was not found; see 'palisade security assessment-metadata list' (custom metadata: pass --subscription).`, { kind: 'notFound', target: name });
        ctx.emit(toArmCustomMetadata(custom));
      });
    });
  metadata
    .command('create')
    .description('Define customer-managed assessment metadata in the subscription (assessmentType CustomerManaged).')
    .requiredOption('-n, --name <key>', 'The assessment key (a GUID is usual).')
    .requiredOption('--display-name <text>', 'The display name.')
    .addOption(new Option('--severity <level>', 'The severity.').choices(['Low', 'Medium', 'High']).makeOptionMandatory())
    .option('--description <text>', 'What the assessment checks.')
    .option('--remediation-description <text>', 'How to fix it.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; displayName: string; severity: string; description?: string; remediationDescription?: string }>();
        const sub = await commandSubscription(ctx);
        const body = { properties: { displayName: opts.displayName, severity: opts.severity, description: opts.description, remediationDescription: opts.remediationDescription, assessmentType: 'CustomerManaged' } };
        ctx.emit(toArmCustomMetadata(await putCustomMetadata(await ctx.store(), loadPostureCatalog(catalogDir(ctx.io.env)), sub.subscriptionId, opts.name, body)));
      });
    });
  metadata
    .command('delete')
    .description('Delete customer-managed assessment metadata (and the assessments reported against it).')
    .requiredOption('-n, --name <key>', 'The assessment key.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const { name } = this.opts<{ name: string }>();
        const sub = await commandSubscription(ctx);
        if (!(await deleteCustomMetadata(await ctx.store(), sub.subscriptionId, name))) ctx.logger.warning(`no custom assessment metadata '${name}' in subscription '${sub.subscriptionId}'`);
      });
    });

  // ------------------------------------------------------------------------------------------------ secure score
  const score = new Command('secure-score').alias('secure-scores').description('View the secure score (ascScore: the Microsoft cloud security benchmark).');
  mgOption(score.command('list').description('List the secure scores of the subscription: {value: [ascScore]}.'), 'The weighted score').action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ managementGroup?: string }>();
      const { session, scope } = await open(ctx, opts.managementGroup);
      emitList(ctx, [scoreAt(session, scope).score]);
    });
  });
  mgOption(score.command('show').description('Show a secure score (default ascScore).').option('-n, --name <name>', 'Name of the secure score.', ASC_SCORE), 'The weighted score').action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ name: string; managementGroup?: string }>();
      checkScoreName(opts.name);
      const { session, scope } = await open(ctx, opts.managementGroup);
      ctx.emit(scoreAt(session, scope).score);
    });
  });

  score.addCommand(secureScoreHistoryCommand(run));

  const controls = new Command('secure-score-controls').description('View the secure score controls.');
  mgOption(
    controls
      .command('list')
      .description('List the secure score controls with resources in the subscription: {value: [...]}.')
      .addOption(new Option('--expand <what>', 'Include the control definition.').choices(['definition']))
      .option('-n, --name <name>', 'The secure score the controls belong to (ascScore).'),
    'Controls',
  ).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ expand?: 'definition'; name?: string; managementGroup?: string }>();
      checkScoreName(opts.name);
      const { session, scope } = await open(ctx, opts.managementGroup);
      const at = scope.kind === 'subscription' ? scope.subscriptionId : scope.id;
      const list = scoreAt(session, scope)
        .controls.filter((c) => c.healthyResourceCount + c.unhealthyResourceCount + c.notApplicableResourceCount > 0)
        .map((c) => toArmSecureScoreControl(at, c, { expand: opts.expand, definitions: session.catalog.controls }));
      emitList(ctx, list);
    });
  });

  const definitions = new Command('secure-score-control-definitions').description('View the secure score control definitions.');
  definitions
    .command('list')
    .description('List the secure score control definitions: {value: [...]}.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        emitList(ctx, loadPostureCatalog(catalogDir(ctx.io.env)).controls.map(toArmControlDefinition));
      });
    });

  // -------------------------------------------------------------------------------------------- recommendation
  const recommendation = new Command('recommendation').description('Prioritise recommendations.');
  mgOption(
    recommendation
      .command('prioritize')
      .description('Unhealthy (recommendation, resource) pairs ranked by the points fixing them adds × exploitability. Whole estate unless --subscription or --management-group.')
      .option('--top <n>', 'Only the first N.', positiveInt),
    'Priorities',
  ).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ top?: number; managementGroup?: string }>();
      const { session, scope } = await open(ctx, opts.managementGroup, true, true);
      const subs = subscriptionsIn(session, scope);
      const items = session.run.priorities().filter((p) => !subs || subs.has(p.subscriptionId.toLowerCase()));
      ctx.emit(
        items.slice(0, opts.top ?? items.length).map(priorityView),
      );
    });
  });

  return [assessment, metadata, score, controls, definitions, recommendation];
}
