/**
 * `palisade security pricing list|show|create|coverage`, mirroring `az security pricing ...` (pricings 2024-01-01).
 *
 * list prints `{value: [...]}` as az does (the pricings list is not pageable, so az prints the PricingList model),
 * each pricing with `properties` flattened (`pricingTier`, `subPlan`, `extensions`, `enablementTime`, ...), so the
 * seed's `--query "value[].{plan:name, tier:pricingTier}"` runs unchanged. Plans without a row in the estate are
 * listed as Free, as Azure lists every plan. create is a one-row merge import into `securityresources` (the write
 * path of `policy definition create`). coverage is Palisade's: per plan, the subscriptions (and the resources in
 * them) the plan does not cover.
 */
import { Command } from 'commander';
import {
  PLAN_DEFINITIONS,
  applyPricingUpdate,
  computeCoverage,
  parseExtensionTokens,
  planDefinition,
  subscriptionPricings,
  toAzPricing,
  validatePricingUpdate,
} from '../../posture/index.js';
import type { CommandContext } from '../context.js';
import { clockFrom } from '../../service/index.js';
import { commandSubscription, estateSubscriptions, managementGroupId, pricingRows, writePricingRow } from '../../service/index.js';
import type { Run } from '../run.js';
import { PalisadeError, isWithin } from '../../core/index.js';
import { ManagementGroupTree } from '../../estate/index.js';

async function pricingsOf(ctx: CommandContext) {
  const sub = await commandSubscription(ctx);
  const rows = await pricingRows(ctx, sub.subscriptionId);
  return { sub, rows: subscriptionPricings(sub.subscriptionId, sub.tenantId, rows) };
}

export function securityPricingCommand(run: Run): Command {
  const pricing = new Command('pricing').description("Enables managing the Azure Defender plan for the subscription (Microsoft.Security/pricings in the estate's securityresources).");

  pricing
    .command('list')
    .description('Shows the Microsoft Defender for Cloud pricing configurations in the subscription: {value: [...]}.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const { rows } = await pricingsOf(ctx);
        ctx.emit({ value: rows.map(toAzPricing) });
      });
    });

  pricing
    .command('show')
    .description('Shows the Microsoft Defender for Cloud pricing configuration of one plan.')
    .requiredOption('-n, --name <name>', `Name of the plan: ${PLAN_DEFINITIONS.map((p) => p.name).join(', ')}.`)
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const { name } = this.opts<{ name: string }>();
        const plan = planDefinition(name);
        const { rows } = await pricingsOf(ctx);
        ctx.emit(toAzPricing(rows.find((r) => String(r.name).toLowerCase() === plan.name.toLowerCase())!));
      });
    });

  pricing
    .command('create')
    .description('Updates the Microsoft Defender for Cloud pricing configuration of a plan in the subscription.')
    .requiredOption('-n, --name <name>', 'Name of the plan (CloudPosture is Defender CSPM).')
    .requiredOption('--tier <tier>', 'Pricing tier: Free or Standard.')
    .option('--subplan <subplan>', 'The sub-plan (VirtualMachines P1/P2, StorageAccounts DefenderForStorageV2, KeyVaults PerKeyVault, Arm PerSubscription, Api P1..P5).')
    .option('--extensions <extension...>', 'Extension: name=NAME isEnabled=True|False [additionalExtensionProperties=JSON] [Key=Value]; repeat the flag per extension.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; tier: string; subplan?: string; extensions?: string[] }>();
        const update = validatePricingUpdate({ name: opts.name, tier: opts.tier, subPlan: opts.subplan, extensions: opts.extensions ? parseExtensionTokens(opts.extensions) : undefined });
        const sub = await commandSubscription(ctx);
        const existing = (await pricingRows(ctx, sub.subscriptionId)).find((r) => String(r.name).toLowerCase() === update.plan.name.toLowerCase());
        const row = applyPricingUpdate({ subscriptionId: sub.subscriptionId, tenantId: sub.tenantId, existing, update, now: clockFrom(ctx.io.env).now() });
        await writePricingRow(ctx, row, `cli:security pricing create ${update.plan.name}`);
        ctx.emit(toAzPricing(row));
      });
    });

  pricing
    .command('coverage')
    .description('Per plan, the subscriptions where it is not Standard and the resources it would protect there ("joined the estate naked"). Whole estate unless --subscription or --management-group.')
    .option('--plan <name>', 'Only this plan; lists the uncovered resource ids too.')
    .option('-m, --management-group <name>', 'Only subscriptions under this management group.')
    .option('--include-covered', 'Also list plans every subscription has.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ plan?: string; managementGroup?: string; includeCovered?: boolean }>();
        const plan = opts.plan ? planDefinition(opts.plan) : undefined;
        const store = await ctx.store();
        let subs = await estateSubscriptions(ctx);
        if (ctx.options.subscription || ctx.io.env.PALISADE_SUBSCRIPTION) {
          const one = await commandSubscription(ctx);
          subs = subs.filter((s) => s.subscriptionId.toLowerCase() === one.subscriptionId.toLowerCase());
        }
        if (opts.managementGroup) {
          const containers = (await store.listResources({ tables: ['resourcecontainers'] })).map((r) => r.row);
          const tree = ManagementGroupTree.fromRows(containers);
          if (!tree.managementGroup(opts.managementGroup)) {
            throw new PalisadeError('ManagementGroupNotFound', `The management group '${opts.managementGroup}' was not found.`, { kind: 'notFound', target: opts.managementGroup });
          }
          subs = subs.filter((s) => isWithin(managementGroupId(opts.managementGroup!), `/subscriptions/${s.subscriptionId}`, tree));
        }
        const wanted = new Set(subs.map((s) => s.subscriptionId.toLowerCase()));
        const resources: Array<{ id: string; type: string; subscriptionId: string | null }> = [];
        for await (const r of store.iterateResources({ tables: ['resources'], pageSize: 5000 })) {
          if (r.subscriptionId && wanted.has(r.subscriptionId)) resources.push({ id: r.id, type: r.type, subscriptionId: r.subscriptionId });
        }
        const coverage = computeCoverage({
          subscriptions: subs,
          pricings: await pricingRows(ctx),
          resources,
          plans: plan ? [plan] : undefined,
          includeCovered: opts.includeCovered || plan !== undefined,
        });
        ctx.emit(plan ? coverage : coverage.map((c) => ({ ...c, uncoveredSubscriptions: c.uncoveredSubscriptions.map(({ resources: _r, ...rest }) => rest) })));
      });
    });

  return pricing;
}
