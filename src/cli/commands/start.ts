import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { renderInventory } from '../../estate/index.js';
import { generateSample } from '../../estate/index.js';
import type { Run } from '../run.js';
import { importEstate, inventory } from './estate.js';

export function startCommand(run: Run): Command {
  return new Command('start')
    .description('Run Palisade on the built-in sample estate: generate it if absent, import it, and summarise it.')
    .option('--sample-dir <dir>', 'Where the sample estate lives.', '.palisade/sample')
    .option('--reimport', 'Import the sample again even when the store already holds an estate.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ sampleDir: string; reimport?: boolean }>();
        const started = Date.now();
        if (!existsSync(join(opts.sampleDir, 'manifest.json'))) {
          ctx.io.stderr(`Generating the sample estate in ${opts.sampleDir} ...\n`);
          const progress = ctx.progress('Generating', ' rows');
          try {
            await generateSample({ outDir: opts.sampleDir, onProgress: (done, total) => progress.update(done, total) });
          } finally {
            progress.stop();
          }
        }
        const store = await ctx.store();
        if (opts.reimport || (await store.estateInfo()) === undefined) {
          ctx.io.stderr(`Importing ${opts.sampleDir} into the store ...\n`);
          await importEstate(ctx, [opts.sampleDir], 'replace');
        }
        const summary = await inventory(store);
        if (ctx.options.output === 'json' && !ctx.options.query && !ctx.io.env.PALISADE_START_JSON) {
          ctx.io.stdout(renderInventory(summary));
          ctx.io.stdout(`\nReady in ${((Date.now() - started) / 1000).toFixed(1)} s. Try: npx palisade resource list --resource-type Microsoft.Compute/virtualMachines -o table\n`);
        } else {
          ctx.emit(summary);
        }
      });
    });
}
