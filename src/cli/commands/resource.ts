import { Command } from 'commander';
import { PalisadeError, ResourceId, canonicalKey } from '../../core/index.js';
import { toGenericResource } from '../../estate/index.js';
import type { Run } from '../run.js';
import { resolveSubscription } from '../../service/index.js';

export function resourceCommands(run: Run): Command {
  const resource = new Command('resource').description('Manage Azure resources (read from the imported estate).');

  resource
    .command('list')
    .description('List resources.')
    .option('--resource-type <type>', "The resource type, e.g. 'Microsoft.Compute/virtualMachines'.")
    .option('-g, --resource-group <name>', 'Name of resource group.')
    .option('-n, --name <name>', 'Name of the resource.')
    .option('-l, --location <location>', 'Location.')
    .option('--namespace <namespace>', "Provider namespace, e.g. 'Microsoft.Network'.")
    .option('--tag <tag>', "A single tag in 'key[=value]' format.")
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ resourceType?: string; resourceGroup?: string; name?: string; location?: string; namespace?: string; tag?: string }>();
        const store = await ctx.store();
        const rows = await store.listResources({
          tables: ['resources'],
          types: opts.resourceType ? [opts.resourceType.toLowerCase()] : undefined,
          subscriptionId: ctx.options.subscription ? await resolveSubscription(ctx, ctx.options.subscription) : undefined,
          resourceGroup: opts.resourceGroup,
        });
        const [tagKey, tagValue] = opts.tag === undefined ? [undefined, undefined] : splitTag(opts.tag);
        const result = rows
          .filter((r) => opts.name === undefined || r.name.toLowerCase() === opts.name.toLowerCase())
          .filter((r) => opts.location === undefined || (r.location ?? '').toLowerCase() === opts.location.toLowerCase())
          .filter((r) => opts.namespace === undefined || r.type.startsWith(opts.namespace.toLowerCase() + '/'))
          .filter((r) => {
            if (tagKey === undefined) return true;
            const tags = (r.row.tags ?? {}) as Record<string, string>;
            const match = Object.entries(tags).find(([k]) => k.toLowerCase() === tagKey.toLowerCase());
            return match !== undefined && (tagValue === undefined || match[1] === tagValue);
          })
          .map((r) => toGenericResource(r.row, { withProperties: false }));
        ctx.emit(result);
      });
    });

  resource
    .command('show')
    .description('Get the details of a resource.')
    .option('--ids <id...>', 'One or more resource ids (space-delimited).')
    .option('-g, --resource-group <name>', 'Name of resource group.')
    .option('-n, --name <name>', 'The resource name.')
    .option('--resource-type <type>', "The resource type, e.g. 'Microsoft.Compute/virtualMachines'.")
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ ids?: string[]; resourceGroup?: string; name?: string; resourceType?: string }>();
        const store = await ctx.store();
        let ids = opts.ids ?? [];
        if (ids.length === 0) {
          if (!opts.resourceGroup || !opts.name || !opts.resourceType) {
            throw new PalisadeError('RequiredArgumentMissing', '(--ids | --resource-group --name --resource-type) are required', { kind: 'argument' });
          }
          const subscription = ctx.options.subscription ? await resolveSubscription(ctx, ctx.options.subscription) : undefined;
          const candidates = await store.listResources({ types: [opts.resourceType.toLowerCase()], resourceGroup: opts.resourceGroup, subscriptionId: subscription });
          ids = candidates.filter((c) => c.name.toLowerCase() === opts.name!.toLowerCase()).map((c) => c.id);
          if (ids.length === 0) throw notFound(`${opts.resourceType} '${opts.name}' in resource group '${opts.resourceGroup}'`);
          if (ids.length > 1) {
            throw new PalisadeError('AmbiguousResource', `${ids.length} resources match; pass --subscription or --ids`, { kind: 'argument' });
          }
        }
        const found = [];
        for (const id of ids) {
          const parsed = ResourceId.tryParse(id);
          if (typeof parsed === 'string') throw new PalisadeError('InvalidResourceId', `'${id}' is not a valid resource id: ${parsed}`, { kind: 'argument', target: id });
          const row = await store.getResource(canonicalKey(id));
          if (!row) throw notFound(`resource '${id}'`);
          found.push(toGenericResource(row.row, { withProperties: true }));
        }
        ctx.emit(found.length === 1 ? found[0] : found);
      });
    });

  return resource;
}

function notFound(what: string): PalisadeError {
  return new PalisadeError('ResourceNotFound', `The ${what} was not found.`, { kind: 'notFound' });
}

function splitTag(tag: string): [string, string | undefined] {
  const index = tag.indexOf('=');
  return index === -1 ? [tag, undefined] : [tag.slice(0, index), tag.slice(index + 1)];
}

/** Accepts a subscription id or display name, as az's --subscription does. */
export { resolveSubscription };
