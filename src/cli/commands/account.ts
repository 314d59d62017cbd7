import { Command } from 'commander';
import { PalisadeError } from '../../core/index.js';
import { ManagementGroupTree, toAccountSummary, toManagementGroupSummary } from '../../estate/index.js';
import type { Run } from '../run.js';
import { resolveSubscription } from './resource.js';

export function accountCommands(run: Run): Command {
  const account = new Command('account').description('Subscriptions and management groups of the estate.');

  account
    .command('list')
    .description('Get a list of subscriptions in the estate.')
    .option('--all', 'List all subscriptions (accepted for az compatibility; every subscription is listed).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const store = await ctx.store();
        const subs = await store.listResources({ types: ['microsoft.resources/subscriptions'] });
        ctx.emit(subs.map((s) => toAccountSummary(s.row)));
      });
    });

  account
    .command('show')
    .description('Get the details of a subscription (--subscription NAME_OR_ID).')
    .option('-n, --name <nameOrId>', 'Name or id of the subscription (same as --subscription).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name?: string }>();
        const wanted = opts.name ?? ctx.options.subscription;
        if (!wanted) throw new PalisadeError('RequiredArgumentMissing', 'the following arguments are required: --subscription (or --name)', { kind: 'argument' });
        const subscriptionId = await resolveSubscription(ctx, wanted);
        const store = await ctx.store();
        const row = await store.getResource(`/subscriptions/${subscriptionId}`.toLowerCase());
        const tree = ManagementGroupTree.fromRows(row ? [row.row] : []);
        ctx.emit({ ...toAccountSummary(row!.row), managementGroupAncestors: tree.subscriptionAncestors(subscriptionId) });
      });
    });

  const mg = account.command('management-group').description('Manage Azure management groups.');

  mg.command('list')
    .description('List all management groups in the estate.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const store = await ctx.store();
        const rows = await store.listResources({ types: ['microsoft.management/managementgroups'] });
        ctx.emit(rows.map((r) => toManagementGroupSummary(r.row)));
      });
    });

  mg.command('show')
    .description('Get a specific management group, with --expand its children and with --recurse the whole subtree.')
    .requiredOption('-n, --name <name>', 'Name of the management group.')
    .option('-e, --expand', 'Include the children of the management group.')
    .option('-r, --recurse', 'Include the children recursively (requires --expand).')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ name: string; expand?: boolean; recurse?: boolean }>();
        if (opts.recurse && !opts.expand) throw new PalisadeError('ArgumentUsageError', '--recurse requires --expand', { kind: 'argument' });
        const store = await ctx.store();
        const containers = (await store.listResources({ tables: ['resourcecontainers'] })).map((r) => r.row);
        const tree = ManagementGroupTree.fromRows(containers);
        const node = tree.managementGroup(opts.name);
        if (!node) {
          throw new PalisadeError('ManagementGroupNotFound', `The management group '${opts.name}' was not found.`, { kind: 'notFound', target: opts.name });
        }
        const describe = (name: string, depth: number): Record<string, unknown> => {
          const group = tree.managementGroup(name)!;
          const out: Record<string, unknown> = {
            displayName: group.displayName,
            id: group.id,
            name: group.name,
            tenantId: group.tenantId ?? null,
            type: 'Microsoft.Management/managementGroups',
            details: { parent: group.parentName ? { id: group.parentId ?? null, name: group.parentName } : null },
          };
          if (opts.expand && (depth === 0 || opts.recurse)) {
            out.children = [
              ...tree.childGroups(name).map((child) => ({ ...describe(child.name, depth + 1), type: 'Microsoft.Management/managementGroups' })),
              ...tree.childSubscriptions(name).map((sub) => ({
                displayName: sub.displayName,
                id: `/subscriptions/${sub.subscriptionId}`,
                name: sub.subscriptionId,
                type: '/subscriptions',
              })),
            ];
          }
          return out;
        };
        ctx.emit(describe(node.name, 0));
      });
    });

  return account;
}
