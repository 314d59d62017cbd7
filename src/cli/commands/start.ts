import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { renderInventory } from '../../estate/index.js';
import { generateSample } from '../../estate/index.js';
import type { Run } from '../run.js';
import { importEstate, inventory } from './estate.js';
import { renderScan, runScan } from './scan.js';
import { WEB_DIST, serveUntilStopped } from './serve.js';

export function startCommand(run: Run): Command {
  return new Command('start')
    .description('Run Palisade on the built-in sample estate: generate it if absent, import it, summarise it, and scan its posture (palisade scan).')
    .option('--sample-dir <dir>', 'Where the sample estate lives.', '.palisade/sample')
    .option('--reimport', 'Import the sample again even when the store already holds an estate.')
    .option('--no-scan', 'Skip the posture scan.')
    .option('--no-serve', 'Do not start the API server and dashboard afterwards.')
    .option('--port <port>', 'Port of the API server and dashboard.', '8443')
    .action(function (this: Command) {
      return run(this, async (ctx) => {
        const opts = this.opts<{ sampleDir: string; reimport?: boolean; scan: boolean; serve: boolean; port: string }>();
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
        if (opts.serve) {
          const web = existsSync(join(WEB_DIST, 'index.html')) ? WEB_DIST : undefined;
          if (!web) ctx.logger.warning(`the dashboard is not built (${WEB_DIST}); serving the API only. Build it with: npm run build:web`);
          await serveUntilStopped(ctx, { host: '127.0.0.1', port: Number(opts.port), auth: 'token', web, printToken: true });
        }
      });
    });
}
