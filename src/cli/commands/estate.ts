import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { DIRECTORY_COLLECTION, FINDINGS_COLLECTION } from '../../service/index.js';
import { AGENTLESS_MARKER, importFindings } from './findings.js';
import { loadEstate, summarizeInventory, CONTAINER_TYPES } from '../../estate/index.js';
import { readEstateHistory, storeEstateHistory, withoutHistoryFiles } from './history.js';
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
  // The change log is read (and checked) first: a bad one stops the import before anything changes.
  const history = await readEstateHistory(from);
  const progress = ctx.progress('Importing', ' bytes');
  const load = loadEstate(await withoutHistoryFiles(from), { onProgress: (done, total) => progress.update(done, total) });
  try {
    const result = await store.importEstate(load.batches(), { mode, source: from.join(', '), bulk: true });
    ctx.logger.info(`imported ${result.total} rows in ${result.durationMs} ms`);
    const out: Record<string, unknown> = {
      files: load.stats.files.map((f) => ({ file: f.file, format: f.format, rows: f.rows, table: f.table ?? null })),
      inserted: result.inserted,
      mode,
      replaced: result.replaced,
      rowsByTable: load.stats.byTable,
      total: result.total,
    };
    const side = await importSideInputs(ctx, from, mode);
    if (side) out.findings = side;
    const stored = await storeEstateHistory(store, history, mode);
    if (stored) out.history = stored;
    return out;
  } finally {
    progress.stop();
  }
}

/**
 * Side inputs of estate directories: scanner results under `<dir>/findings/` (replacing the stored ones on a
 * replace import) and the sample's directory facts (principal names, group membership) from its manifest.json.
 */
async function importSideInputs(ctx: CommandContext, from: string[], mode: 'merge' | 'replace'): Promise<{ files: number; findings: number } | undefined> {
  const store = await ctx.store();
  const dirs = from.filter((p) => existsSync(join(p, 'findings')) && statSync(join(p, 'findings')).isDirectory()).map((p) => join(p, 'findings'));
  for (const p of from) {
    const manifest = join(p, 'manifest.json');
    if (!existsSync(manifest)) continue;
    const principals = (JSON.parse(readFileSync(manifest, 'utf8')) as { principals?: unknown[] }).principals;
    if (Array.isArray(principals)) await store.putDocument(DIRECTORY_COLLECTION, 'principals', { principals });
  }
  if (dirs.length === 0) return undefined;
  if (mode === 'replace') for (const d of await store.listDocuments(FINDINGS_COLLECTION)) await store.deleteDocument(FINDINGS_COLLECTION, d.key);
  // the agentless scanner's directories (with the marker) are imported apart: their findings are gated by provisioning
  const agentless = dirs.filter((d) => existsSync(join(d, AGENTLESS_MARKER)));
  const others = dirs.filter((d) => !agentless.includes(d));
  let files = 0;
  let findings = 0;
  for (const [group, options] of [
    [agentless, { agentless: true }],
    [others, {}],
  ] as const) {
    if (group.length === 0) continue;
    const summary = await importFindings(ctx, group, options);
    files += summary.files;
    findings += summary.vulnerabilities + summary.secrets;
  }
  return { files, findings };
}

export async function inventory(store: Store): Promise<ReturnType<typeof summarizeInventory>> {
  const containers = (await store.listResources({ tables: ['resourcecontainers'] })).map((r) => r.row);
  const pricings = (await store.listResources({ types: ['microsoft.security/pricings'] })).map((r) => r.row);
  const resourceCounts = (await store.countByType({ tables: ['resources'] })).filter(
    (entry) => entry.type !== CONTAINER_TYPES.resourceGroup,
  );
  return summarizeInventory({ containers, resourceCounts, pricings });
}
