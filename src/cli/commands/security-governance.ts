/**
 * `palisade security governance-rule create|list|show|delete` and `palisade security governance-assignment
 * list|show|notify`: Defender CSPM's governance rules (Microsoft.Security/governanceRules 2022-01-01-preview) and the
 * assignments they make, over the store (src/program/governance; docs/governance.md).
 *
 *  - governance-rule create is a PUT (upsert) at `--management-group MG` or the command's subscription
 *    (`--subscription`, required with several). The body is built from the flags, or read from `--file` (an ARM body
 *    `{properties: {...}}`) with the flags given on top. Prints the ARM resource.
 *  - governance-rule list: the rules at `--management-group` / `--subscription`, or every rule of the estate.
 *    show / delete: at the scope when given, else by name across the estate; show exits 3 when missing; delete of a
 *    missing rule succeeds silently (ARM answers 204).
 *  - governance-assignment list evaluates the estate (`--at` / `$PALISADE_NOW`), refreshes the assignments from the
 *    rules and lists the open ones (`--status` / `--include-completed` for the others), overdue first.
 *  - governance-assignment notify refreshes, then sends the week's owner digests and manager escalations (SMTP and / or
 *    webhook, from the environment or `--config FILE`), once per recipient, kind and channel per ISO week.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { PalisadeError, canonicalKey } from '../../core/index.js';
import {
  GOVERNANCE_STATUSES,
  OWNER_SOURCE_TYPES,
  RULE_TYPES,
  deleteGovernanceRule,
  filterGovernanceAssignments,
  findGovernanceRule,
  getGovernanceAssignmentRecord,
  governanceNotifyConfig,
  listGovernanceRules,
  loadGovernanceResources,
  normalizeRemediationTimeframe,
  parseGovernanceStatuses,
  putGovernanceRule,
  refreshGovernanceFromRun,
  scopeOfRuleId,
  sendGovernanceNotifications,
  toArmGovernanceAssignment,
  type GovernanceStatus,
} from '../../program/index.js';
import { PostureSession, clockAt, commandSubscription, managementGroupId } from '../../service/index.js';
import type { CommandContext } from '../context.js';
import type { Run } from '../run.js';
import { readJsonArgument } from './policy-definitions.js';
import { assertScope, emitList, postureScope, subscriptionsIn } from './security-common.js';

const PRINCIPAL = 'palisade-cli';

/** az-style boolean values: true/false, yes/no, 1/0 (a bare flag means true). */
function bool(value: string): boolean {
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new InvalidArgumentError(`'${value}' is not a boolean (true or false).`);
}

function ruleInteger(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`'${value}' is not an integer.`);
  return Number(value);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The rule scope: `--management-group`, else the command's subscription. */
async function ruleScope(ctx: CommandContext, managementGroup: string | undefined): Promise<{ scope: string; tenantId?: string }> {
  if (managementGroup) return { scope: managementGroupId(managementGroup) };
  const sub = await commandSubscription(ctx);
  return { scope: `/subscriptions/${sub.subscriptionId}`, tenantId: sub.tenantId || undefined };
}

/** The scope of list / show / delete: `--management-group`, `--subscription` (or $PALISADE_SUBSCRIPTION), or none. */
async function optionalScope(ctx: CommandContext, managementGroup: string | undefined): Promise<string | undefined> {
  if (managementGroup) return managementGroupId(managementGroup);
  if (ctx.options.subscription || ctx.io.env.PALISADE_SUBSCRIPTION) return `/subscriptions/${(await commandSubscription(ctx)).subscriptionId}`;
  return undefined;
}

interface CreateOptions {
  name: string;
  file?: string;
  displayName?: string;
  description?: string;
  remediationTimeframe?: string;
  isGracePeriod?: boolean;
  rulePriority?: number;
  isDisabled?: boolean;
  ruleType?: string;
  ownerSourceType?: string;
  ownerSourceValue?: string;
  conditionSets?: string;
  excludedScopes?: string[];
  includeMemberScopes?: boolean;
  disableOwnerEmailNotification?: boolean;
  disableManagerEmailNotification?: boolean;
  managementGroup?: string;
}

/** The PUT body: `--file`'s, with the flags on top. */
function ruleBody(opts: CreateOptions): unknown {
  let body: Record<string, unknown> = { properties: {} };
  if (opts.file) {
    const { value } = readJsonArgument(opts.file.startsWith('@') ? opts.file : `@${opts.file}`, '--file');
    if (!isRecord(value)) throw new PalisadeError('InvalidRequestContent', `--file: the governance rule must be a JSON object {"properties": {...}}.`, { kind: 'validation', location: { file: opts.file } });
    body = { ...value, properties: isRecord(value.properties) ? { ...value.properties } : value.properties };
  }
  const p = isRecord(body.properties) ? body.properties : (body.properties = {} as Record<string, unknown>);
  const set = (key: string, value: unknown) => {
    if (value !== undefined) p[key] = value;
  };
  set('displayName', opts.displayName);
  set('description', opts.description);
  set('remediationTimeframe', opts.remediationTimeframe === undefined ? undefined : normalizeRemediationTimeframe(opts.remediationTimeframe));
  set('isGracePeriod', opts.isGracePeriod);
  set('rulePriority', opts.rulePriority);
  set('isDisabled', opts.isDisabled);
  set('ruleType', opts.ruleType ?? (p.ruleType === undefined ? 'Integrated' : undefined));
  if (p.sourceResourceType === undefined) p.sourceResourceType = 'Assessments';
  set('includeMemberScopes', opts.includeMemberScopes);
  if (opts.excludedScopes) p.excludedScopes = opts.excludedScopes;
  if (opts.conditionSets !== undefined) p.conditionSets = readJsonArgument(opts.conditionSets, '--condition-sets').value;
  if (opts.ownerSourceType !== undefined || opts.ownerSourceValue !== undefined) {
    const current = isRecord(p.ownerSource) ? p.ownerSource : {};
    p.ownerSource = { ...current, ...(opts.ownerSourceType !== undefined ? { type: opts.ownerSourceType } : {}), ...(opts.ownerSourceValue !== undefined ? { value: opts.ownerSourceValue } : {}) };
  }
  if (opts.disableOwnerEmailNotification !== undefined || opts.disableManagerEmailNotification !== undefined) {
    const current = isRecord(p.governanceEmailNotification) ? p.governanceEmailNotification : {};
    p.governanceEmailNotification = {
      ...current,
      ...(opts.disableOwnerEmailNotification !== undefined ? { disableOwnerEmailNotification: opts.disableOwnerEmailNotification } : {}),
      ...(opts.disableManagerEmailNotification !== undefined ? { disableManagerEmailNotification: opts.disableManagerEmailNotification } : {}),
    };
  }
  return body;
}

function governanceRuleCommand(run: Run): Command {
  const rule = new Command('governance-rule').description('Manage governance rules: owners and remediation SLAs for recommendations (Microsoft.Security/governanceRules).');
  const mg = (cmd: Command) => cmd.option('-m, --management-group <name>', 'The rule scope is this management group (instead of --subscription).');

  mg(
    rule
      .command('create')
      .description('Create or update a governance rule (a PUT). Prints the rule.')
      .requiredOption('-n, --name <name>', 'The rule id (Azure uses a GUID; letters, digits, -, _ and . are accepted).')
      .option('--file <path>', 'An ARM request body {"properties": {...}}; the other flags override its values.')
      .option('--display-name <text>', 'Display name of the rule.')
      .option('--description <text>', 'Description of the rule.')
      .option('--remediation-timeframe <days>', 'Days to remediate: 7, 14, 30 or 90 (or 7.00:00:00). Default 7.')
      .option('--is-grace-period [bool]', 'While the due date has not passed, the items do not lower the secure score.', bool)
      .option('--rule-priority <n>', 'Priority from 0 to 1000, unique per scope; the lowest matching rule assigns.', ruleInteger)
      .option('--is-disabled [bool]', 'The rule assigns nothing while disabled.', bool)
      .addOption(new Option('--rule-type <type>', 'Integrated (default) or ServiceNow (stored, assigns nothing in Palisade).').choices([...RULE_TYPES]))
      .addOption(new Option('--owner-source-type <type>', 'Manually (an email address) or ByTag (a resource tag name).').choices([...OWNER_SOURCE_TYPES]))
      .option('--owner-source-value <value>', "The owner's email (Manually) or the name of the tag holding it (ByTag).")
      .option('--condition-sets <json>', 'JSON (or @file): [{"conditions": [{"property": "$.Severity", "operator": "In", "value": "[\\"High\\"]"}]}].')
      .option('--excluded-scopes <scope...>', 'Scopes (ids) whose resources the rule skips.')
      .option('--include-member-scopes [bool]', 'Stored as given (a management-group rule always covers its subscriptions).', bool)
      .option('--disable-owner-email-notification [bool]', "No weekly digest to the owners for this rule's items.", bool)
      .option('--disable-manager-email-notification [bool]', "No overdue escalation to the owners' managers for this rule's items.", bool),
  ).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<CreateOptions>();
      const { scope, tenantId } = await ruleScope(ctx, opts.managementGroup);
      const store = await ctx.store();
      const now = clockAt(ctx).now();
      const { resource } = await putGovernanceRule(store, scope, opts.name, ruleBody(opts), { now, principal: PRINCIPAL, tenantId });
      ctx.emit(resource);
    });
  });

  mg(rule.command('list').description('List the governance rules at the scope, or of the whole estate: {value: [...]}.')).action(function (this: Command) {
    return run(this, async (ctx) => {
      const { managementGroup } = this.opts<{ managementGroup?: string }>();
      const scope = await optionalScope(ctx, managementGroup);
      emitList(ctx, await listGovernanceRules(await ctx.store(), { scope }));
    });
  });

  mg(rule.command('show').description('Show one governance rule (exit code 3 when it does not exist).').requiredOption('-n, --name <name>', 'The rule id.')).action(function (this: Command) {
    return run(this, async (ctx) => {
      const { name, managementGroup } = this.opts<{ name: string; managementGroup?: string }>();
      const scope = await optionalScope(ctx, managementGroup);
      const found = await findGovernanceRule(await ctx.store(), name, scope);
      if (!found) throw new PalisadeError('GovernanceRuleNotFound', `The governance rule '${name}' was not found${scope ? ` at ${scope}` : ''}.`, { kind: 'notFound', target: name });
      ctx.emit(found);
    });
  });

  mg(rule.command('delete').description('Delete a governance rule (a missing rule is not an error). Its assignments move to the next matching rule on the next refresh.').requiredOption('-n, --name <name>', 'The rule id.')).action(
    function (this: Command) {
      return run(this, async (ctx) => {
        const { name, managementGroup } = this.opts<{ name: string; managementGroup?: string }>();
        const scope = await optionalScope(ctx, managementGroup);
        const store = await ctx.store();
        const found = await findGovernanceRule(store, name, scope);
        if (found) await deleteGovernanceRule(store, scopeOfRuleId(found.id), found.name);
      });
    },
  );
  return rule;
}

/** Evaluates the estate and refreshes the assignments; returns the session, its time and every assignment. */
async function refreshed(ctx: CommandContext, at: string | undefined, managementGroup: string | undefined) {
  const scope = await postureScope(ctx, managementGroup, true);
  const session = await PostureSession.open(ctx, { at });
  assertScope(session, scope);
  const store = await ctx.store();
  const now = session.run.evaluatedAt;
  const refresh = await refreshGovernanceFromRun(store, session.run, { now });
  ctx.logger.info(`governance: ${refresh.activeRules} active rules; ${refresh.created} new, ${refresh.reassigned} reassigned, ${refresh.completed} completed, ${refresh.removed} removed; ${refresh.unmatched} unhealthy items match no rule`);
  return { session, scope, now, store, refresh, subscriptions: subscriptionsIn(session, scope) };
}

function governanceAssignmentCommand(run: Run): Command {
  const assignment = new Command('governance-assignment').description('View the governance assignments (owner, due date, status) the rules give unhealthy recommendations, and notify owners.');
  const mg = (cmd: Command) => cmd.option('-m, --management-group <name>', 'Only the subscriptions under this management group (instead of --subscription; default: the whole estate).');
  const at = (cmd: Command) => cmd.option('--at <time>', 'Evaluation time (ISO 8601; default $PALISADE_NOW or now).');

  at(
    mg(
      assignment
        .command('list')
        .description('Refresh the assignments from the current posture and list them, overdue first: {value: [...]}.')
        .option('--overdue', 'Only overdue assignments.')
        .option('--owner <email>', 'Only the assignments of this owner.')
        .option('--status <status...>', `Only these statuses: ${GOVERNANCE_STATUSES.join(', ')} (default: all but Completed).`)
        .option('--include-completed', 'Also list completed assignments.'),
    ),
  ).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ overdue?: boolean; owner?: string; status?: string[]; includeCompleted?: boolean; managementGroup?: string; at?: string }>();
      let statuses: GovernanceStatus[] | undefined = opts.status ? parseGovernanceStatuses(opts.status) : opts.includeCompleted ? undefined : ['OnTime', 'Overdue', 'Unassigned'];
      if (opts.overdue) statuses = (statuses ?? ['Overdue']).filter((s) => s === 'Overdue');
      const { now, refresh, subscriptions } = await refreshed(ctx, opts.at, opts.managementGroup);
      const records = filterGovernanceAssignments(refresh.assignments, { subscriptionIds: subscriptions, statuses, owner: opts.owner }, now);
      const list = records.map((r) => toArmGovernanceAssignment(r, now));
      if (!ctx.options.query && (ctx.options.output === 'table' || ctx.options.output === 'tsv')) {
        // az's table transformer idea: the columns people read, since a table drops nested properties
        ctx.emit(
          list.map((a) => ({
            Status: a.properties.status,
            DueDate: a.properties.remediationDueDate.slice(0, 10),
            Owner: a.properties.owner ?? '',
            Severity: a.properties.severity,
            Recommendation: a.properties.recommendationDisplayName,
            Resource: a.properties.assessedResourceId,
          })),
        );
      } else emitList(ctx, list);
    });
  });

  at(
    assignment
      .command('show')
      .description('Show the governance assignment of one (recommendation, resource) as the last refresh left it (exit code 3 when there is none).')
      .requiredOption('--assessment-name <key>', 'The assessment (recommendation) key.')
      .requiredOption('--assessed-resource-id <id>', 'The assessed resource.'),
  ).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ assessmentName: string; assessedResourceId: string; at?: string }>();
      const record = await getGovernanceAssignmentRecord(await ctx.store(), opts.assessedResourceId, opts.assessmentName);
      if (!record) {
        throw new PalisadeError('GovernanceAssignmentNotFound', `No governance assignment for assessment '${opts.assessmentName}' on '${opts.assessedResourceId}' (run 'palisade security governance-assignment list' to refresh).`, {
          kind: 'notFound',
          target: opts.assessmentName,
        });
      }
      ctx.emit(toArmGovernanceAssignment(record, clockAt(ctx, opts.at).now()));
    });
  });

  at(
    assignment
      .command('notify')
      .description("Refresh, then send this week's owner digests and manager escalations by SMTP and / or webhook (once per recipient per ISO week).")
      .option('--dry-run', 'Show what would be sent; send and record nothing.')
      .option('--config <file>', 'Notification settings (JSON; default $PALISADE_GOVERNANCE_CONFIG). See docs/governance.md.'),
  ).action(function (this: Command) {
    return run(this, async (ctx) => {
      const opts = this.opts<{ dryRun?: boolean; config?: string; at?: string }>();
      const path = opts.config ?? ctx.io.env.PALISADE_GOVERNANCE_CONFIG;
      let file: { path: string; text: string } | undefined;
      if (path) {
        try {
          file = { path, text: readFileSync(path, 'utf8') };
        } catch (error) {
          throw new PalisadeError('FileNotFound', `--config: cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { kind: 'argument', target: path });
        }
      }
      const config = governanceNotifyConfig(ctx.io.env, file);
      const { now, store, refresh } = await refreshed(ctx, opts.at, undefined);
      const resources = await loadGovernanceResources(
        store,
        refresh.assignments.filter((r) => r.completedDate === undefined).map((r) => r.resourceId),
      );
      const result = await sendGovernanceNotifications(store, {
        records: refresh.assignments,
        now,
        config,
        resources: (id) => resources.get(canonicalKey(id)),
        dryRun: opts.dryRun,
      });
      ctx.emit(result);
      if (result.failed > 0) {
        throw new PalisadeError('GovernanceNotificationFailed', `${result.failed} of ${result.outcomes.length} notifications failed: ${result.outcomes.filter((o) => o.status === 'failed').map((o) => `${o.channel} to ${o.recipient}: ${o.error}`).join('; ')}`, {
          kind: 'io',
        });
      }
    });
  });
  return assignment;
}

export function securityGovernanceCommands(run: Run): Command[] {
  return [governanceRuleCommand(run), governanceAssignmentCommand(run)];
}
