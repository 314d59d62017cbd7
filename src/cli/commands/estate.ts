import { Command, Option } from 'commander';
import { loadEstate, summarizeInventory, CONTAINER_TYPES } from '../../estate/index.js';
import type { CommandContext } from '../context.js';
import type { Store } from '../../store/index.js';

import type { Run } from '../run.js';

export function estateCommands(run: Run): Command {
  const estate = new Command('estate').description('Import and inspect the estate (Azure Resource Graph rows).');

  estate
    .command('import')
    .description('Import Azure Resource Graph rows (JSON Lines, JSON arrays, `az graph query` output, or a directory of them).')
    .requiredOption('--from <path...>', 'Files or directories to import.')
    .addOption(
      new Option('--mode <mode>', 'merge: rows replace rows with the same id; replace: the import becomes the whole estate.')
        .choices(['merge', 'replace'])
        .default('merge'),
    )
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ from: string[]; mode: 'merge' | 'replace' }>();
        ctx.emit(await importEstate(ctx, opts.from, opts.mode));
      });
    });

  estate
    .command('show')
    .description('Summarise the imported estate: management groups, subscriptions, resources by type, Defender plans.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        ctx.emit(await inventory(await ctx.store()));
      });
    });

  return estate;
}

export async function importEstate(ctx: CommandContext, from: string[], mode: 'merge' | 'replace'): Promise<Record<string, unknown>> {
  const store = await ctx.store();
  const progress = ctx.progress('Importing', ' bytes');
  const load = loadEstate(from, { onProgress: (done, total) => progress.update(done, total) });
  try {
    const result = await store.importEstate(load.batches(), { mode, source: from.join(', ') });
    ctx.logger.info(`imported ${result.total} rows in ${result.durationMs} ms`);
    return {
      files: load.stats.files.map((f) => ({ file: f.file, format: f.format, rows: f.rows, table: f.table ?? null })),
      inserted: result.inserted,
      mode,
      replaced: result.replaced,
      rowsByTable: load.stats.byTable,
      total: result.total,
    };
  } finally {
    progress.stop();
  }
}

export async function inventory(store: Store): Promise<ReturnType<typeof summarizeInventory>> {
  const containers = (await store.listResources({ tables: ['resourcecontainers'] })).map((r) => r.row);
  const pricings = (await store.listResources({ types: ['microsoft.security/pricings'] })).map((r) => r.row);
  const resourceCounts = (await store.countByType({ tables: ['resources'] })).filter(
    (entry) => entry.type !== CONTAINER_TYPES.resourceGroup,
  );
  return summarizeInventory({ containers, resourceCounts, pricings });
}
