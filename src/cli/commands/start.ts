import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { renderInventory } from '../../estate/index.js';
import { generateSample } from '../../estate/index.js';
import type { Run } from '../run.js';
import { importEstate, inventory } from './estate.js';
import { renderScan, runScan } from './scan.js';

export function startCommand(run: Run): Command {
  return new Command('start')
    .description('Run Palisade on the built-in sample estate: generate it if absent, import it, summarise it, and scan its posture (palisade scan).')
    .option('--sample-dir <dir>', 'Where the sample estate lives.', '.palisade/sample')
    .option('--reimport', 'Import the sample again even when the store already holds an estate.')
    .option('--no-scan', 'Skip the posture scan.')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ sampleDir: string; reimport?: boolean; scan: boolean }>();
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
        const text = ctx.options.output === 'json' && !ctx.options.query && !ctx.io.env.PALISADE_START_JSON;
        if (text) ctx.io.stdout(renderInventory(summary));
        let posture: Awaited<ReturnType<typeof runScan>> | undefined;
        if (opts.scan) {
          if (text) ctx.io.stderr('Scanning the posture (policy states, assessments, secure score, compliance) ...\n');
          posture = await runScan(ctx);
          if (text) ctx.io.stdout(`\n${renderScan(posture)}`);
        }
        if (text) {
          ctx.io.stdout(`\nReady in ${((Date.now() - started) / 1000).toFixed(1)} s. Try: npx palisade resource list --resource-type Microsoft.Compute/virtualMachines -o table\n`);
        } else {
          ctx.emit(posture ? { ...summary, posture } : summary);
        }
      });
    });
}
